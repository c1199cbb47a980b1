/**
 * The main side of the tool port. For each executor it knows which MCP servers it may use and
 * which tools it may call (a fixed allowlist), finds the server that offers each tool (from
 * `tools/list`, so one sandbox server or the three official ones are only a config change),
 * makes the call with the operation's abort signal, and records it with secrets redacted.
 */
import type { MessagePort } from 'node:worker_threads';
import { HeyOpsError, toErrorData } from '../../../common/errors.ts';
import type { ToolCallRecord } from '../../../common/messages.ts';
import { ToolPortRequestSchema, type ToolCallOutput, type ToolPortReply } from '../../../common/tool-port.ts';
import type { Logger } from '../logger.ts';
import { redact } from '../redact.ts';
import type { McpConnections } from './mcp-connections.ts';
import { accessOf, type Access } from './tool-access.ts';

export type McpExecutor = 'github' | 'gcp';

export interface ExecutorToolPolicy {
  /** Configured server names this executor may use, in order of preference. */
  readonly servers: readonly string[];
  /** Tools it may call at all. */
  readonly allowlist: readonly string[];
  /** Tools that must exist at connect time; each with the advice to give when one is missing. */
  readonly required: Readonly<Record<string, string>>;
}

export class ToolBroker {
  private readonly connections: McpConnections;
  private readonly policies: Readonly<Record<McpExecutor, ExecutorToolPolicy>>;
  private readonly logger: Logger;
  private readonly toolMaps = new Map<McpExecutor, Promise<Map<string, string>>>();

  /** Read from the shared state on every change: a change never leaves while it is engaged. */
  private readonly killSwitchEngaged: () => boolean;

  constructor(connections: McpConnections, policies: Readonly<Record<McpExecutor, ExecutorToolPolicy>>, logger: Logger, killSwitchEngaged: () => boolean = () => false) {
    this.connections = connections;
    this.policies = policies;
    this.logger = logger;
    this.killSwitchEngaged = killSwitchEngaged;
  }

  /** Tool name → server name for an executor; connects and checks required tools on first use. */
  toolMap(executor: McpExecutor): Promise<Map<string, string>> {
    let map = this.toolMaps.get(executor);
    if (!map) {
      map = this.buildToolMap(executor);
      this.toolMaps.set(executor, map);
      map.catch(() => this.toolMaps.delete(executor));
    }
    return map;
  }

  private async buildToolMap(executor: McpExecutor): Promise<Map<string, string>> {
    const policy = this.policies[executor];
    const map = new Map<string, string>();
    for (const server of policy.servers) {
      for (const tool of (await this.connections.tools(server)).keys()) if (!map.has(tool)) map.set(tool, server);
    }
    const missing = Object.keys(policy.required).filter((tool) => !map.has(tool));
    if (missing.length > 0) {
      const advice = [...new Set(missing.map((tool) => policy.required[tool]))].join(' ');
      throw new HeyOpsError(
        'MCP_TOOL_MISSING',
        `The ${executor} executor's servers (${policy.servers.join(', ')}) do not offer ${missing.join(', ')}. ${advice}`,
        { executor, missing },
      );
    }
    return map;
  }

  /** One tool call on behalf of an executor, as a record and an output (or a HeyOpsError). */
  async call(
    executor: McpExecutor,
    tool: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; timeoutMs: number; logger: Logger; access: Access },
  ): Promise<{ output: ToolCallOutput | null; error: HeyOpsError | null; record: ToolCallRecord | null }> {
    const policy = this.policies[executor];
    const refuse = (message: string): { output: null; error: HeyOpsError; record: null } => {
      options.logger.warn({ executor, tool, args: redact(args) }, message);
      return { output: null, error: new HeyOpsError('TOOL_NOT_ALLOWED', message), record: null };
    };
    if (!policy.allowlist.includes(tool)) return refuse(`the ${executor} executor may not call ${tool}`);
    const needs = accessOf(tool, args);
    if (needs === null) return refuse(`${tool} with these arguments is not a call Hey Ops makes`);
    if (needs === 'change' && options.access === 'read') return refuse(`${tool} would change something, and this job may only read`);
    if (needs === 'change' && this.killSwitchEngaged()) return refuse(`${tool} refused: the kill switch is engaged`);
    const startedAt = new Date();
    let server = '?';
    const record = (outcome: ToolCallRecord['outcome'], summary: string): ToolCallRecord => ({
      server,
      tool,
      args: redact(args),
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      outcome,
      summary: summary.length > 300 ? `${summary.slice(0, 300)}…` : summary,
    });
    try {
      server = (await this.toolMap(executor)).get(tool) ?? '?';
      if (server === '?') throw new HeyOpsError('MCP_TOOL_MISSING', `no configured server of the ${executor} executor offers ${tool}`);
      const output = await this.connections.callTool(server, tool, args, {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        onMessage: (message) => options.logger.info({ server, tool, message }, 'server progress'),
      });
      const firstLine = output.text.trim().split('\n')[0] ?? '';
      const entry = record(output.isError ? 'tool_error' : 'ok', redact(firstLine));
      options.logger.info({ server, tool, args: entry.args, durationMs: entry.durationMs, outcome: entry.outcome }, 'tool call');
      return { output, error: null, record: entry };
    } catch (caught) {
      const error = caught instanceof HeyOpsError ? caught : new HeyOpsError('MCP_TOOL_FAILED', caught instanceof Error ? caught.message : String(caught));
      const outcome: ToolCallRecord['outcome'] =
        error.code === 'CANCELLED' || error.code === 'KILL_SWITCH_ENGAGED' ? 'cancelled' : error.code === 'STEP_TIMEOUT' ? 'timeout' : 'protocol_error';
      const entry = record(outcome, error.message);
      options.logger.warn({ server, tool, args: entry.args, durationMs: entry.durationMs, outcome, error: error.message }, 'tool call failed');
      return { output: null, error, record: entry };
    }
  }

  /**
   * Serves one executor task's port until the task ends, allowing only calls of `access`. When `signal` fires the worker is told
   * (an `abort` message) and every call in flight is cancelled through the MCP client.
   */
  serve(port: MessagePort, executor: McpExecutor, access: Access, signal: AbortSignal, logger: Logger): () => void {
    const post = (reply: ToolPortReply): void => {
      try {
        port.postMessage(reply);
      } catch {
        // The worker has gone; nothing to tell.
      }
    };
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      post({ type: 'abort', reason: toErrorData(reason instanceof Error ? reason : new HeyOpsError('CANCELLED', 'the operation was cancelled')) });
    };
    signal.addEventListener('abort', onAbort, { once: true });

    port.on('message', (raw: unknown) => {
      const parsed = ToolPortRequestSchema.safeParse(raw);
      if (!parsed.success) {
        logger.warn({ executor }, 'malformed tool-port message from an executor');
        return;
      }
      const request = parsed.data;
      if (request.type === 'log') {
        logger[request.level]({ executor, ...redact(request.data) }, request.message);
        return;
      }
      if (signal.aborted) {
        onAbort();
        return;
      }
      void this.call(executor, request.tool, request.args, { signal, timeoutMs: request.timeoutMs, logger, access }).then(({ output, error, record }) => {
        if (output !== null && record !== null) post({ type: 'result', callId: request.callId, output, record });
        else post({ type: 'error', callId: request.callId, error: (error ?? new HeyOpsError('INTERNAL', 'no result')).toData(), record });
      });
    });
    port.start();
    return () => {
      signal.removeEventListener('abort', onAbort);
      port.close();
    };
  }
}
