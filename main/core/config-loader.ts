/**
 * Loads the configuration from HEY_OPS_HOME: `hey-ops.yaml` (policy, catalog, executors, LLM,
 * prices) and `mcp.json` (the `mcpServers` shape desktop MCP clients use). Both are optional:
 * with neither, Hey Ops runs against the embedded sandbox servers with the sandbox catalog, so a
 * new user needs no credentials. A file that exists but is broken refuses to start with the
 * file, line and field named — it never falls back to defaults (a typo must not mean "no limits").
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  ConfigFileSchema,
  DEFAULT_TIME_SCALE,
  McpServersFileSchema,
  SANDBOX_CATALOG,
  type HeyOpsConfig,
  type McpServers,
} from '../../common/config.ts';
import { HeyOpsError } from '../../common/errors.ts';
import { sandboxMcpServers } from '../../sandbox/sandbox-servers.ts';

export const CONFIG_FILE = 'hey-ops.yaml';
export const MCP_FILE = 'mcp.json';

/** The per-user app-data directory, as Electron's userData would be. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HEY_OPS_HOME) return env.HEY_OPS_HOME;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'hey-ops');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'hey-ops');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'hey-ops');
}

function formatIssues(file: string, issues: readonly z.core.$ZodIssue[], lineOf: (path: readonly PropertyKey[]) => number | null): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const line = lineOf(issue.path);
      return `${file}${line === null ? '' : `:${line}`}: ${path === '' ? '' : `${path}: `}${issue.message}`;
    })
    .join('\n');
}

/** Parses `hey-ops.yaml` text; errors name the line and the field. */
export function parseConfigYaml(text: string, file: string): z.infer<typeof ConfigFileSchema> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first?.linePos?.[0]?.line;
    throw new HeyOpsError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: not valid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}`);
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = ConfigFileSchema.safeParse(value);
  if (!parsed.success) {
    const lineOf = (path: readonly PropertyKey[]): number | null => {
      // The deepest node that exists on the issue's path gives the line.
      for (let depth = path.length; depth >= 0; depth -= 1) {
        const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
        if (depth > 0) {
          const pair = doc.getIn(path.slice(0, depth - 1) as unknown[], true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
          const key = pair?.items?.find((item) => item.key?.value === path[depth - 1])?.key;
          if (key?.range) return lineCounter.linePos(key.range[0]).line;
        }
      }
      return null;
    };
    throw new HeyOpsError('CONFIG_INVALID', `The configuration is invalid; Hey Ops will not start with it:\n${formatIssues(file, parsed.error.issues, lineOf)}`);
  }
  return parsed.data;
}

/** Parses `mcp.json` text in the `mcpServers` shape. */
export function parseMcpJson(text: string, file: string): McpServers {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HeyOpsError('CONFIG_INVALID', `${file}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = McpServersFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new HeyOpsError('CONFIG_INVALID', `The MCP server list is invalid:\n${formatIssues(file, parsed.error.issues, () => null)}`);
  }
  return parsed.data.mcpServers;
}

export function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIME_SCALE;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 10) {
    throw new HeyOpsError('CONFIG_INVALID', `HEY_OPS_TIME_SCALE must be a number above 0 and at most 10 (got "${raw}"); 0.001 makes a 5-minute step take 0.3 s.`);
  }
  return value;
}

export function loadConfig(options: { home?: string; env?: NodeJS.ProcessEnv; sandboxServerScripts?: { github: string; gcp: string } } = {}): HeyOpsConfig {
  const env = options.env ?? process.env;
  const home = options.home ?? defaultHome(env);
  const configPath = join(home, CONFIG_FILE);
  const mcpPath = join(home, MCP_FILE);

  const file = existsSync(configPath) ? parseConfigYaml(readFileSync(configPath, 'utf8'), configPath) : ConfigFileSchema.parse({});
  const sandbox = !existsSync(mcpPath);
  const timeScale = sandbox ? parseTimeScale(env.HEY_OPS_TIME_SCALE) : 1;
  const mcpServers = sandbox
    ? sandboxMcpServers({ stateDir: join(home, 'sandbox'), timeScale, ...(options.sandboxServerScripts ? { scripts: options.sandboxServerScripts } : {}) })
    : parseMcpJson(readFileSync(mcpPath, 'utf8'), mcpPath);

  const catalog = file.catalog ?? (sandbox ? SANDBOX_CATALOG : null);
  if (catalog === null) {
    throw new HeyOpsError('CONFIG_INVALID', `${configPath}: a "catalog" (services and environments) is required when ${MCP_FILE} points at real servers.`);
  }
  for (const [executor, { servers }] of Object.entries(file.executors)) {
    const unknown = servers.filter((name) => !(name in mcpServers));
    if (unknown.length > 0) {
      throw new HeyOpsError(
        'CONFIG_INVALID',
        `${configPath}: executors.${executor}.servers names ${unknown.join(', ')}, which ${sandbox ? 'the sandbox does not provide' : `${mcpPath} does not define`} (defined: ${Object.keys(mcpServers).join(', ')}).`,
      );
    }
  }
  return { home, policy: file.policy, catalog, executors: file.executors, mcpServers, llm: file.llm, pricing: file.pricing, sandbox, timeScale };
}
