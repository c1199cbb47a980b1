/**
 * The input of an executor worker: a job plus the MessagePort its tool calls go through.
 * Jobs are a plan step (`step`) or a read-only lookup before planning (`resolve`).
 */
import { z } from 'zod';
import { HeyOpsError, describeZodIssues } from '../../../common/errors.ts';
import { ExecutionTaskSchema } from '../../../common/messages.ts';
import type { PortLike } from '../../../common/tool-port.ts';
import { connectToolPort } from './port-tool-caller.ts';
import { createStepContext, type StepContext } from './step-context.ts';

export const ExecutorJobSchema = z.discriminatedUnion('job', [
  z.object({ job: z.literal('step'), task: ExecutionTaskSchema }).strict(),
  z
    .object({
      job: z.literal('resolve'),
      github: z.object({ owner: z.string(), repo: z.string(), ref: z.string() }).strict().nullable().default(null),
      cloudRun: z.object({ project: z.string(), region: z.string(), service: z.string() }).strict().nullable().default(null),
    })
    .strict(),
]);
export type ExecutorJob = z.infer<typeof ExecutorJobSchema>;

function isPort(value: unknown): value is PortLike {
  return typeof value === 'object' && value !== null && typeof (value as PortLike).postMessage === 'function' && typeof (value as PortLike).on === 'function';
}

/** Parses `{ job..., port }`, connects the port, runs `body` and always closes the port. */
export async function withExecutorJob<T>(input: unknown, body: (job: ExecutorJob, ctx: StepContext) => Promise<T>): Promise<T> {
  const { port, ...rest } = (input ?? {}) as { port?: unknown };
  if (!isPort(port)) throw new HeyOpsError('INVALID_MESSAGE', 'an executor job needs a MessagePort for its tool calls');
  const parsed = ExecutorJobSchema.safeParse(rest);
  if (!parsed.success) throw new HeyOpsError('INVALID_MESSAGE', `executor job: ${describeZodIssues(parsed.error.issues)}`);
  const connection = connectToolPort(port);
  const ctx = createStepContext(connection.tools, connection.signal, (message, data) => connection.log('info', message, data));
  try {
    return await body(parsed.data, ctx);
  } finally {
    connection.close();
  }
}
