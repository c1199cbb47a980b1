/**
 * How the rest of Hey Ops starts the sandbox: the two servers in the `mcpServers` shape desktop
 * MCP clients use, ready to hand to the executors' MCP client layer like any user's config.
 */
import { fileURLToPath } from 'node:url';
import { SANDBOX_DIR_ENV, TIME_SCALE_ENV } from './sandbox-state.ts';

/** One stdio server entry of an `mcpServers` object. */
export interface SandboxServerCommand {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

export interface SandboxServersOptions {
  /** The shared state directory (created and seeded on first use). */
  readonly stateDir: string;
  /** Factor on simulated durations (DEFAULT_TIME_SCALE in the app, 0.001 in tests). */
  readonly timeScale: number;
  /** Where the server scripts are: the `.ts` files under Node, bundled files in the Electron build. */
  readonly scripts?: { readonly github: string; readonly gcp: string };
}

/** Absolute paths of the two server scripts. */
export const SANDBOX_SERVER_SCRIPTS = {
  github: fileURLToPath(new URL('./github-server.ts', import.meta.url)),
  gcp: fileURLToPath(new URL('./gcp-server.ts', import.meta.url)),
} as const;

/**
 * `{ github, gcp }` as `mcpServers` entries: the Node running us (Node 22 runs the TypeScript
 * directly) started on each server script, with the state directory and time scale in env.
 * Inside Electron, `process.execPath` is the Electron binary, which runs as plain Node only
 * with ELECTRON_RUN_AS_NODE set.
 */
export function sandboxMcpServers(options: SandboxServersOptions): Record<'github' | 'gcp', SandboxServerCommand> {
  const env: Record<string, string> = { [SANDBOX_DIR_ENV]: options.stateDir, [TIME_SCALE_ENV]: String(options.timeScale) };
  if (process.versions['electron'] !== undefined) env['ELECTRON_RUN_AS_NODE'] = '1';
  return {
    github: { command: process.execPath, args: [options.scripts?.github ?? SANDBOX_SERVER_SCRIPTS.github], env: { ...env } },
    gcp: { command: process.execPath, args: [options.scripts?.gcp ?? SANDBOX_SERVER_SCRIPTS.gcp], env: { ...env } },
  };
}
