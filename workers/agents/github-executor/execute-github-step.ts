/**
 * The GitHub Executor: carries out the plan steps that live on GitHub — validate the commit's
 * CI state, run the test workflow, run the build workflow, read recent runs — through
 * github-mcp-server's tools (MCP-CONTRACTS.md), and resolves refs to commits before planning.
 *
 * It is pure step logic: tools, abort signal and clock are injected. Tool names and arguments
 * come only from the plan step's typed params.
 */
import { HeyOpsError } from '../../../common/errors.ts';
import { shortSha } from '../../../common/format.ts';
import type { ExecutionTask, StepAction, StepResult } from '../../../common/messages.ts';
import { runStep, throwIfAborted, type StepContext } from '../executor-runtime/step-context.ts';
import { parseJsonResult } from '../executor-runtime/tool-results.ts';
import { BAD_CONCLUSIONS, CommitListSchema, CommitSchema, RunUsageSchema, WorkflowRunListSchema, WorkflowRunSchema, type WorkflowRun } from './github-shapes.ts';

/** The tools this executor may call; the main process refuses any other. */
export const GITHUB_TOOL_ALLOWLIST = ['list_commits', 'get_commit', 'actions_list', 'actions_get', 'actions_run_trigger', 'get_job_logs'] as const;

type Params<A extends StepAction['action']> = Extract<StepAction, { action: A }>;

export async function executeGithubStep(task: ExecutionTask, ctx: StepContext): Promise<StepResult> {
  const params = task.step.params;
  return runStep(task, ctx, async () => {
    switch (params.action) {
      case 'validate_code':
        return validateCode(params, task, ctx);
      case 'run_tests':
        // A dispatch can only name a branch; the run must have found it at the planned commit.
        return runWorkflowToCompletion(params.owner, params.repo, params.workflow, params.ref, {}, { requireHeadSha: params.sha }, task, ctx);
      case 'build_artifact': {
        // The build checks out the planned sha given as an input, wherever the branch has moved.
        const output = await runWorkflowToCompletion(params.owner, params.repo, params.workflow, params.ref, { image: params.imageUrl, sha: params.sha }, { requireHeadSha: null }, task, ctx);
        return { ...output, imageUrl: params.imageUrl };
      }
      case 'workflow_status':
        return workflowStatus(params, ctx);
      default:
        throw new HeyOpsError('TOOL_NOT_ALLOWED', `the GitHub executor does not carry out ${params.action} steps`);
    }
  });
}

async function listRuns(
  ctx: StepContext,
  owner: string,
  repo: string,
  options: { workflow?: string; branch?: string; event?: string; perPage: number },
): Promise<WorkflowRun[]> {
  const filter: Record<string, string> = {};
  if (options.branch) filter.branch = options.branch;
  if (options.event) filter.event = options.event;
  const args: Record<string, unknown> = { method: 'list_workflow_runs', owner, repo, per_page: options.perPage };
  if (options.workflow) args.resource_id = options.workflow;
  if (Object.keys(filter).length > 0) args.workflow_runs_filter = filter;
  const list = parseJsonResult('actions_list', await ctx.tools.callTool('actions_list', args), WorkflowRunListSchema);
  // Newest first, whatever order the server used.
  return [...list.workflow_runs].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
}

async function getRun(ctx: StepContext, owner: string, repo: string, runId: number): Promise<WorkflowRun> {
  const output = await ctx.tools.callTool('actions_get', { method: 'get_workflow_run', owner, repo, resource_id: String(runId) });
  return parseJsonResult('actions_get', output, WorkflowRunSchema);
}

/** CI state of the commit: every run for it must be completed and none may have failed. */
async function validateCode(params: Params<'validate_code'>, task: ExecutionTask, ctx: StepContext): Promise<Record<string, unknown>> {
  const commit = parseJsonResult('get_commit', await ctx.tools.callTool('get_commit', { owner: params.owner, repo: params.repo, sha: params.sha }), CommitSchema);
  const deadline = ctx.now().getTime() + task.timeoutMs;
  for (;;) {
    const runs = (await listRuns(ctx, params.owner, params.repo, { branch: params.ref, perPage: 50 })).filter((run) => run.head_sha === commit.sha && run.event !== 'workflow_dispatch');
    const bad = runs.find((run) => run.status === 'completed' && BAD_CONCLUSIONS.includes(run.conclusion ?? ''));
    if (bad) {
      throw new HeyOpsError('STEP_FAILED', `CI failed on ${shortSha(commit.sha)}: ${bad.name ?? bad.path ?? 'workflow'} run ${bad.id} concluded ${bad.conclusion}`, {
        output: { sha: commit.sha, runId: bad.id },
      });
    }
    const unfinished = runs.filter((run) => run.status !== 'completed');
    if (unfinished.length === 0) {
      return {
        sha: commit.sha,
        checkedRuns: runs.map((run) => ({ id: run.id, name: run.name ?? run.path ?? null, conclusion: run.conclusion ?? null })),
        warning: runs.length === 0 ? `no CI runs found for ${shortSha(commit.sha)}` : null,
      };
    }
    if (ctx.now().getTime() > deadline) throw new HeyOpsError('STEP_TIMEOUT', `CI on ${shortSha(commit.sha)} did not finish in time`);
    await ctx.sleep(task.pollIntervalMs);
  }
}

/**
 * Dispatches a workflow and follows its run to the end. `run_workflow` answers with no run id,
 * so the run is found by listing workflow_dispatch runs on the ref and taking the newest one
 * that did not exist before the dispatch.
 */
async function runWorkflowToCompletion(
  owner: string,
  repo: string,
  workflow: string,
  ref: string,
  inputs: Record<string, string>,
  binding: { requireHeadSha: string | null },
  task: ExecutionTask,
  ctx: StepContext,
): Promise<Record<string, unknown>> {
  const before = new Set((await listRuns(ctx, owner, repo, { workflow, branch: ref, event: 'workflow_dispatch', perPage: 20 })).map((run) => run.id));
  throwIfAborted(ctx.signal);
  const dispatch = await ctx.tools.callTool('actions_run_trigger', { method: 'run_workflow', owner, repo, workflow_id: workflow, ref, inputs });
  if (dispatch.isError) throw new HeyOpsError('STEP_FAILED', `could not start ${workflow} on ${ref}: ${dispatch.text.trim().split('\n')[0]}`);

  const deadline = ctx.now().getTime() + task.timeoutMs;
  let run: WorkflowRun | undefined;
  while (run === undefined) {
    await ctx.sleep(task.pollIntervalMs);
    run = (await listRuns(ctx, owner, repo, { workflow, branch: ref, event: 'workflow_dispatch', perPage: 20 })).find((candidate) => !before.has(candidate.id));
    if (run === undefined && ctx.now().getTime() > deadline) throw new HeyOpsError('STEP_TIMEOUT', `the ${workflow} run on ${ref} never appeared after dispatch`);
  }
  ctx.log('workflow run found', { workflow, runId: run.id });
  if (binding.requireHeadSha !== null && !run.head_sha.startsWith(binding.requireHeadSha)) {
    // The branch moved after planning: these results would be for code nobody approved.
    await ctx.tools.callTool('actions_run_trigger', { method: 'cancel_workflow_run', owner, repo, run_id: run.id });
    throw new HeyOpsError(
      'STEP_FAILED',
      `${ref} moved since the plan was made: the plan names ${shortSha(binding.requireHeadSha)}, the ${workflow} run got ${shortSha(run.head_sha)}. Run the command again to plan the new commit.`,
      { output: { runId: run.id, plannedSha: binding.requireHeadSha, runSha: run.head_sha } },
    );
  }

  while (run.status !== 'completed') {
    if (ctx.now().getTime() > deadline) throw new HeyOpsError('STEP_TIMEOUT', `${workflow} run ${run.id} did not finish in time`, { output: { runId: run.id } });
    await ctx.sleep(task.pollIntervalMs);
    run = await getRun(ctx, owner, repo, run.id);
  }

  const usage = parseJsonResult(
    'actions_get',
    await ctx.tools.callTool('actions_get', { method: 'get_workflow_run_usage', owner, repo, resource_id: String(run.id) }),
    RunUsageSchema,
  );
  const billableMs = Object.values(usage.billable ?? {}).reduce((sum, entry) => sum + (entry.total_ms ?? 0), 0);
  const output = { runId: run.id, workflow, sha: run.head_sha, conclusion: run.conclusion ?? null, url: run.html_url ?? null, billableMs };
  if (run.conclusion !== 'success') {
    const logs = await ctx.tools.callTool('get_job_logs', { owner, repo, run_id: run.id, failed_only: true, return_content: true, tail_lines: 20 });
    const tail = logs.isError ? '' : lastMeaningfulLine(logs.text);
    throw new HeyOpsError('STEP_FAILED', `${workflow} run ${run.id} concluded ${run.conclusion ?? 'without a conclusion'}${tail ? `: ${tail}` : ''}`, { output });
  }
  return output;
}

function lastMeaningfulLine(text: string): string {
  let content = text;
  try {
    // github-mcp-server wraps log content in JSON; take the text out when it does.
    content = JSON.stringify(JSON.parse(text));
  } catch {
    // plain text
  }
  const lines = content
    .split(/\\n|\n/)
    .map((line) => line.trim())
    .filter((line) => /error|fail|assert/i.test(line));
  const line = lines.at(-1) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

async function workflowStatus(params: Params<'workflow_status'>, ctx: StepContext): Promise<Record<string, unknown>> {
  const runs = await listRuns(ctx, params.owner, params.repo, { perPage: params.limit });
  return {
    repo: `${params.owner}/${params.repo}`,
    runs: runs.slice(0, params.limit).map((run) => ({
      id: run.id,
      workflow: run.name ?? run.path ?? null,
      branch: run.head_branch ?? null,
      sha: shortSha(run.head_sha),
      event: run.event,
      status: run.status ?? null,
      conclusion: run.conclusion ?? null,
      createdAt: run.created_at,
      url: run.html_url ?? null,
    })),
  };
}

/** Read-only lookup before planning: which commit does the ref point at now? */
export async function resolveCommit(ctx: StepContext, owner: string, repo: string, ref: string): Promise<{ sha: string; message: string | null }> {
  const output = await ctx.tools.callTool('list_commits', { owner, repo, sha: ref, perPage: 1 });
  if (output.isError) {
    const line = output.text.trim().split('\n')[0] ?? '';
    // Only a missing ref is "not found"; a 401 or a rate limit must not read as a typo.
    const missing = /\b(404|422)\b|not found|no commit found/i.test(line) && !/\b(401|403)\b/.test(line);
    throw new HeyOpsError(missing ? 'NOT_FOUND' : 'MCP_TOOL_FAILED', `could not find ${ref} in ${owner}/${repo}: ${line}`);
  }
  const commits = parseJsonResult('list_commits', output, CommitListSchema);
  const head = commits[0];
  if (!head) throw new HeyOpsError('NOT_FOUND', `${owner}/${repo} has no commits on ${ref}`);
  return { sha: head.sha, message: head.commit?.message.split('\n')[0] ?? null };
}
