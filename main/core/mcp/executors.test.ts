/**
 * The executors' step logic against the real sandbox servers, through the real MCP client layer
 * and tool broker (allowlists, tool → server lookup, records). The worker-thread hop is covered
 * by the end-to-end tests; here the step functions run in-process so each flow is easy to read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeyOpsError } from '../../../common/errors.ts';
import { SANDBOX_CATALOG } from '../../../common/config.ts';
import type { ExecutionTask, PlanStep, ToolCallRecord } from '../../../common/messages.ts';
import type { ToolCaller } from '../../../common/tool-port.ts';
import { sandboxMcpServers } from '../../../sandbox/sandbox-servers.ts';
import { writeSandboxFaults } from '../../../sandbox/sandbox-state.ts';
import { makeStateDir, removeStateDir } from '../../../sandbox/sandbox-testing.ts';
import { createStepContext, type StepContext } from '../../../workers/agents/executor-runtime/step-context.ts';
import { GCP_TOOL_ALLOWLIST, executeGcpStep, resolveRevisions } from '../../../workers/agents/gcp-executor/execute-gcp-step.ts';
import { GITHUB_TOOL_ALLOWLIST, executeGithubStep, resolveCommit } from '../../../workers/agents/github-executor/execute-github-step.ts';
import { createLogger } from '../logger.ts';
import { McpConnections } from './mcp-connections.ts';
import type { Access } from './tool-access.ts';
import { ToolBroker, type McpExecutor } from './tool-broker.ts';

const TIME_SCALE = 0.001;
const logger = createLogger({ level: 'silent' });
let stateDir: string;
let connections: McpConnections;
let broker: ToolBroker;

beforeAll(() => {
  stateDir = makeStateDir();
  connections = new McpConnections(sandboxMcpServers({ stateDir, timeScale: TIME_SCALE }), logger);
  broker = new ToolBroker(
    connections,
    {
      github: { servers: ['github'], allowlist: GITHUB_TOOL_ALLOWLIST, required: { actions_list: 'enable the actions toolset' } },
      gcp: { servers: ['gcp'], allowlist: GCP_TOOL_ALLOWLIST, required: { run_gcloud_command: 'add gcloud-mcp' } },
    },
    logger,
  );
});

afterAll(async () => {
  await connections.close();
  removeStateDir(stateDir);
});

/** A StepContext whose tools go straight to the broker, as the tool port does. */
function context(executor: McpExecutor, signal: AbortSignal = new AbortController().signal, access: Access = 'change'): StepContext {
  const records: ToolCallRecord[] = [];
  const tools: ToolCaller = {
    records,
    async callTool(tool, args, options) {
      const { output, error, record } = await broker.call(executor, tool, args, { signal, timeoutMs: options?.timeoutMs ?? 60_000, logger, access });
      if (record) records.push(record);
      if (error) throw error;
      if (!output) throw new HeyOpsError('INTERNAL', 'no output');
      return output;
    },
  };
  return createStepContext(tools, signal);
}

function task(params: PlanStep['params'], executor: 'github' | 'gcp'): ExecutionTask {
  return {
    operationId: 'op-1',
    correlationId: 'corr-1',
    executor,
    step: { id: 'step-1', index: 1, title: params.action, detail: '', mutating: true, requiresApproval: false, estimatedDurationMs: 0, estimatedCostUsd: 0, params },
    timeoutMs: 30_000,
    pollIntervalMs: 20,
    timeScale: TIME_SCALE,
    previousOutputs: {},
  };
}

const prod = SANDBOX_CATALOG.environments.production;
const staging = SANDBOX_CATALOG.environments.staging;

async function buildImage(service: string, project: string): Promise<string> {
  const commit = await resolveCommit(context('github'), 'acme', service, 'main');
  const imageUrl = `us-docker.pkg.dev/${project}/${service}/${service}:${commit.sha.slice(0, 7)}`;
  const build = await executeGithubStep(task({ action: 'build_artifact', owner: 'acme', repo: service, workflow: 'build.yml', ref: 'main', sha: commit.sha, imageUrl }, 'github'), context('github'));
  expect(build.status, build.error?.message).toBe('succeeded');
  return imageUrl;
}

describe('GitHub executor on the sandbox', () => {
  it('validates the commit, runs the test workflow to completion and reports CI minutes', async () => {
    const commit = await resolveCommit(context('github'), 'acme', 'api', 'main');
    expect(commit.sha).toMatch(/^[0-9a-f]{40}$/);
    const validate = await executeGithubStep(task({ action: 'validate_code', owner: 'acme', repo: 'api', sha: commit.sha, ref: 'main' }, 'github'), context('github'));
    expect(validate.status, validate.error?.message).toBe('succeeded');
    expect(validate.toolCalls.map((call) => call.tool)).toEqual(['get_commit', 'actions_list']);
    const tests = await executeGithubStep(task({ action: 'run_tests', owner: 'acme', repo: 'api', workflow: 'tests.yml', ref: 'main', sha: commit.sha }, 'github'), context('github'));
    expect(tests.status, tests.error?.message).toBe('succeeded');
    expect(tests.output).toMatchObject({ workflow: 'tests.yml', conclusion: 'success', sha: commit.sha });
    expect(Number(tests.output.billableMs)).toBeGreaterThan(0);
    expect(tests.toolCalls.filter((call) => call.tool === 'actions_run_trigger')).toHaveLength(1);
  });

  it('fails the test step with the workflow conclusion and a line from the failed job', async () => {
    writeSandboxFaults(stateDir, { workflowConclusion: { 'acme/web:tests.yml': 'failure' } });
    try {
      const { sha } = await resolveCommit(context('github'), 'acme', 'web', 'main');
      const tests = await executeGithubStep(task({ action: 'run_tests', owner: 'acme', repo: 'web', workflow: 'tests.yml', ref: 'main', sha }, 'github'), context('github'));
      expect(tests.status).toBe('failed');
      expect(tests.error?.message).toMatch(/^tests\.yml run \d+ concluded failure/);
      expect(tests.toolCalls.map((call) => call.tool)).toContain('get_job_logs');
    } finally {
      writeSandboxFaults(stateDir, {});
    }
  });

  it('refuses to test a commit other than the planned one, and cancels that run', async () => {
    // The plan names an older commit of main, as if main had moved after approval.
    const older = await context('github').tools.callTool('list_commits', { owner: 'acme', repo: 'checkout', sha: 'main', perPage: 2 });
    const planned = (JSON.parse(older.text) as Array<{ sha: string }>)[1]?.sha ?? '';
    const tests = await executeGithubStep(task({ action: 'run_tests', owner: 'acme', repo: 'checkout', workflow: 'tests.yml', ref: 'main', sha: planned }, 'github'), context('github'));
    expect(tests.status).toBe('failed');
    expect(tests.error?.message).toMatch(new RegExp(`^main moved since the plan was made: the plan names ${planned.slice(0, 7)}, the tests\\.yml run got [0-9a-f]{7}`));
    expect(tests.toolCalls.some((call) => call.tool === 'actions_run_trigger' && call.args.method === 'cancel_workflow_run')).toBe(true);
  });

  it('refuses a ref that does not exist as a step failure, not a crash', async () => {
    await expect(resolveCommit(context('github'), 'acme', 'api', 'no-such-branch')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/could not find no-such-branch in acme\/api/),
    });
  });
});

describe('GCP executor on the sandbox', () => {
  it('deploys directly to staging and verifies the new revision serves all traffic', async () => {
    const imageUrl = await buildImage('checkout', staging.project);
    const deploy = await executeGcpStep(
      task({ action: 'deploy', project: staging.project, region: staging.region, service: 'checkout', imageUrl, strategy: 'direct', canaryPercent: 10, canaryWindowMs: 0, maxCanaryErrors: 0 }, 'gcp'),
      context('gcp'),
    );
    expect(deploy.status, deploy.error?.message).toBe('succeeded');
    expect(deploy.output.traffic).toEqual({ [String(deploy.output.revision)]: 100 });
    expect(deploy.toolCalls[0]?.tool).toBe('deploy_container_image');
  });

  it('refuses an image that was never built, with the server text, though isError is never set', async () => {
    const deploy = await executeGcpStep(
      task({ action: 'deploy', project: staging.project, region: staging.region, service: 'worker', imageUrl: 'us-docker.pkg.dev/acme-staging/worker/worker:0000000', strategy: 'direct', canaryPercent: 10, canaryWindowMs: 0, maxCanaryErrors: 0 }, 'gcp'),
      context('gcp'),
    );
    expect(deploy.status).toBe('failed');
    expect(deploy.error?.message).toMatch(/did not produce a ready revision/);
  });

  it('promotes a healthy production canary after the watch window', async () => {
    const imageUrl = await buildImage('web', prod.project);
    const before = await resolveRevisions(context('gcp'), { ...prod, service: 'web' });
    const deploy = await executeGcpStep(
      task({ action: 'deploy', project: prod.project, region: prod.region, service: 'web', imageUrl, strategy: 'canary', canaryPercent: 10, canaryWindowMs: 300_000, maxCanaryErrors: 5 }, 'gcp'),
      context('gcp'),
    );
    expect(deploy.status, deploy.error?.message).toBe('succeeded');
    expect(deploy.output).toMatchObject({ rolledBack: false, previousRevision: before.servingRevision });
    const args = deploy.toolCalls.filter((call) => call.tool === 'run_gcloud_command').map((call) => (call.args.args as string[]).slice(0, 4).join(' '));
    expect(args).toContain(`run deploy web --image=${imageUrl}`);
    expect(deploy.toolCalls.some((call) => (call.args.args as string[]).some((arg) => arg.startsWith('--to-revisions=') && arg.includes('=10,')))).toBe(true);
    const after = await resolveRevisions(context('gcp'), { ...prod, service: 'web' });
    expect(after.servingRevision).toBe(deploy.output.canaryRevision);
  });

  it('rolls a canary back automatically when its error rate rises, and says why', async () => {
    const imageUrl = await buildImage('payments', prod.project);
    const before = await resolveRevisions(context('gcp'), { ...prod, service: 'payments' });
    writeSandboxFaults(stateDir, { revisionErrorRate: { 'acme-prod/payments/next': 0.9 } });
    try {
      const deploy = await executeGcpStep(
        task({ action: 'deploy', project: prod.project, region: prod.region, service: 'payments', imageUrl, strategy: 'canary', canaryPercent: 10, canaryWindowMs: 300_000, maxCanaryErrors: 5 }, 'gcp'),
        context('gcp'),
      );
      expect(deploy.status).toBe('failed');
      expect(deploy.error?.message).toMatch(/^canary payments-\S+ logged \d+ errors in 5m \(limit 5\); rolled back to /);
      expect(deploy.output).toMatchObject({ rolledBack: true, revision: before.servingRevision });
    } finally {
      writeSandboxFaults(stateDir, {});
    }
    const after = await resolveRevisions(context('gcp'), { ...prod, service: 'payments' });
    expect(after.servingRevision).toBe(before.servingRevision);
  });

  it('puts all traffic back when a canary fails after the shift for another reason (real gcloud-mcp cannot read logs)', async () => {
    const imageUrl = await buildImage('checkout', prod.project);
    const before = await resolveRevisions(context('gcp'), { ...prod, service: 'checkout' });
    writeSandboxFaults(stateDir, { gcloudSplitsArgsWithSpaces: true });
    try {
      const deploy = await executeGcpStep(
        task({ action: 'deploy', project: prod.project, region: prod.region, service: 'checkout', imageUrl, strategy: 'canary', canaryPercent: 10, canaryWindowMs: 60_000, maxCanaryErrors: 5 }, 'gcp'),
        context('gcp'),
      );
      expect(deploy.status).toBe('failed');
      expect(deploy.error?.message).toMatch(new RegExp(`^canary failed \\(.*\\); all traffic is back on ${String(before.servingRevision)}$`));
      // A status read still answers, without the error count it could not get.
      const status = await executeGcpStep(task({ action: 'service_status', ...prod, service: 'checkout' }, 'gcp'), context('gcp'));
      expect(status.status, status.error?.message).toBe('succeeded');
      expect(status.output).toMatchObject({ recentErrors: null, servingRevision: before.servingRevision, traffic: { [String(before.servingRevision)]: 100 } });
    } finally {
      writeSandboxFaults(stateDir, {});
    }
  });

  it('rolls back to the previous revision and verifies it serves 100%', async () => {
    const where = { ...staging, service: 'api' };
    const before = await resolveRevisions(context('gcp'), where);
    expect(before.previousRevision).not.toBeNull();
    const rollback = await executeGcpStep(task({ action: 'rollback', ...where, toRevision: before.previousRevision }, 'gcp'), context('gcp'));
    expect(rollback.status, rollback.error?.message).toBe('succeeded');
    expect(rollback.output).toMatchObject({ revision: before.previousRevision, previousRevision: before.servingRevision, traffic: { [String(before.previousRevision)]: 100 } });
  });

  it('reads status and error logs of a service', async () => {
    const dev = SANDBOX_CATALOG.environments.dev;
    const status = await executeGcpStep(task({ action: 'service_status', ...dev, service: 'worker' }, 'gcp'), context('gcp'));
    expect(status.status, status.error?.message).toBe('succeeded');
    expect(status.output).toMatchObject({ service: 'worker', ready: true });
    expect(String(status.output.url)).toMatch(/^https:\/\/worker-/);
    const logs = await executeGcpStep(task({ action: 'read_logs', ...dev, service: 'worker', freshness: '1h', limit: 20, minSeverity: 'ERROR' }, 'gcp'), context('gcp'));
    expect(logs.status, logs.error?.message).toBe('succeeded');
    expect(Number(logs.output.count)).toBeLessThanOrEqual(20);
  });

  it('cancels an in-flight deploy call when the operation is aborted, leaving no new revision', async () => {
    writeSandboxFaults(stateDir, { latencyMs: { deploy_container_image: 5_000 } });
    const controller = new AbortController();
    const before = await resolveRevisions(context('gcp'), { ...staging, service: 'web' });
    try {
      setTimeout(() => controller.abort(new HeyOpsError('KILL_SWITCH_ENGAGED', 'stopped by test')), 300);
      const started = Date.now();
      const deploy = await executeGcpStep(
        task({ action: 'deploy', project: staging.project, region: staging.region, service: 'web', imageUrl: 'us-docker.pkg.dev/acme-staging/web/web:1234567', strategy: 'direct', canaryPercent: 10, canaryWindowMs: 0, maxCanaryErrors: 0 }, 'gcp'),
        context('gcp', controller.signal),
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(deploy.status).toBe('cancelled');
      expect(deploy.toolCalls[0]).toMatchObject({ tool: 'deploy_container_image', outcome: 'cancelled' });
    } finally {
      writeSandboxFaults(stateDir, {});
    }
    const after = await resolveRevisions(context('gcp'), { ...staging, service: 'web' });
    expect(after.servingRevision).toBe(before.servingRevision);
  });
});

describe('tool broker', () => {
  it('refuses a tool outside the executor allowlist before any server sees it', async () => {
    const result = await broker.call('github', 'merge_pull_request', { owner: 'acme', repo: 'api', pullNumber: 1 }, { signal: new AbortController().signal, timeoutMs: 1000, logger, access: 'change' });
    expect(result.error).toMatchObject({ code: 'TOOL_NOT_ALLOWED' });
    expect(result.record).toBeNull();
  });

  it('lets a read-only job read but never change, and runs only the gcloud commands Hey Ops uses', async () => {
    const options = { signal: new AbortController().signal, timeoutMs: 5000, logger };
    const describe = ['run', 'services', 'describe', 'api', `--region=${staging.region}`, `--project=${staging.project}`, '--format=json'];
    expect((await broker.call('gcp', 'run_gcloud_command', { args: describe }, { ...options, access: 'read' })).error).toBeNull();
    const shift = ['run', 'services', 'update-traffic', 'api', '--to-latest', `--region=${staging.region}`, `--project=${staging.project}`];
    expect((await broker.call('gcp', 'run_gcloud_command', { args: shift }, { ...options, access: 'read' })).error?.message).toMatch(/would change something, and this job may only read/);
    expect((await broker.call('gcp', 'deploy_container_image', { project: 'p', region: 'r', service: 's', imageUrl: 'i' }, { ...options, access: 'read' })).error?.code).toBe('TOOL_NOT_ALLOWED');
    expect((await broker.call('gcp', 'run_gcloud_command', { args: ['run', 'services', 'delete', 'api', '--quiet'] }, { ...options, access: 'change' })).error?.message).toMatch(/not a call Hey Ops makes/);
    expect((await broker.call('gcp', 'run_gcloud_command', { args: ['projects', 'delete', 'acme-prod'] }, { ...options, access: 'change' })).error?.code).toBe('TOOL_NOT_ALLOWED');
  });

  it('refuses every change while the kill switch is engaged, and still lets reads through', async () => {
    const killed = new ToolBroker(connections, { github: { servers: ['github'], allowlist: GITHUB_TOOL_ALLOWLIST, required: {} }, gcp: { servers: ['gcp'], allowlist: GCP_TOOL_ALLOWLIST, required: {} } }, logger, () => true);
    const options = { signal: new AbortController().signal, timeoutMs: 5000, logger, access: 'change' as const };
    expect((await killed.call('github', 'actions_run_trigger', { method: 'run_workflow', owner: 'acme', repo: 'api', workflow_id: 'tests.yml', ref: 'main' }, options)).error?.message).toMatch(/kill switch is engaged/);
    expect((await killed.call('github', 'list_commits', { owner: 'acme', repo: 'api', sha: 'main', perPage: 1 }, options)).error).toBeNull();
  });

  it('says what to change when a server lacks a required tool', async () => {
    const lacking = new ToolBroker(
      connections,
      { github: { servers: ['gcp'], allowlist: ['actions_list'], required: { actions_list: 'Set GITHUB_TOOLSETS=default,actions.' } }, gcp: { servers: ['gcp'], allowlist: [], required: {} } },
      logger,
    );
    const result = await lacking.call('github', 'actions_list', {}, { signal: new AbortController().signal, timeoutMs: 1000, logger, access: 'read' });
    expect(result.error?.message).toBe("The github executor's servers (gcp) do not offer actions_list. Set GITHUB_TOOLSETS=default,actions.");
  });

  it('names a server that cannot be started', async () => {
    const broken = new McpConnections({ ghost: { command: '/nonexistent/mcp-server', args: [], env: {} } }, logger);
    await expect(broken.tools('ghost')).rejects.toThrow(/Could not connect to the MCP server "ghost"/);
    await broken.close();
  });
});
