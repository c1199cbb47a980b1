/**
 * How executor agents call MCP tools.
 *
 * Executors are pure step logic running in piscina worker threads; the MCP connections (child
 * processes, HTTP sessions, circuit state) are owned once by the main process. An executor
 * task therefore gets a MessagePort, and every tool call travels over it as a `ToolPortRequest`
 * and comes back as a `ToolPortReply`. The main side checks the executor's tool allowlist,
 * applies the operation's abort signal (which sends MCP `notifications/cancelled`) and records
 * the call. An `abort` message tells the worker the operation is over.
 */
import { z } from 'zod';
import { ErrorDataSchema, ToolCallRecordSchema, type ToolCallRecord } from './messages.ts';

export const ToolCallOutputSchema = z
  .object({
    /** The text content blocks joined by newlines (MCP servers answer in text). */
    text: z.string(),
    isError: z.boolean(),
    structuredContent: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict();
export type ToolCallOutput = z.infer<typeof ToolCallOutputSchema>;

export const ToolPortRequestSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('call'),
      callId: z.number().int(),
      tool: z.string().min(1),
      args: z.record(z.string(), z.unknown()),
      /** Per-call timeout; long for deploys. Progress notifications reset it. */
      timeoutMs: z.number().int().min(1),
    })
    .strict(),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn']), message: z.string(), data: z.record(z.string(), z.unknown()) }).strict(),
]);
export type ToolPortRequest = z.infer<typeof ToolPortRequestSchema>;

export const ToolPortReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), callId: z.number().int(), output: ToolCallOutputSchema, record: ToolCallRecordSchema }).strict(),
  z.object({ type: z.literal('error'), callId: z.number().int(), error: ErrorDataSchema, record: ToolCallRecordSchema.nullable() }).strict(),
  z.object({ type: z.literal('abort'), reason: ErrorDataSchema }).strict(),
]);
export type ToolPortReply = z.infer<typeof ToolPortReplySchema>;

export interface ToolCallOptions {
  readonly timeoutMs?: number;
}

/**
 * What an executor sees. Resolves with the tool's output, including `isError` results (the
 * executor decides what a tool failure means); rejects with a HeyOpsError for everything that
 * is not an answer from the tool (not allowed, unknown tool, timeout, cancelled, server down).
 */
export interface ToolCaller {
  callTool(tool: string, args: Record<string, unknown>, options?: ToolCallOptions): Promise<ToolCallOutput>;
  /** Every call made so far, answered or not, in order (arguments redacted). */
  readonly records: readonly ToolCallRecord[];
}

/** The structural part of a worker_threads MessagePort both sides use. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  close(): void;
}
