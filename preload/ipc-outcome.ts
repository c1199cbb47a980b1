/**
 * What travels back over an `invoke`: the result, or the error as data.
 *
 * Electron's `invoke` turns a thrown error into a bare message ("Error invoking remote
 * method ...") and drops its class and code, so main never throws across IPC: it answers
 * `{ ok: false, error: { code, message } }` and the preload turns that back into a rejection.
 * Process-neutral (zod and common/ only): main/app/ipc.ts and the preload both import it.
 */
import { z } from 'zod';
import { ErrorDataSchema, type ErrorData } from '../common/messages.ts';

export const IpcOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: ErrorDataSchema }).strict(),
]);
export type IpcOutcome = { ok: true; value: unknown } | { ok: false; error: ErrorData };

/**
 * The rejection a verb of `window.heyOps` gives. Only `message` survives the context bridge,
 * so it is what a person should read; `code` is there for callers inside the preload world.
 */
export class HeyOpsIpcError extends Error {
  readonly code: string;
  constructor(error: ErrorData) {
    super(error.message);
    this.name = 'HeyOpsIpcError';
    this.code = error.code;
  }
}
