/**
 * What every agent worker returns: its value, or its error as data. Structured cloning between
 * threads keeps an Error's message but drops its code, so errors cross as `{code, message}`
 * and the main side rebuilds a HeyOpsError with the code intact.
 */
import { z } from 'zod';
import { ErrorDataSchema } from '../../common/messages.ts';
import { toErrorData } from '../../common/errors.ts';

export const WorkerResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: ErrorDataSchema }).strict(),
]);
export type WorkerResult = z.infer<typeof WorkerResultSchema>;

export async function asWorkerResult(run: () => unknown): Promise<WorkerResult> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  }
}
