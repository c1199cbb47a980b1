/**
 * The bus envelope: how one message travels between agents inside the main process.
 *
 * `correlationId` is the same from the utterance to the report; `causationId` is the id of the
 * envelope this one answers. `traceparent` carries the W3C trace context across worker threads.
 */
import { z } from 'zod';

/** Lower number = served first. Kill switch beats approvals beats reads beats changes. */
export const PRIORITY = {
  kill: 0,
  approval: 1,
  read: 2,
  change: 3,
} as const;
export const PrioritySchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
export type Priority = z.infer<typeof PrioritySchema>;

export const EnvelopeSchema = z
  .object({
    id: z.string().min(1),
    correlationId: z.string().min(1),
    causationId: z.string().min(1).nullable(),
    priority: PrioritySchema,
    traceparent: z.string().nullable(),
    type: z.string().min(1),
    payload: z.unknown(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type Envelope<T = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'payload'> & { payload: T };
