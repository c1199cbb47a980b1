/**
 * The GCP Executor: carries out the plan steps that live on Google Cloud — deploy (direct, or
 * canary for production), roll back, service status, logs — through cloud-run-mcp's
 * `deploy_container_image` and gcloud-mcp's `run_gcloud_command` (the only official path to
 * traffic splits), and reads serving revisions before planning.
 *
 * Every change is verified by reading the service back: cloud-run-mcp and gcloud-mcp never set
 * isError, so their prose is not trusted to say what happened.
 */
import { HeyOpsError } from '../../../common/errors.ts';
import { formatDuration } from '../../../common/format.ts';
import type { ExecutionTask, StepAction, StepResult } from '../../../common/messages.ts';
import { runStep, throwIfAborted, type StepContext } from '../executor-runtime/step-context.ts';
import { looksLikeFailureText, runGcloud, runGcloudJson } from '../executor-runtime/tool-results.ts';
import {
  LogEntryListSchema,
  RevisionListSchema,
  ServiceSchema,
  isReady,
  servingRevision,
  trafficByRevision,
  type LogEntry,
  type Revision,
  type Service,
} from './cloud-run-shapes.ts';

/** The tools this executor may call; the main process refuses any other. */
export const GCP_TOOL_ALLOWLIST = ['run_gcloud_command', 'deploy_container_image', 'get_service', 'list_services'] as const;

/** Deploys take minutes; the per-call timeout is reset by progress notifications. */
const DEPLOY_CALL_TIMEOUT_MS = 15 * 60_000;

type Params<A extends StepAction['action']> = Extract<StepAction, { action: A }>;
interface Where {
  project: string;
  region: string;
  service: string;
}

export async function executeGcpStep(task: ExecutionTask, ctx: StepContext): Promise<StepResult> {
  const params = task.step.params;
  return runStep(task, ctx, async () => {
    switch (params.action) {
      case 'deploy':
        return params.strategy === 'canary' ? deployCanary(params, task, ctx) : deployDirect(params, ctx);
      case 'rollback':
        return rollback(params, ctx);
      case 'service_status':
        return serviceStatus(params, ctx);
      case 'read_logs':
        return readLogs(params, ctx);
      default:
        throw new HeyOpsError('TOOL_NOT_ALLOWED', `the GCP executor does not carry out ${params.action} steps`);
    }
  });
}

function location(where: Where): string[] {
  return [`--region=${where.region}`, `--project=${where.project}`];
}

export function describeService(ctx: StepContext, where: Where): Promise<Service> {
  return runGcloudJson(ctx, ['run', 'services', 'describe', where.service, ...location(where)], ServiceSchema);
}

export async function listRevisions(ctx: StepContext, where: Where): Promise<Revision[]> {
  const revisions = await runGcloudJson(ctx, ['run', 'revisions', 'list', `--service=${where.service}`, ...location(where)], RevisionListSchema);
  return [...revisions].sort((a, b) => Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? ''));
}

function imageOf(revision: Revision | undefined): string | null {
  return revision?.spec?.containers?.[0]?.image ?? null;
}

function splitText(split: Map<string, number>): string {
  return [...split].map(([revision, percent]) => `${revision}=${percent}%`).join(', ');
}

async function setTraffic(ctx: StepContext, where: Where, split: Record<string, number>): Promise<void> {
  const spec = Object.entries(split)
    .map(([revision, percent]) => `${revision}=${percent}`)
    .join(',');
  await runGcloud(ctx, ['run', 'services', 'update-traffic', where.service, `--to-revisions=${spec}`, ...location(where)]);
}

/** Reads the service back and checks the split is what was asked. */
async function verifyTraffic(ctx: StepContext, where: Where, expected: Record<string, number>): Promise<Service> {
  const service = await describeService(ctx, where);
  const actual = trafficByRevision(service);
  for (const [revision, percent] of Object.entries(expected)) {
    if ((actual.get(revision) ?? 0) !== percent) {
      throw new HeyOpsError('STEP_FAILED', `traffic on ${where.service} is ${splitText(actual) || 'empty'}, expected ${revision}=${percent}%`);
    }
  }
  return service;
}

async function deployDirect(params: Params<'deploy'>, ctx: StepContext): Promise<Record<string, unknown>> {
  const output = await ctx.tools.callTool(
    'deploy_container_image',
    { project: params.project, region: params.region, service: params.service, imageUrl: params.imageUrl },
    { timeoutMs: DEPLOY_CALL_TIMEOUT_MS },
  );
  throwIfAborted(ctx.signal);
  const said = output.isError || looksLikeFailureText(output.text) ? output.text.trim().split('\n')[0] : null;
  const revisions = await listRevisions(ctx, params);
  const fresh = revisions.find((revision) => imageOf(revision) === params.imageUrl);
  if (!fresh || !isReady(fresh.status?.conditions)) {
    throw new HeyOpsError('STEP_FAILED', `deploy of ${params.imageUrl} to ${params.service} did not produce a ready revision${said ? `: ${said}` : ''}`);
  }
  let service = await describeService(ctx, params);
  if (servingRevision(service) !== fresh.metadata.name) {
    // Traffic pinned by an earlier rollback or canary stays pinned on deploy (as in Cloud Run):
    // a direct deploy means the new revision serves, so say so explicitly.
    await runGcloud(ctx, ['run', 'services', 'update-traffic', params.service, '--to-latest', ...location(params)]);
    service = await verifyTraffic(ctx, params, { [fresh.metadata.name]: 100 });
  }
  return { revision: fresh.metadata.name, url: service.status.url ?? null, image: params.imageUrl, traffic: Object.fromEntries(trafficByRevision(service)) };
}

/**
 * Production canary: a new revision with no traffic and a `canary` tag, then `canaryPercent`%
 * of traffic for the canary window while its error logs are watched, then either all traffic
 * to it or all traffic back to the revision that served before — with the reason recorded.
 */
async function deployCanary(params: Params<'deploy'>, task: ExecutionTask, ctx: StepContext): Promise<Record<string, unknown>> {
  const before = await describeService(ctx, params);
  const previous = servingRevision(before);
  if (previous === null) throw new HeyOpsError('STEP_FAILED', `${params.service} serves no revision now; a canary needs one to compare against`);

  await runGcloud(ctx, ['run', 'deploy', params.service, `--image=${params.imageUrl}`, '--no-traffic', '--tag=canary', ...location(params)], DEPLOY_CALL_TIMEOUT_MS);
  throwIfAborted(ctx.signal);
  const revisions = await listRevisions(ctx, params);
  const canary = revisions.find((revision) => imageOf(revision) === params.imageUrl && revision.metadata.name !== previous);
  if (!canary) throw new HeyOpsError('STEP_FAILED', `no new revision of ${params.service} runs ${params.imageUrl} after the deploy`);
  const canaryName = canary.metadata.name;

  const partial = { [canaryName]: params.canaryPercent, [previous]: 100 - params.canaryPercent };
  const base = { previousRevision: previous, canaryRevision: canaryName, image: params.imageUrl };
  await setTraffic(ctx, params, partial);
  try {
    await verifyTraffic(ctx, params, partial);
    ctx.log('canary serving', { canary: canaryName, percent: params.canaryPercent });

    const watchMs = Math.round(params.canaryWindowMs * task.timeScale);
    await ctx.sleep(watchMs);
    const freshnessMinutes = Math.max(1, Math.ceil(params.canaryWindowMs / 60_000));
    const errors = await readErrorEntries(ctx, params, { revision: canaryName, freshness: `${freshnessMinutes}m`, limit: Math.max(50, params.maxCanaryErrors + 1) });
    if (errors.length > params.maxCanaryErrors) {
      await setTraffic(ctx, params, { [previous]: 100 });
      await verifyTraffic(ctx, params, { [previous]: 100 });
      throw new HeyOpsError(
        'STEP_FAILED',
        `canary ${canaryName} logged ${errors.length} errors in ${formatDuration(params.canaryWindowMs)} (limit ${params.maxCanaryErrors}); rolled back to ${previous}`,
        { output: { ...base, canaryErrors: errors.length, rolledBack: true, revision: previous } },
      );
    }
    // Promote by following the latest revision again, so later deploys are not left pinned.
    await runGcloud(ctx, ['run', 'services', 'update-traffic', params.service, '--to-latest', ...location(params)]);
    const after = await verifyTraffic(ctx, params, { [canaryName]: 100 });
    return { ...base, canaryErrors: errors.length, rolledBack: false, revision: canaryName, url: after.status.url ?? null, traffic: Object.fromEntries(trafficByRevision(after)) };
  } catch (error) {
    if (error instanceof HeyOpsError && error.data?.output !== undefined) throw error; // already rolled back
    const reason = error instanceof HeyOpsError ? error : new HeyOpsError('STEP_FAILED', error instanceof Error ? error.message : String(error));
    const split = `${canaryName} ${params.canaryPercent}% / ${previous} ${100 - params.canaryPercent}%`;
    if (ctx.signal.aborted) {
      // Stopped from outside: no further call may be made, so say exactly what was left.
      throw new HeyOpsError(reason.code, `${reason.message} Traffic was left split ${split}; check it before deploying again.`, {
        output: { ...base, rolledBack: false, trafficLeft: partial },
      });
    }
    // Any other failure after the shift: put all traffic back on the revision that served before.
    try {
      await setTraffic(ctx, params, { [previous]: 100 });
      await verifyTraffic(ctx, params, { [previous]: 100 });
    } catch (restoreError) {
      const why = restoreError instanceof Error ? restoreError.message : String(restoreError);
      throw new HeyOpsError('STEP_FAILED', `canary failed (${reason.message}) and traffic could NOT be restored (${why}): it is split ${split}. Restore it by hand.`, {
        output: { ...base, rolledBack: false, trafficLeft: partial },
      });
    }
    throw new HeyOpsError('STEP_FAILED', `canary failed (${reason.message}); all traffic is back on ${previous}`, { output: { ...base, rolledBack: true, revision: previous } });
  }
}

async function rollback(params: Params<'rollback'>, ctx: StepContext): Promise<Record<string, unknown>> {
  const before = await describeService(ctx, params);
  const serving = servingRevision(before);
  let target = params.toRevision;
  if (target === null) {
    const revisions = await listRevisions(ctx, params);
    target = revisions.find((revision) => revision.metadata.name !== serving && isReady(revision.status?.conditions))?.metadata.name ?? null;
  }
  if (target === null) throw new HeyOpsError('STEP_FAILED', `${params.service} has no earlier ready revision to roll back to`);
  if (target === serving && trafficByRevision(before).get(target) === 100) {
    return { revision: target, previousRevision: serving, alreadyServing: true, url: before.status.url ?? null };
  }
  await setTraffic(ctx, params, { [target]: 100 });
  const after = await verifyTraffic(ctx, params, { [target]: 100 });
  return { revision: target, previousRevision: serving, url: after.status.url ?? null, traffic: Object.fromEntries(trafficByRevision(after)) };
}

async function readErrorEntries(ctx: StepContext, where: Where, options: { revision?: string; freshness: string; limit: number; minSeverity?: string }): Promise<LogEntry[]> {
  const terms = [`resource.type="cloud_run_revision"`, `resource.labels.service_name="${where.service}"`];
  if (options.revision) terms.push(`resource.labels.revision_name="${options.revision}"`);
  terms.push(`severity>=${options.minSeverity ?? 'ERROR'}`);
  return runGcloudJson(
    ctx,
    ['logging', 'read', terms.join(' AND '), `--freshness=${options.freshness}`, `--limit=${options.limit}`, `--project=${where.project}`],
    LogEntryListSchema,
  );
}

function entryText(entry: LogEntry): string {
  const payload = entry.textPayload ?? (entry.jsonPayload ? String(entry.jsonPayload.message ?? JSON.stringify(entry.jsonPayload)) : '');
  return payload.length > 200 ? `${payload.slice(0, 200)}…` : payload;
}

async function serviceStatus(params: Params<'service_status'>, ctx: StepContext): Promise<Record<string, unknown>> {
  const service = await describeService(ctx, params);
  // The error count is a nicety: if the logs cannot be read, the status is still the status.
  let recentErrors: number | null = null;
  let errorsUnavailable: string | null = null;
  try {
    recentErrors = (await readErrorEntries(ctx, params, { freshness: '1h', limit: 100 })).length;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    errorsUnavailable = error instanceof Error ? error.message : String(error);
  }
  return {
    service: params.service,
    project: params.project,
    region: params.region,
    url: service.status.url ?? null,
    ready: isReady(service.status.conditions),
    latestRevision: service.status.latestReadyRevisionName ?? null,
    servingRevision: servingRevision(service),
    traffic: Object.fromEntries(trafficByRevision(service)),
    recentErrors,
    errorsUnavailable,
  };
}

async function readLogs(params: Params<'read_logs'>, ctx: StepContext): Promise<Record<string, unknown>> {
  const entries = await readErrorEntries(ctx, params, { freshness: params.freshness, limit: params.limit, minSeverity: params.minSeverity });
  return {
    service: params.service,
    project: params.project,
    count: entries.length,
    entries: entries.map((entry) => ({
      timestamp: entry.timestamp ?? null,
      severity: entry.severity ?? null,
      revision: entry.resource?.labels?.revision_name ?? null,
      message: entryText(entry),
    })),
  };
}

/** Read-only lookup before planning: which revision serves now, and which served before it. */
export async function resolveRevisions(ctx: StepContext, where: Where): Promise<{ servingRevision: string | null; previousRevision: string | null }> {
  const service = await describeService(ctx, where);
  const serving = servingRevision(service);
  const revisions = await listRevisions(ctx, where);
  const servingIndex = revisions.findIndex((revision) => revision.metadata.name === serving);
  // The one before the serving revision: the newest ready revision created before it.
  const older = servingIndex === -1 ? revisions : revisions.slice(servingIndex + 1);
  const previous = older.find((revision) => revision.metadata.name !== serving && isReady(revision.status?.conditions));
  return { servingRevision: serving, previousRevision: previous?.metadata.name ?? null };
}
