/**
 * What each MCP tool call Hey Ops makes is allowed to do. The tool broker checks every call
 * against this before any server sees it: a call that is not listed is refused, and a job that
 * may only read (pre-planning lookups, status, logs) can never send a change — however the
 * executor's code is written. `run_gcloud_command` is judged by its command path, the way
 * gcloud-mcp's own allowlist file (`-c allowlist.json`) does.
 */
export type Access = 'read' | 'change';

/** gcloud command paths Hey Ops uses, and whether each changes anything. Nothing else runs. */
export const GCLOUD_COMMANDS: ReadonlyArray<{ readonly path: readonly string[]; readonly access: Access }> = [
  { path: ['run', 'services', 'describe'], access: 'read' },
  { path: ['run', 'revisions', 'list'], access: 'read' },
  { path: ['logging', 'read'], access: 'read' },
  { path: ['run', 'deploy'], access: 'change' },
  { path: ['run', 'services', 'update-traffic'], access: 'change' },
];

const TOOL_ACCESS: Readonly<Record<string, Access>> = {
  list_commits: 'read',
  get_commit: 'read',
  actions_list: 'read',
  actions_get: 'read',
  get_job_logs: 'read',
  actions_run_trigger: 'change',
  get_service: 'read',
  list_services: 'read',
  deploy_container_image: 'change',
};

/** The access a call needs, or null when Hey Ops never makes such a call. */
export function accessOf(tool: string, args: Record<string, unknown>): Access | null {
  if (tool !== 'run_gcloud_command') return TOOL_ACCESS[tool] ?? null;
  const argv = Array.isArray(args.args) && args.args.every((arg) => typeof arg === 'string') ? (args.args as string[]) : null;
  if (argv === null) return null;
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const match = GCLOUD_COMMANDS.find((command) => command.path.every((word, i) => words[i] === word));
  return match?.access ?? null;
}
