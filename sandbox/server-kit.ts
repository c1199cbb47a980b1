/**
 * What both sandbox servers share: the recorded tool facts, argument checking, the fault
 * knobs' latency, cancellable waits and the stdio entry point.
 *
 * The servers use the SDK's low-level `Server` and hand out the recorded `inputSchema` objects
 * unchanged: the SDK's zod→JSON-schema conversion would not reproduce the official servers'
 * schemas byte for byte, and switching from the sandbox to a real server must change nothing a
 * client can see in `tools/list`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
// Imported, not read from disk, so a bundled server (the Electron build) carries them along.
import cloudRunMcpFacts from './tool-schemas/cloud-run-mcp.json' with { type: 'json' };
import gcloudMcpFacts from './tool-schemas/gcloud-mcp.json' with { type: 'json' };
import githubMcpServerFacts from './tool-schemas/github-mcp-server.json' with { type: 'json' };
import type { CallToolResult, ServerNotification, Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeZodIssues, isHeyOpsError } from '../common/errors.ts';
import { SANDBOX_DIR_ENV, SandboxState, TIME_SCALE_ENV, parseTimeScale } from './sandbox-state.ts';

/** The recorded facts files in `sandbox/tool-schemas/`. */
export type ToolSchemaFile = 'github-mcp-server.json' | 'cloud-run-mcp.json' | 'gcloud-mcp.json';

const RecordedToolSchema = z
  .object({
    name: z.string().min(1),
    inputSchema: z.looseObject({ type: z.literal('object') }),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const RecordedFileSchema = z.object({ server: z.string(), source: z.string(), note: z.string(), tools: z.array(RecordedToolSchema) }).strict();
export type RecordedTool = z.infer<typeof RecordedToolSchema>;

/** Absolute path of a recorded facts file. */
export function toolSchemaPath(file: ToolSchemaFile): string {
  return fileURLToPath(new URL(`./tool-schemas/${file}`, import.meta.url));
}

const RECORDED_FACTS: Readonly<Record<ToolSchemaFile, unknown>> = {
  'github-mcp-server.json': githubMcpServerFacts,
  'cloud-run-mcp.json': cloudRunMcpFacts,
  'gcloud-mcp.json': gcloudMcpFacts,
};

/** The tools recorded from an official server, exactly as recorded. */
export function loadRecordedTools(file: ToolSchemaFile): RecordedTool[] {
  // A deep copy: callers hand these objects out and must not share one mutable instance.
  return RecordedFileSchema.parse(structuredClone(RECORDED_FACTS[file])).tools;
}

/** A recorded tool as `tools/list` lists it, with a short description of our own. */
export function listedTool(tool: RecordedTool, description: string): Tool {
  const listed: Tool = { name: tool.name, description, inputSchema: tool.inputSchema as Tool['inputSchema'] };
  if (tool.annotations !== undefined) listed.annotations = tool.annotations as Tool['annotations'];
  return listed;
}

const contracts = new WeakMap<RecordedTool, z.ZodType>();

/**
 * Checks call arguments twice: against the recorded JSON schema (the contract a real server
 * enforces) and against our typed zod schema (which gives the handler its types). Either
 * failing is a JSON-RPC InvalidParams error, as the official servers answer bad params.
 */
export function checkArguments<T extends z.ZodType>(tool: RecordedTool, typed: T, args: unknown): z.output<T> {
  let contractSchema = contracts.get(tool);
  if (contractSchema === undefined) {
    contractSchema = z.fromJSONSchema(tool.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    contracts.set(tool, contractSchema);
  }
  const contract = contractSchema.safeParse(args ?? {});
  if (!contract.success) {
    throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${tool.name}: ${describeZodIssues(contract.error.issues)}`);
  }
  const parsed = typed.safeParse(args ?? {});
  if (!parsed.success) {
    throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${tool.name}: ${describeZodIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** A plain text result (the official servers' normal and failure answers alike). */
export function textResult(text: string, isError = false): CallToolResult {
  return isError ? { content: [{ type: 'text', text }], isError: true } : { content: [{ type: 'text', text }] };
}

/** Waits `ms` real milliseconds; rejects with an AbortError when the call is cancelled. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal.throwIfAborted();
    return;
  }
  await sleep(ms, undefined, { signal });
}

/** The extra latency the fault knobs give this tool, waited for (cancellably) before the call. */
export async function applyLatencyFault(state: SandboxState, toolName: string, signal: AbortSignal): Promise<void> {
  await pause(readFaultsOrFail(state).latencyMs[toolName] ?? 0, signal);
}

/** The fault knobs; an invalid faults.json is a JSON-RPC InternalError that says which field. */
export function readFaultsOrFail(state: SandboxState): ReturnType<SandboxState['faults']> {
  try {
    return state.faults();
  } catch (error) {
    if (isHeyOpsError(error)) throw new McpError(ErrorCode.InternalError, error.message);
    throw error;
  }
}

/** One line on stderr (stdout belongs to the protocol). */
export function logLine(serverName: string, message: string): void {
  process.stderr.write(`[hey-ops sandbox ${serverName}] ${message}\n`);
}

/** Opens the state named by the environment, or exits 1 with a message that says what to set. */
export function stateFromEnvironment(serverName: string): SandboxState {
  const stateDir = process.env[SANDBOX_DIR_ENV];
  if (stateDir === undefined || stateDir.trim() === '') {
    logLine(serverName, `${SANDBOX_DIR_ENV} is not set: set it to the sandbox state directory (it is created and seeded on first use).`);
    process.exit(1);
  }
  let timeScale: number;
  try {
    timeScale = parseTimeScale(process.env[TIME_SCALE_ENV]);
  } catch (error) {
    logLine(serverName, error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  return SandboxState.open(path.resolve(stateDir), { timeScale });
}

/** Serves `server` on stdin/stdout until the client goes away. */
export async function serveOverStdio(serverName: string, server: Server, state: SandboxState): Promise<void> {
  // Anything printed with console.log would corrupt the protocol stream.
  console.log = (...args: unknown[]) => logLine(serverName, args.map(String).join(' '));
  const transport = new StdioServerTransport();
  transport.onclose = () => {
    state.close();
    process.exit(0);
  };
  process.stdin.on('end', () => {
    void server.close();
  });
  await server.connect(transport);
  logLine(serverName, `ready (state ${state.stateDir}, time scale ${state.timeScale})`);
}

/** True when the module at `importMetaUrl` is the script Node was started with. */
export function isEntryPoint(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(importMetaUrl);
}

/** What a sandbox tool handler is given: the call's cancellation, and a way to log progress. */
export interface ToolContext {
  readonly signal: AbortSignal;
  /** Sends `notifications/message` (cloud-run-mcp reports deploy progress this way). */
  readonly notify: (level: 'info' | 'debug' | 'error', data: string) => Promise<void>;
}

export interface SandboxToolDefinition {
  readonly description: string;
  readonly args: z.ZodType;
  readonly handle: (args: never, context: ToolContext) => Promise<CallToolResult> | CallToolResult;
}

/**
 * A low-level MCP `Server` that lists exactly the recorded tools and dispatches each call to
 * its definition: arguments checked against the recorded schema, the latency fault applied,
 * failures logged to stderr. Both sandbox servers are this with their own tools.
 */
export function createRecordedToolServer(options: {
  readonly name: string;
  readonly logName: string;
  readonly state: SandboxState;
  readonly recorded: readonly RecordedTool[];
  readonly definitions: Readonly<Record<string, SandboxToolDefinition | undefined>>;
}): Server {
  const { recorded, definitions, state } = options;
  const byName = new Map<string, RecordedTool>(recorded.map((tool) => [tool.name, tool]));
  for (const tool of recorded) {
    if (definitions[tool.name] === undefined) throw new Error(`${options.logName} has no handler for recorded tool ${tool.name}`);
  }
  const server = new Server({ name: options.name, version: 'hey-ops-sandbox' }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: recorded.map((tool) => listedTool(tool, definitions[tool.name]?.description ?? '')),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = byName.get(request.params.name);
    const definition = definitions[request.params.name];
    if (tool === undefined || definition === undefined) throw new McpError(ErrorCode.InvalidParams, `Tool ${request.params.name} not found`);
    const args = checkArguments(tool, definition.args, request.params.arguments);
    await applyLatencyFault(state, tool.name, extra.signal);
    const notify = async (level: 'info' | 'debug' | 'error', data: string): Promise<void> => {
      const notification: ServerNotification = { method: 'notifications/message', params: { level, data } };
      await extra.sendNotification(notification);
    };
    const result = await definition.handle(args as never, { signal: extra.signal, notify });
    if (result.isError === true) logLine(options.logName, `${tool.name} failed: ${JSON.stringify(result.content[0])}`);
    return result;
  });
  return server;
}
