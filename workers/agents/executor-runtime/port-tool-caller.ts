/**
 * The worker side of the tool port: a ToolCaller whose calls travel to the main process over a
 * MessagePort, and an AbortSignal that fires when the main process says the operation is over.
 */
import { HeyOpsError } from '../../../common/errors.ts';
import type { ToolCallRecord } from '../../../common/messages.ts';
import {
  ToolPortReplySchema,
  type PortLike,
  type ToolCallOptions,
  type ToolCallOutput,
  type ToolCaller,
  type ToolPortRequest,
} from '../../../common/tool-port.ts';

/** Used when a call names no timeout: generous, because the main side enforces its own. */
const DEFAULT_CALL_TIMEOUT_MS = 120_000;
/**
 * After an abort, how long a call in flight may take to come back from the main side, which
 * cancels it at once and sends its record (outcome "cancelled") — the report needs that record.
 */
const ABORT_GRACE_MS = 1_000;

export interface PortConnection {
  readonly tools: ToolCaller;
  readonly signal: AbortSignal;
  log(level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void;
  close(): void;
}

export function connectToolPort(port: PortLike): PortConnection {
  const controller = new AbortController();
  const pending = new Map<number, { resolve: (output: ToolCallOutput) => void; reject: (error: Error) => void }>();
  const records: ToolCallRecord[] = [];
  let nextCallId = 1;

  const onMessage = (raw: unknown): void => {
    const parsed = ToolPortReplySchema.safeParse(raw);
    if (!parsed.success) return; // Not ours; the main side only sends these shapes.
    const reply = parsed.data;
    if (reply.type === 'abort') {
      const error = HeyOpsError.fromData(reply.reason);
      controller.abort(error);
      const stranded = [...pending.keys()];
      setTimeout(() => {
        for (const callId of stranded) {
          pending.get(callId)?.reject(error);
          pending.delete(callId);
        }
      }, ABORT_GRACE_MS).unref();
      return;
    }
    const waiter = pending.get(reply.callId);
    if (!waiter) return;
    pending.delete(reply.callId);
    if (reply.type === 'result') {
      records.push(reply.record);
      waiter.resolve(reply.output);
    } else {
      if (reply.record) records.push(reply.record);
      waiter.reject(HeyOpsError.fromData(reply.error));
    }
  };
  port.on('message', onMessage);

  const tools: ToolCaller = {
    records,
    callTool(tool: string, args: Record<string, unknown>, options?: ToolCallOptions): Promise<ToolCallOutput> {
      if (controller.signal.aborted) return Promise.reject(controller.signal.reason as Error);
      const callId = nextCallId++;
      return new Promise<ToolCallOutput>((resolve, reject) => {
        pending.set(callId, { resolve, reject });
        const request: ToolPortRequest = { type: 'call', callId, tool, args, timeoutMs: options?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS };
        port.postMessage(request);
      });
    },
  };

  return {
    tools,
    signal: controller.signal,
    log(level, message, data = {}) {
      const request: ToolPortRequest = { type: 'log', level, message, data };
      port.postMessage(request);
    },
    close() {
      port.off('message', onMessage);
      port.close();
    },
  };
}
