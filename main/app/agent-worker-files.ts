/// <reference types="electron-vite/node" />
/**
 * The agents' worker files in the Electron build. `?modulePath` makes electron-vite bundle each
 * worker as its own entry (beside out/main) and gives its path at run time; the core hands
 * these to piscina. Under plain Node the core uses the `.ts` files directly instead.
 */
import type { AgentName } from '../../common/messages.ts';
import gcpExecutor from '../../workers/agents/gcp-executor/gcp-executor.worker.ts?modulePath';
import githubExecutor from '../../workers/agents/github-executor/github-executor.worker.ts?modulePath';
import intentParser from '../../workers/agents/intent-parser/intent-parser.worker.ts?modulePath';
import planner from '../../workers/agents/planner/planner.worker.ts?modulePath';
import reporter from '../../workers/agents/reporter/reporter.worker.ts?modulePath';
import router from '../../workers/agents/router/router.worker.ts?modulePath';
import safetyChecker from '../../workers/agents/safety-checker/safety-checker.worker.ts?modulePath';
import gcpSandboxServer from '../../sandbox/gcp-server.ts?modulePath';
import githubSandboxServer from '../../sandbox/github-server.ts?modulePath';

export const AGENT_WORKER_FILES: Readonly<Record<AgentName, string>> = {
  'intent-parser': intentParser,
  planner,
  'safety-checker': safetyChecker,
  router,
  'github-executor': githubExecutor,
  'gcp-executor': gcpExecutor,
  reporter,
};

/** The sandbox MCP servers, bundled as their own entries, which the app starts as child processes. */
export const SANDBOX_SERVER_SCRIPTS: Readonly<{ github: string; gcp: string }> = { github: githubSandboxServer, gcp: gcpSandboxServer };
