/**
 * The main process's MCP clients: one SDK `Client` per configured server (stdio or Streamable
 * HTTP, in the `mcpServers` shape), connected on first use, with `tools/list` read at connect
 * so a missing tool is a clear error up front rather than a failure mid-deploy.
 *
 * Executors never hold connections: their tool calls arrive through the tool port and are
 * made here, with the operation's abort signal (the SDK sends `notifications/cancelled`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { HeyOpsError } from '../../../common/errors.ts';
import type { McpServerConfig, McpServers } from '../../../common/config.ts';
import type { ToolCallOutput } from '../../../common/tool-port.ts';
import type { Logger } from '../logger.ts';

interface Connection {
  readonly client: Client;
  readonly tools: ReadonlyMap<string, Tool>;
}

export interface CallOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Server log lines (cloud-run-mcp reports deploy progress this way). */
  readonly onMessage?: (message: string) => void;
}

/** "${VAR}" in env and header values is read from Hey Ops' own environment: tokens stay out of files. */
export function expandEnvReferences(values: Record<string, string>, env: NodeJS.ProcessEnv, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined || resolved === '') {
        throw new HeyOpsError('MCP_CONNECT_FAILED', `${where} needs the environment variable ${name} (used in ${key}), and it is not set.`);
      }
      return resolved;
    });
  }
  return out;
}

export class McpConnections {
  private readonly servers: McpServers;
  private readonly logger: Logger;
  private readonly connections = new Map<string, Promise<Connection>>();
  /** Server name → the message handlers of calls in flight, for progress log lines. */
  private readonly messageListeners = new Map<string, Set<(message: string) => void>>();

  constructor(servers: McpServers, logger: Logger) {
    this.servers = servers;
    this.logger = logger;
  }

  serverNames(): string[] {
    return Object.keys(this.servers);
  }

  /** Connects (once) and returns the server's tools. */
  async tools(serverName: string): Promise<ReadonlyMap<string, Tool>> {
    return (await this.connection(serverName)).tools;
  }

  private connection(serverName: string): Promise<Connection> {
    let connection = this.connections.get(serverName);
    if (!connection) {
      connection = this.connect(serverName);
      this.connections.set(serverName, connection);
      // A failed connect is not cached: the next call tries again.
      connection.catch(() => this.connections.delete(serverName));
    }
    return connection;
  }

  private async connect(serverName: string): Promise<Connection> {
    const config = this.servers[serverName];
    if (!config) {
      throw new HeyOpsError('MCP_CONNECT_FAILED', `No MCP server named "${serverName}" is configured (configured: ${this.serverNames().join(', ') || 'none'}). Add it to mcp.json.`);
    }
    const client = new Client({ name: 'hey-ops', version: '0.1.0' }, { capabilities: {} });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      const data = notification.params.data;
      const message = typeof data === 'string' ? data : JSON.stringify(data);
      for (const listener of this.messageListeners.get(serverName) ?? []) listener(message);
    });
    const transport = this.transportFor(serverName, config);
    client.onclose = () => {
      // The process died or the session ended: forget it so the next call reconnects.
      this.logger.warn({ server: serverName }, 'MCP server connection closed');
      this.connections.delete(serverName);
    };
    try {
      await client.connect(transport, { timeout: 20_000 });
      const tools = new Map<string, Tool>();
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: 20_000 });
        for (const tool of page.tools) tools.set(tool.name, tool);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      this.logger.info({ server: serverName, tools: tools.size, version: client.getServerVersion() }, 'MCP server connected');
      return { client, tools };
    } catch (error) {
      await client.close().catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      throw new HeyOpsError('MCP_CONNECT_FAILED', `Could not connect to the MCP server "${serverName}": ${reason}`, { server: serverName });
    }
  }

  private transportFor(serverName: string, config: McpServerConfig): StdioClientTransport | StreamableHTTPClientTransport {
    if ('command' in config) {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: { ...getDefaultEnvironment(), ...expandEnvReferences(config.env, process.env, `MCP server "${serverName}"`) },
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
        stderr: 'pipe',
      });
      // The server's own stderr goes to our log, line by line, never to stdout.
      transport.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.logger.debug({ server: serverName, stderr: line }, 'MCP server stderr');
      });
      return transport;
    }
    const headers = expandEnvReferences(config.headers, process.env, `MCP server "${serverName}"`);
    return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
  }

  /**
   * Calls one tool. Tool-level failures (`isError`) are returned; everything else — cancelled,
   * timed out, unknown tool, bad params, server gone — throws a HeyOpsError.
   */
  async callTool(serverName: string, tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolCallOutput> {
    const { client } = await this.connection(serverName);
    const listeners = this.messageListeners.get(serverName) ?? new Set();
    this.messageListeners.set(serverName, listeners);
    const onMessage = options.onMessage;
    if (onMessage) listeners.add(onMessage);
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
        onprogress: () => {},
      });
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content
        .map((block) => (block && typeof block === 'object' && 'type' in block && block.type === 'text' && 'text' in block ? String(block.text) : ''))
        .filter((part) => part !== '')
        .join('\n');
      const structured = result.structuredContent;
      return {
        text,
        isError: result.isError === true,
        structuredContent: structured && typeof structured === 'object' && !Array.isArray(structured) ? (structured as Record<string, unknown>) : null,
      };
    } catch (error) {
      if (options.signal.aborted) {
        const reason: unknown = options.signal.reason;
        throw reason instanceof HeyOpsError ? reason : new HeyOpsError('CANCELLED', `${tool} was cancelled`);
      }
      const message = error instanceof Error ? error.message : String(error);
      if (/timed out|timeout/i.test(message)) throw new HeyOpsError('STEP_TIMEOUT', `${tool} on ${serverName} timed out after ${options.timeoutMs} ms`, { server: serverName, tool });
      throw new HeyOpsError('MCP_TOOL_FAILED', `${tool} on ${serverName} failed: ${message}`, { server: serverName, tool });
    } finally {
      if (onMessage) listeners.delete(onMessage);
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map(async (pending) => {
        try {
          const { client } = await pending;
          client.onclose = undefined;
          await client.close();
        } catch {
          // Already gone.
        }
      }),
    );
  }
}
