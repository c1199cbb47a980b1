import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { stableHex, writeSandboxFaults } from './sandbox-state.ts';
import { loadRecordedTools } from './server-kit.ts';
import { callJson, callText, connectSandbox, makeStateDir, removeStateDir, waitFor, type SandboxConnection } from './sandbox-testing.ts';

interface Run {
  id: number;
  name: string;
  event: string;
  status: string;
  conclusion?: string;
  head_branch: string;
  head_sha: string;
  workflow_id: number;
  path: string;
  created_at: string;
  updated_at: string;
  run_started_at: string;
  html_url: string;
}
interface RunList {
  total_count: number;
  workflow_runs: Run[];
}

const HEAD_OF_API_MAIN = stableHex('acme/api#commit#4');

let stateDir: string;
let github: SandboxConnection;

beforeAll(async () => {
  stateDir = makeStateDir();
  github = await connectSandbox('github', stateDir);
});

afterAll(async () => {
  await github.close();
  removeStateDir(stateDir);
});

/** Dispatches a workflow on main and finds its run the way an executor must (no run id comes back). */
async function dispatchAndFind(repo: string, workflow: string, inputs?: Record<string, string>): Promise<Run> {
  const before = await callJson<RunList>(github.client, 'actions_list', {
    method: 'list_workflow_runs',
    owner: 'acme',
    repo,
    resource_id: workflow,
    workflow_runs_filter: { event: 'workflow_dispatch', branch: 'main' },
  });
  const queued = await callJson<Record<string, unknown>>(github.client, 'actions_run_trigger', {
    method: 'run_workflow',
    owner: 'acme',
    repo,
    workflow_id: workflow,
    ref: 'main',
    ...(inputs === undefined ? {} : { inputs }),
  });
  expect(queued).toEqual({
    message: 'Workflow run has been queued',
    workflow_type: 'workflow_file',
    workflow_id: workflow,
    ref: 'main',
    inputs: inputs ?? null,
    status: '204 No Content',
    status_code: 204,
  });
  const known = new Set(before.workflow_runs.map((run) => run.id));
  return waitFor(async () => {
    const list = await callJson<RunList>(github.client, 'actions_list', {
      method: 'list_workflow_runs',
      owner: 'acme',
      repo,
      resource_id: workflow,
      workflow_runs_filter: { event: 'workflow_dispatch', branch: 'main' },
    });
    return list.workflow_runs.find((run) => !known.has(run.id));
  });
}

async function getRun(repo: string, id: number): Promise<Run> {
  return callJson<Run>(github.client, 'actions_get', { method: 'get_workflow_run', owner: 'acme', repo, resource_id: String(id) });
}

describe('sandbox GitHub server', () => {
  it('lists exactly the recorded github-mcp-server tools with their recorded input schemas and annotations', async () => {
    const { tools } = await github.client.listTools();
    const recorded = loadRecordedTools('github-mcp-server.json');
    expect(tools.map((tool) => tool.name)).toEqual(recorded.map((tool) => tool.name));
    for (const tool of recorded) {
      const listed = tools.find((candidate) => candidate.name === tool.name);
      expect(listed?.inputSchema).toEqual(tool.inputSchema);
      expect(listed?.annotations).toEqual(tool.annotations);
    }
  });

  it('seeds a completed, successful push-triggered CI run on the head commit of main', async () => {
    const list = await callJson<RunList>(github.client, 'actions_list', { method: 'list_workflow_runs', owner: 'acme', repo: 'api', resource_id: 'ci.yml' });
    const push = list.workflow_runs.find((run) => run.event === 'push');
    expect(push).toMatchObject({ name: 'CI', status: 'completed', conclusion: 'success', head_branch: 'main', head_sha: HEAD_OF_API_MAIN });
    const commits = await callJson<Array<{ sha: string; commit: { message: string } }>>(github.client, 'list_commits', { owner: 'acme', repo: 'api' });
    expect(commits[0]?.sha).toBe(HEAD_OF_API_MAIN);
    expect(commits).toHaveLength(4);
  });

  it('runs a dispatched workflow from queued through in_progress to a successful completion', async () => {
    const run = await dispatchAndFind('api', 'tests.yml');
    expect(run).toMatchObject({ name: 'Tests', event: 'workflow_dispatch', head_branch: 'main', head_sha: HEAD_OF_API_MAIN, path: '.github/workflows/tests.yml@main' });
    expect(['queued', 'in_progress']).toContain(run.status);
    expect(run).not.toHaveProperty('conclusion');
    expect(run.html_url).toBe(`https://github.com/acme/api/actions/runs/${run.id}`);
    const done = await waitFor(async () => {
      const current = await getRun('api', run.id);
      return current.status === 'completed' ? current : undefined;
    });
    expect(done.conclusion).toBe('success');
    const usage = await callJson<{ billable: { UBUNTU: { total_ms: number; jobs: number } }; run_duration_ms: number }>(github.client, 'actions_get', {
      method: 'get_workflow_run_usage',
      owner: 'acme',
      repo: 'api',
      resource_id: String(run.id),
    });
    expect(usage.billable.UBUNTU.jobs).toBe(2);
    // Usage is in simulated time: tests.yml takes five minutes whatever the time scale.
    expect(usage.run_duration_ms).toBeGreaterThan(250_000);
    expect(usage.run_duration_ms).toBeLessThan(400_000);
  });

  it('ends a run with the conclusion the fault knobs give its workflow, with the failing job in the logs', async () => {
    writeSandboxFaults(stateDir, { workflowConclusion: { 'acme/web:tests.yml': 'failure' } });
    try {
      const run = await dispatchAndFind('web', 'tests.yml');
      const done = await waitFor(async () => {
        const current = await getRun('web', run.id);
        return current.status === 'completed' ? current : undefined;
      });
      expect(done.conclusion).toBe('failure');
      const logs = await callJson<{ failed_jobs: number; logs: Array<{ job_name: string; logs_content: string }> }>(github.client, 'get_job_logs', {
        owner: 'acme',
        repo: 'web',
        run_id: run.id,
        failed_only: true,
        return_content: true,
        tail_lines: 20,
      });
      expect(logs.failed_jobs).toBe(1);
      expect(logs.logs[0]?.job_name).toBe('integration-tests');
      expect(logs.logs[0]?.logs_content).toContain('##[error]Process completed with exit code 1.');
      expect(logs.logs[0]?.logs_content.split('\n').length).toBeLessThanOrEqual(20);
    } finally {
      writeSandboxFaults(stateDir, {});
    }
  });

  it('cancels a run that has not completed, and refuses to cancel it again as GitHub does', async () => {
    const run = await dispatchAndFind('payments', 'tests.yml');
    const cancelled = await callJson<Record<string, unknown>>(github.client, 'actions_run_trigger', {
      method: 'cancel_workflow_run',
      owner: 'acme',
      repo: 'payments',
      run_id: run.id,
    });
    expect(cancelled).toEqual({ message: 'Workflow run has been cancelled', run_id: run.id, status: '202 Accepted', status_code: 202 });
    const after = await getRun('payments', run.id);
    expect(after).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    const again = await callText(github.client, 'actions_run_trigger', { method: 'cancel_workflow_run', owner: 'acme', repo: 'payments', run_id: run.id });
    expect(again.isError).toBe(true);
    expect(again.text).toBe(
      `failed to cancel workflow run: POST https://api.github.com/repos/acme/payments/actions/runs/${run.id}/cancel: 409 Cannot cancel a workflow run that is completed. []`,
    );
  });

  it('answers GitHub API failures as isError results with github-mcp-server text', async () => {
    const unknownRun = await callText(github.client, 'actions_get', { method: 'get_workflow_run', owner: 'acme', repo: 'api', resource_id: '42' });
    expect(unknownRun).toMatchObject({ isError: true, text: 'failed to get workflow run: GET https://api.github.com/repos/acme/api/actions/runs/42: 404 Not Found []' });
    const unknownRepo = await callText(github.client, 'actions_run_trigger', { method: 'run_workflow', owner: 'acme', repo: 'nope', workflow_id: 'tests.yml', ref: 'main' });
    expect(unknownRepo).toMatchObject({
      isError: true,
      text: 'failed to run workflow: POST https://api.github.com/repos/acme/nope/actions/workflows/tests.yml/dispatches: 404 Not Found []',
    });
    const unknownRef = await callText(github.client, 'actions_run_trigger', { method: 'run_workflow', owner: 'acme', repo: 'api', workflow_id: 'tests.yml', ref: 'nope' });
    expect(unknownRef.text).toContain('422 No ref found for: nope []');
    const missingInput = await callText(github.client, 'actions_run_trigger', { method: 'run_workflow', owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main' });
    expect(missingInput.text).toContain("422 Required input 'image' not provided []");
    const missingRunId = await callText(github.client, 'actions_run_trigger', { method: 'cancel_workflow_run', owner: 'acme', repo: 'api' });
    expect(missingRunId).toMatchObject({ isError: true, text: 'missing required parameter: run_id' });
  });

  it('refuses parameters that break the recorded input schema with a JSON-RPC InvalidParams error', async () => {
    const bad = github.client.callTool({ name: 'actions_list', arguments: { method: 'list_everything', owner: 'acme', repo: 'api' } });
    await expect(bad).rejects.toBeInstanceOf(McpError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await expect(github.client.callTool({ name: 'get_commit', arguments: { owner: 'acme', repo: 'api' } })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await expect(github.client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('serves releases, tags, branches and commits from the seeded history', async () => {
    const latest = await callJson<{ tag_name: string }>(github.client, 'get_latest_release', { owner: 'acme', repo: 'checkout' });
    expect(latest.tag_name).toBe('v1.1.0');
    const tags = await callJson<Array<{ name: string; sha: string }>>(github.client, 'list_tags', { owner: 'acme', repo: 'checkout' });
    expect(tags.map((tag) => tag.name)).toEqual(['v1.1.0', 'v1.0.0']);
    const commit = await callJson<{ sha: string; stats: { total: number }; files: unknown[] }>(github.client, 'get_commit', { owner: 'acme', repo: 'checkout', sha: 'v1.1.0' });
    expect(commit.sha).toBe(tags[0]?.sha);
    expect(commit.files.length).toBeGreaterThan(0);
    const branches = await callJson<Array<{ name: string; protected: boolean }>>(github.client, 'list_branches', { owner: 'acme', repo: 'checkout' });
    expect(branches).toEqual([{ name: 'main', sha: stableHex('acme/checkout#commit#4'), protected: true }]);
    const me = await callJson<{ login: string }>(github.client, 'get_me', {});
    expect(me.login).toBe('heyops-sandbox');
  });

  it('shows one process the runs another process dispatched into the same state directory', async () => {
    const other = await connectSandbox('github', stateDir);
    try {
      const run = await dispatchAndFind('worker', 'ci.yml');
      const seen = await callJson<Run>(other.client, 'actions_get', { method: 'get_workflow_run', owner: 'acme', repo: 'worker', resource_id: String(run.id) });
      expect(seen.id).toBe(run.id);
      expect(seen.head_sha).toBe(stableHex('acme/worker#commit#4'));
    } finally {
      await other.close();
    }
  });
});
