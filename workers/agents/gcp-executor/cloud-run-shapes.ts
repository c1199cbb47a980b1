/**
 * The parts of gcloud's `--format=json` output for Cloud Run (Knative serving.knative.dev/v1
 * objects) and Cloud Logging entries that the GCP executor relies on. Loose objects.
 */
import { z } from 'zod';

const ConditionSchema = z.looseObject({ type: z.string(), status: z.string(), message: z.string().nullish() });

export const TrafficTargetSchema = z.looseObject({
  revisionName: z.string().nullish(),
  percent: z.number().nullish(),
  tag: z.string().nullish(),
  latestRevision: z.boolean().nullish(),
  url: z.string().nullish(),
});
export type TrafficTarget = z.infer<typeof TrafficTargetSchema>;

export const ServiceSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  status: z.looseObject({
    url: z.string().nullish(),
    latestReadyRevisionName: z.string().nullish(),
    latestCreatedRevisionName: z.string().nullish(),
    conditions: z.array(ConditionSchema).nullish(),
    traffic: z.array(TrafficTargetSchema).nullish(),
  }),
});
export type Service = z.infer<typeof ServiceSchema>;

export const RevisionSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), creationTimestamp: z.string().nullish() }),
  spec: z.looseObject({ containers: z.array(z.looseObject({ image: z.string().nullish() })).nullish() }).nullish(),
  status: z.looseObject({ conditions: z.array(ConditionSchema).nullish() }).nullish(),
});
export type Revision = z.infer<typeof RevisionSchema>;
export const RevisionListSchema = z.array(RevisionSchema);

export const LogEntrySchema = z.looseObject({
  timestamp: z.string().nullish(),
  severity: z.string().nullish(),
  textPayload: z.string().nullish(),
  jsonPayload: z.record(z.string(), z.unknown()).nullish(),
  resource: z.looseObject({ labels: z.record(z.string(), z.string()).nullish() }).nullish(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;
export const LogEntryListSchema = z.array(LogEntrySchema);

export function isReady(conditions: ReadonlyArray<{ type: string; status: string }> | null | undefined): boolean {
  return (conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

/** Revision → percent of traffic it serves now (tags with 0% are left out). */
export function trafficByRevision(service: Service): Map<string, number> {
  const split = new Map<string, number>();
  for (const target of service.status.traffic ?? []) {
    const name = target.revisionName ?? (target.latestRevision ? service.status.latestReadyRevisionName : null);
    if (!name || !target.percent) continue;
    split.set(name, (split.get(name) ?? 0) + target.percent);
  }
  return split;
}

/** The revision serving the most traffic. */
export function servingRevision(service: Service): string | null {
  let best: [string, number] | null = null;
  for (const entry of trafficByRevision(service)) if (best === null || entry[1] > best[1]) best = entry;
  return best?.[0] ?? null;
}
