/**
 * The sandbox GitHub MCP server: github-mcp-server's tool names, input schemas and result
 * shapes (github/github-mcp-server, pkg/github/actions.go, repositories.go, minimal_types.go),
 * backed by the shared sandbox state instead of api.github.com.
 *
 * Results are JSON text in `content[0].text`, shaped as the official server shapes them (its
 * "minimal" types: omitted empty fields, RFC 3339 times). API failures come back as
 * `isError: true` results whose text is the official one: "<what failed>: <METHOD> <url>:
 * <status> <GitHub's message> []". Bad parameters are JSON-RPC InvalidParams errors.
 *
 * Run it as `node sandbox/github-server.ts` with HEY_OPS_SANDBOX_DIR (and optionally
 * HEY_OPS_TIME_SCALE) set; `sandboxMcpServers()` builds that command line.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  GitHubApiError,
  SANDBOX_AUTHORS,
  SANDBOX_USER,
  type CommitRecord,
  type JobView,
  type ReleaseRecord,
  type RunView,
  type SandboxState,
  type WorkflowRecord,
} from './sandbox-state.ts';
import {
  createRecordedToolServer,
  isEntryPoint,
  loadRecordedTools,
  serveOverStdio,
  stateFromEnvironment,
  textResult,
  type SandboxToolDefinition,
} from './server-kit.ts';

const SERVER_NAME = 'github';
const API = 'https://api.github.com';
const WEB = 'https://github.com';

// ---------------------------------------------------------------------------------------------
// Typed argument schemas (the recorded JSON schemas are checked too; these give the types).
// github-mcp-server ignores properties it does not know, so these objects are not strict.
// ---------------------------------------------------------------------------------------------

const OwnerRepo = { owner: z.string(), repo: z.string() };
const Page = { page: z.number().min(1).optional(), perPage: z.number().min(1).max(100).optional() };

const ActionsListArgs = z.object({
  ...OwnerRepo,
  method: z.enum(['list_workflows', 'list_workflow_runs', 'list_workflow_jobs', 'list_workflow_run_artifacts']),
  resource_id: z.string().optional(),
  workflow_runs_filter: z
    .object({ actor: z.string().optional(), branch: z.string().optional(), event: z.string().optional(), status: z.string().optional() })
    .optional(),
  workflow_jobs_filter: z.object({ filter: z.enum(['latest', 'all']).optional() }).optional(),
  page: z.number().min(1).optional(),
  per_page: z.number().min(1).max(100).optional(),
});
const ActionsGetArgs = z.object({
  ...OwnerRepo,
  method: z.enum(['get_workflow', 'get_workflow_run', 'get_workflow_job', 'download_workflow_run_artifact', 'get_workflow_run_usage', 'get_workflow_run_logs_url']),
  resource_id: z.string(),
});
const ActionsRunTriggerArgs = z.object({
  ...OwnerRepo,
  method: z.enum(['run_workflow', 'rerun_workflow_run', 'rerun_failed_jobs', 'cancel_workflow_run', 'delete_workflow_run_logs']),
  workflow_id: z.string().optional(),
  ref: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  run_id: z.number().optional(),
});
const GetJobLogsArgs = z.object({
  ...OwnerRepo,
  job_id: z.number().optional(),
  run_id: z.number().optional(),
  failed_only: z.boolean().optional(),
  return_content: z.boolean().optional(),
  tail_lines: z.number().optional(),
});
const ListCommitsArgs = z.object({
  ...OwnerRepo,
  ...Page,
  sha: z.string().optional(),
  path: z.string().optional(),
  author: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  fields: z.array(z.string()).optional(),
});
const GetCommitArgs = z.object({ ...OwnerRepo, ...Page, sha: z.string(), detail: z.enum(['none', 'stats', 'full_patch']).optional() });
const ListReleasesArgs = z.object({ ...OwnerRepo, ...Page, fields: z.array(z.string()).optional() });
const RepoPageArgs = z.object({ ...OwnerRepo, ...Page });
const RepoArgs = z.object(OwnerRepo);
const TagArgs = z.object({ ...OwnerRepo, tag: z.string() });
const NoArgs = z.object({});

// ---------------------------------------------------------------------------------------------
// Result shapes
// ---------------------------------------------------------------------------------------------

/** RFC 3339 to the second, as Go's time.RFC3339 prints UTC. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function json(value: unknown): CallToolResult {
  return textResult(JSON.stringify(value));
}

function apiFailure(what: string, error: unknown): CallToolResult {
  if (!(error instanceof GitHubApiError)) throw error;
  return textResult(`${what}: ${error.method} ${API}${error.apiPath}: ${error.status} ${error.message} []`, true);
}

function notFound(method: string, apiPath: string): GitHubApiError {
  return new GitHubApiError(404, method, apiPath, 'Not Found');
}

function minimalUser(login: string, id: number): Record<string, unknown> {
  return { login, id, profile_url: `${WEB}/${login}`, avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4` };
}

function userId(login: string): number {
  if (login === SANDBOX_USER.login) return SANDBOX_USER.id;
  const author = SANDBOX_AUTHORS.find((candidate) => candidate.login === login);
  if (author !== undefined) return author.id;
  let hash = 0;
  for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 90_000_000;
  return 1_000_000 + hash;
}

function workflowJson(workflow: WorkflowRecord): Record<string, unknown> {
  return {
    id: workflow.id,
    node_id: Buffer.from(`08:Workflow${workflow.id}`).toString('base64').replace(/=+$/, ''),
    name: workflow.name,
    path: `.github/workflows/${workflow.file}`,
    state: 'active',
    created_at: rfc3339(workflow.createdMs),
    updated_at: rfc3339(workflow.createdMs),
    url: `${API}/repos/${workflow.repo}/actions/workflows/${workflow.id}`,
    html_url: `${WEB}/${workflow.repo}/blob/main/.github/workflows/${workflow.file}`,
    badge_url: `${WEB}/${workflow.repo}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  };
}

/** github-mcp-server's MinimalWorkflowRun: empty fields (a queued run's conclusion) are omitted. */
function runJson(run: RunView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: run.id,
    name: run.name,
    display_title: run.displayTitle,
    workflow_id: run.workflowId,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    event: run.event,
    status: run.status,
  };
  if (run.conclusion !== null) out['conclusion'] = run.conclusion;
  out['head_branch'] = run.headBranch;
  out['head_sha'] = run.headSha;
  if (run.headMessage !== '') out['head_commit'] = { message: run.headMessage };
  out['path'] = `.github/workflows/${run.workflowFile}@${run.headBranch}`;
  out['html_url'] = `${WEB}/${run.repo}/actions/runs/${run.id}`;
  out['actor'] = minimalUser(run.actor, userId(run.actor));
  out['triggering_actor'] = minimalUser(run.actor, userId(run.actor));
  out['created_at'] = rfc3339(run.createdMs);
  out['updated_at'] = rfc3339(run.updatedMs);
  out['run_started_at'] = rfc3339(run.attemptMs);
  return out;
}

function jobJson(run: RunView, job: JobView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: job.id,
    run_id: run.id,
    name: job.name,
    workflow_name: run.name,
    status: job.status,
  };
  if (job.conclusion !== null) out['conclusion'] = job.conclusion;
  Object.assign(out, {
    head_branch: run.headBranch,
    head_sha: run.headSha,
    html_url: `${WEB}/${run.repo}/actions/runs/${run.id}/job/${job.id}`,
    run_attempt: run.runAttempt,
  });
  if (job.status !== 'queued') {
    Object.assign(out, { runner_id: 1_000 + (job.id % 97), runner_name: `GitHub Actions ${1_000 + (job.id % 97)}`, runner_group_id: 2, runner_group_name: 'GitHub Actions' });
  }
  out['labels'] = ['ubuntu-latest'];
  const steps = job.steps
    .filter((step) => step.status !== 'queued' || job.status === 'completed')
    .map((step) => {
      const entry: Record<string, unknown> = { name: step.name, status: step.status };
      if (step.conclusion !== null) entry['conclusion'] = step.conclusion;
      entry['number'] = step.number;
      if (step.status !== 'queued') entry['started_at'] = rfc3339(step.startedMs);
      if (step.status === 'completed') entry['completed_at'] = rfc3339(step.completedMs);
      return entry;
    });
  if (steps.length > 0) out['steps'] = steps;
  out['created_at'] = rfc3339(job.createdMs);
  if (job.status !== 'queued') out['started_at'] = rfc3339(job.startedMs);
  if (job.status === 'completed') out['completed_at'] = rfc3339(job.completedMs);
  return out;
}

function commitJson(commit: CommitRecord, detail: 'none' | 'stats' | 'full_patch'): Record<string, unknown> {
  const date = rfc3339(commit.dateMs);
  const out: Record<string, unknown> = {
    sha: commit.sha,
    html_url: `${WEB}/${commit.repo}/commit/${commit.sha}`,
    commit: {
      message: commit.message,
      author: { name: commit.author.name, email: commit.author.email, date },
      committer: { name: 'GitHub', email: 'noreply@github.com', date },
    },
    author: minimalUser(commit.author.login, commit.author.id),
    committer: minimalUser('web-flow', 19_864_447),
  };
  if (detail === 'none') return out;
  const additions = commit.files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = commit.files.reduce((sum, file) => sum + file.deletions, 0);
  out['stats'] = { additions, deletions, total: additions + deletions };
  out['files'] = commit.files.map((file) => {
    const entry: Record<string, unknown> = {
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
    };
    if (detail === 'full_patch') entry['patch'] = syntheticPatch(file.filename, file.additions, file.deletions);
    return entry;
  });
  return out;
}

function syntheticPatch(filename: string, additions: number, deletions: number): string {
  const removed = Array.from({ length: Math.min(deletions, 3) }, (_, i) => `-  // old ${filename} line ${i + 1}`);
  const added = Array.from({ length: Math.min(additions, 4) }, (_, i) => `+  // new ${filename} line ${i + 1}`);
  return [`@@ -1,${deletions + 2} +1,${additions + 2} @@`, ' export {};', ...removed, ...added, ' '].join('\n');
}

function releaseJson(release: ReleaseRecord): Record<string, unknown> {
  return {
    id: release.id,
    tag_name: release.tagName,
    name: release.name,
    body: release.body,
    html_url: `${WEB}/${release.repo}/releases/tag/${release.tagName}`,
    published_at: rfc3339(release.publishedMs),
    prerelease: false,
    draft: false,
    author: minimalUser(release.authorLogin, userId(release.authorLogin)),
  };
}

function pick(value: Record<string, unknown>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (fields === undefined || fields.length === 0) return value;
  return Object.fromEntries(fields.filter((field) => field in value).map((field) => [field, value[field]]));
}

function paginate<T>(items: readonly T[], page: number | undefined, perPage: number | undefined): T[] {
  const size = perPage ?? 30;
  const start = ((page ?? 1) - 1) * size;
  return items.slice(start, start + size);
}

// ---------------------------------------------------------------------------------------------
// Job logs
// ---------------------------------------------------------------------------------------------

/** GitHub's log line timestamps: seven fractional digits. */
function logTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '0000Z');
}

function commandOutput(command: string, failed: boolean, run: RunView): string[] {
  const image = typeof run.inputs?.['image'] === 'string' ? run.inputs['image'] : `ghcr.io/${run.repo}:${run.headSha.slice(0, 7)}`;
  if (command === 'npm ci') return ['added 812 packages, and audited 813 packages in 14s', '', '127 packages are looking for funding', 'found 0 vulnerabilities'];
  if (command === 'npm run lint') return failed ? ['> eslint .', '', 'src/routes/orders.ts', "  42:17  error  'total' is assigned a value but never used  @typescript-eslint/no-unused-vars", '', '✖ 1 problem (1 error, 0 warnings)'] : ['> eslint .', '', '✔ No problems found'];
  if (command.startsWith('npm run test:coverage')) {
    return failed
      ? ['All files      |   76.41 |    70.02 |   79.10 |   76.41 |', 'ERROR: Coverage for lines (76.41%) does not meet global threshold (80%)']
      : ['All files      |   87.12 |    81.54 |   90.02 |   87.12 |', 'Coverage thresholds met (80%)'];
  }
  if (command.startsWith('npm audit')) return failed ? ['# npm audit report', '', 'undici  <6.21.1', 'Severity: high', '3 high severity vulnerabilities'] : ['found 0 vulnerabilities'];
  if (command === 'npm test') {
    return failed
      ? [' FAIL  test/orders.test.ts > orders > persists the order total', 'AssertionError: expected 4200 to be 4199 // Object.is equality', '', ' Test Files  1 failed | 41 passed (42)', '      Tests  1 failed | 317 passed (318)']
      : [' Test Files  42 passed (42)', '      Tests  318 passed (318)', '   Duration  41.27s'];
  }
  if (command.startsWith('docker compose')) return [' Container postgres  Started', ' Container redis  Started'];
  if (command === 'npm run test:integration') {
    return failed
      ? [' FAIL  test/integration/checkout.test.ts > checkout > charges the card once', 'Error: expected 1 call to payments.charge, got 2', ' Tests  1 failed | 56 passed (57)']
      : [' Tests  57 passed (57)', '   Duration  2m 11s'];
  }
  if (command.startsWith('docker build')) {
    return failed
      ? ['#9 [build 4/6] RUN npm run build', '#9 ERROR: process "/bin/sh -c npm run build" did not complete successfully: exit code: 2']
      : ['#9 [build 4/6] RUN npm run build', '#9 DONE 38.2s', `#12 naming to ${image} done`, '#12 DONE 0.4s'];
  }
  if (command.startsWith('docker push')) return failed ? [`denied: Permission "artifactregistry.repositories.uploadArtifacts" denied`] : [`${run.headSha.slice(0, 7)}: digest: sha256:${run.headSha}${run.headSha.slice(0, 24)} size: 2417`];
  return [];
}

function jobLogLines(run: RunView, job: JobView): string[] {
  if (job.status === 'queued') return [];
  const lines: string[] = [
    `${logTime(job.startedMs)} Requested labels: ubuntu-latest`,
    `${logTime(job.startedMs)} Job defined at: ${run.repo}/.github/workflows/${run.workflowFile}@refs/heads/${run.headBranch}`,
    `${logTime(job.startedMs)} Waiting for a runner to pick up this job...`,
    `${logTime(job.startedMs)} Job is about to start running on the hosted runner: GitHub Actions ${1_000 + (job.id % 97)} (hosted)`,
  ];
  job.steps.forEach((step, index) => {
    if (step.status === 'queued' || step.conclusion === 'skipped') return;
    const at = logTime(step.startedMs);
    lines.push(`${at} ##[group]${step.name}`);
    const command = index >= 3 ? job.commands[index - 3] : undefined;
    const failed = step.conclusion === 'failure' || step.conclusion === 'timed_out';
    if (command !== undefined) {
      lines.push(`${at} shell: /usr/bin/bash -e {0}`, `${at} ##[endgroup]`);
      for (const output of commandOutput(command, failed, run)) lines.push(`${logTime(step.completedMs)} ${output}`);
      if (failed) lines.push(`${logTime(step.completedMs)} ##[error]Process completed with exit code 1.`);
      if (step.conclusion === 'cancelled') lines.push(`${logTime(step.completedMs)} ##[error]The operation was canceled.`);
    } else {
      lines.push(`${at} ##[endgroup]`);
    }
  });
  if (job.status === 'completed') lines.push(`${logTime(job.completedMs)} Cleaning up orphan processes`);
  return lines;
}

function logsUrl(run: RunView, jobId: number): string {
  return `https://productionresultssa0.blob.core.windows.net/actions-results/${run.id}/job/${jobId}/logs?sv=2025-01-05&sig=sandbox`;
}

function jobLogData(run: RunView, job: JobView, includeName: boolean, returnContent: boolean, tailLines: number): Record<string, unknown> {
  const result: Record<string, unknown> = { job_id: job.id };
  if (includeName) result['job_name'] = job.name;
  if (returnContent) {
    const lines = jobLogLines(run, job);
    result['logs_content'] = lines.slice(Math.max(0, lines.length - tailLines)).join('\n');
    result['message'] = 'Job logs content retrieved successfully';
    result['original_length'] = lines.length;
  } else {
    result['logs_url'] = logsUrl(run, job.id);
    result['message'] = 'Job logs are available for download';
    result['note'] = 'The logs_url provides a download link for the individual job logs in plain text format. Use return_content=true to get the actual log content.';
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

type ToolDefinition = SandboxToolDefinition;

function repoName(args: { owner: string; repo: string }): string {
  return `${args.owner}/${args.repo}`;
}

function requireRepo(state: SandboxState, repo: string, method: string, apiPath: string): void {
  if (state.getRepo(repo) === undefined) throw notFound(method, apiPath);
}

function usageJson(state: SandboxState, run: RunView): Record<string, unknown> {
  const now = state.now();
  const jobRuns = run.jobs
    .filter((job) => job.status !== 'queued')
    .map((job) => ({
      job_id: job.id,
      duration_ms: job.status === 'completed' ? Math.round((job.completedMs - job.startedMs) / state.timeScale) : Math.round((now - job.startedMs) / state.timeScale),
    }));
  const end = run.status === 'completed' ? run.updatedMs : now;
  return {
    billable: {
      UBUNTU: { total_ms: jobRuns.reduce((sum, job) => sum + job.duration_ms, 0), jobs: jobRuns.length, job_runs: jobRuns },
    },
    run_duration_ms: Math.round((end - run.attemptMs) / state.timeScale),
  };
}

function parseId(raw: string, method: string): number | CallToolResult {
  if (!/^-?\d+$/.test(raw)) {
    return textResult(`invalid resource_id, must be an integer for method ${method}: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`, true);
  }
  return Number(raw);
}

function defineTools(state: SandboxState): Record<string, ToolDefinition> {
  const tools: Record<string, ToolDefinition> = {
    actions_list: {
      description: 'List GitHub Actions workflows in a repository, or the runs, jobs and artifacts of a workflow or run.',
      args: ActionsListArgs,
      handle: (args: z.output<typeof ActionsListArgs>) => {
        const repo = repoName(args);
        const resource = args.resource_id ?? '';
        switch (args.method) {
          case 'list_workflows': {
            const apiPath = `/repos/${repo}/actions/workflows`;
            try {
              requireRepo(state, repo, 'GET', apiPath);
            } catch (error) {
              return apiFailure('failed to list workflows', error);
            }
            const workflows = state.listWorkflows(repo);
            return json({ total_count: workflows.length, workflows: paginate(workflows, args.page, args.per_page).map(workflowJson) });
          }
          case 'list_workflow_runs': {
            const apiPath = resource === '' ? `/repos/${repo}/actions/runs` : `/repos/${repo}/actions/workflows/${resource}/runs`;
            try {
              requireRepo(state, repo, 'GET', apiPath);
              const filter = args.workflow_runs_filter ?? {};
              let workflowId: number | undefined;
              if (resource !== '') {
                const workflow = state.findWorkflow(repo, resource);
                if (workflow === undefined) throw notFound('GET', apiPath);
                workflowId = workflow.id;
              }
              const runs = state.listRuns(repo, {
                ...(workflowId === undefined ? {} : { workflowId }),
                ...(filter.branch ? { branch: filter.branch } : {}),
                ...(filter.event ? { event: filter.event } : {}),
                ...(filter.status ? { status: filter.status } : {}),
                ...(filter.actor ? { actor: filter.actor } : {}),
              });
              return json({ total_count: runs.length, workflow_runs: paginate(runs, args.page, args.per_page).map(runJson) });
            } catch (error) {
              return apiFailure('failed to list workflow runs', error);
            }
          }
          case 'list_workflow_jobs':
          case 'list_workflow_run_artifacts': {
            if (resource === '') return textResult(`missing required parameter for method ${args.method}: resource_id`, true);
            const id = parseId(resource, args.method);
            if (typeof id !== 'number') return id;
            const jobs = args.method === 'list_workflow_jobs';
            const apiPath = `/repos/${repo}/actions/runs/${id}/${jobs ? 'jobs' : 'artifacts'}`;
            const run = state.getRun(repo, id);
            if (run === undefined) return apiFailure(jobs ? 'failed to list workflow jobs' : 'failed to list workflow run artifacts', notFound('GET', apiPath));
            if (!jobs) return json({ total_count: 0, artifacts: [] });
            return json({ jobs: { total_count: run.jobs.length, jobs: paginate(run.jobs, args.page, args.per_page).map((job) => jobJson(run, job)) } });
          }
        }
      },
    },

    actions_get: {
      description: 'Get one GitHub Actions workflow, run, job, artifact, run usage or run logs URL by its id.',
      args: ActionsGetArgs,
      handle: (args: z.output<typeof ActionsGetArgs>) => {
        const repo = repoName(args);
        if (args.method === 'get_workflow') {
          const apiPath = `/repos/${repo}/actions/workflows/${args.resource_id}`;
          const workflow = state.getRepo(repo) === undefined ? undefined : state.findWorkflow(repo, args.resource_id);
          if (workflow === undefined) return apiFailure('failed to get workflow', notFound('GET', apiPath));
          return json(workflowJson(workflow));
        }
        const id = parseId(args.resource_id, args.method);
        if (typeof id !== 'number') return id;
        switch (args.method) {
          case 'get_workflow_run': {
            const run = state.getRun(repo, id);
            if (run === undefined) return apiFailure('failed to get workflow run', notFound('GET', `/repos/${repo}/actions/runs/${id}`));
            return json(runJson(run));
          }
          case 'get_workflow_job': {
            const found = state.getJob(repo, id);
            if (found === undefined) return apiFailure('failed to get workflow job', notFound('GET', `/repos/${repo}/actions/jobs/${id}`));
            return json(jobJson(found.run, found.job));
          }
          case 'download_workflow_run_artifact':
            return apiFailure('failed to get artifact download URL', notFound('GET', `/repos/${repo}/actions/artifacts/${id}/zip`));
          case 'get_workflow_run_usage': {
            const run = state.getRun(repo, id);
            if (run === undefined) return apiFailure('failed to get workflow run usage', notFound('GET', `/repos/${repo}/actions/runs/${id}/timing`));
            return json(usageJson(state, run));
          }
          case 'get_workflow_run_logs_url': {
            const run = state.getRun(repo, id);
            if (run === undefined) return apiFailure('failed to get workflow run logs', notFound('GET', `/repos/${repo}/actions/runs/${id}/logs`));
            return json({
              logs_url: `https://productionresultssa0.blob.core.windows.net/actions-results/${run.id}/logs.zip?sv=2025-01-05&sig=sandbox`,
              message: 'Workflow run logs are available for download',
              note: 'The logs_url provides a download link for the complete workflow run logs as a ZIP archive. You can download this archive to extract and examine individual job logs.',
              warning: 'This downloads ALL logs as a ZIP file which can be large and expensive. For debugging failed jobs, consider using get_job_logs with failed_only=true and run_id instead.',
              optimization_tip: `Use: get_job_logs with parameters {run_id: ${run.id}, failed_only: true} for more efficient failed job debugging`,
            });
          }
        }
      },
    },

    actions_run_trigger: {
      description: 'Run a workflow (workflow_dispatch), re-run a run or its failed jobs, cancel a run, or delete its logs.',
      args: ActionsRunTriggerArgs,
      handle: (args: z.output<typeof ActionsRunTriggerArgs>) => {
        const repo = repoName(args);
        if (args.method === 'run_workflow') {
          if (args.workflow_id === undefined || args.workflow_id === '') return textResult('workflow_id is required for run_workflow action', true);
          if (args.ref === undefined || args.ref === '') return textResult('ref is required for run_workflow action', true);
          try {
            state.dispatchWorkflow(repo, args.workflow_id, args.ref, args.inputs, SANDBOX_USER.login);
          } catch (error) {
            return apiFailure('failed to run workflow', error);
          }
          // The real endpoint answers 204 with no body: the caller finds the run by listing runs.
          return json({
            message: 'Workflow run has been queued',
            workflow_type: /^\d+$/.test(args.workflow_id) ? 'workflow_id' : 'workflow_file',
            workflow_id: args.workflow_id,
            ref: args.ref,
            inputs: args.inputs ?? null,
            status: '204 No Content',
            status_code: 204,
          });
        }
        const runId = Math.trunc(args.run_id ?? 0);
        if (runId === 0) return textResult('missing required parameter: run_id', true);
        try {
          switch (args.method) {
            case 'rerun_workflow_run':
            case 'rerun_failed_jobs': {
              state.rerunRun(repo, runId, args.method === 'rerun_failed_jobs');
              const message = args.method === 'rerun_workflow_run' ? 'Workflow run has been queued for re-run' : 'Failed jobs have been queued for re-run';
              return json({ message, run_id: runId, status: '201 Created', status_code: 201 });
            }
            case 'cancel_workflow_run':
              state.cancelRun(repo, runId);
              return json({ message: 'Workflow run has been cancelled', run_id: runId, status: '202 Accepted', status_code: 202 });
            case 'delete_workflow_run_logs':
              if (state.getRun(repo, runId) === undefined) throw notFound('DELETE', `/repos/${repo}/actions/runs/${runId}/logs`);
              return json({ message: 'Workflow run logs have been deleted', run_id: runId, status: '204 No Content', status_code: 204 });
          }
        } catch (error) {
          const what: Record<string, string> = {
            rerun_workflow_run: 'failed to rerun workflow run',
            rerun_failed_jobs: 'failed to rerun failed jobs',
            cancel_workflow_run: 'failed to cancel workflow run',
            delete_workflow_run_logs: 'failed to delete workflow run logs',
          };
          return apiFailure(what[args.method] ?? 'failed', error);
        }
      },
    },

    get_job_logs: {
      description: 'Get the logs of one workflow job, or of every failed job of a run (run_id with failed_only=true).',
      args: GetJobLogsArgs,
      handle: (args: z.output<typeof GetJobLogsArgs>) => {
        const repo = repoName(args);
        const jobId = Math.trunc(args.job_id ?? 0);
        const runId = Math.trunc(args.run_id ?? 0);
        const failedOnly = args.failed_only ?? false;
        const returnContent = args.return_content ?? false;
        const tailLines = args.tail_lines !== undefined && args.tail_lines > 0 ? Math.trunc(args.tail_lines) : 500;
        if (failedOnly && runId === 0) return textResult('run_id is required when failed_only is true', true);
        if (!failedOnly && jobId === 0) return textResult('job_id is required when failed_only is false', true);
        if (failedOnly) {
          const run = state.getRun(repo, runId);
          if (run === undefined) return apiFailure('failed to list workflow jobs', notFound('GET', `/repos/${repo}/actions/runs/${runId}/jobs?filter=latest`));
          const failed = run.jobs.filter((job) => job.conclusion === 'failure');
          if (failed.length === 0) {
            return json({ message: 'No failed jobs found in this workflow run', run_id: runId, total_jobs: run.jobs.length, failed_jobs: 0 });
          }
          return json({
            message: `Retrieved logs for ${failed.length} failed jobs`,
            run_id: runId,
            total_jobs: run.jobs.length,
            failed_jobs: failed.length,
            logs: failed.map((job) => jobLogData(run, job, true, returnContent, tailLines)),
            return_format: { content: returnContent, urls: !returnContent },
          });
        }
        const found = state.getJob(repo, jobId);
        if (found === undefined) {
          return apiFailure('failed to get job logs', new GitHubApiError(404, 'GET', `/repos/${repo}/actions/jobs/${jobId}/logs`, 'Not Found'));
        }
        return json(jobLogData(found.run, found.job, false, returnContent, tailLines));
      },
    },

    list_commits: {
      description: 'List the commits of a branch, tag or commit SHA (default branch when none is given), newest first.',
      args: ListCommitsArgs,
      handle: (args: z.output<typeof ListCommitsArgs>) => {
        const repo = repoName(args);
        const sha = args.sha ?? '';
        const what = `failed to list commits: ${sha}`;
        const apiPath = `/repos/${repo}/commits?${sha === '' ? '' : `sha=${encodeURIComponent(sha)}&`}per_page=${args.perPage ?? 30}`;
        const repoRecord = state.getRepo(repo);
        if (repoRecord === undefined) return apiFailure(what, notFound('GET', apiPath));
        const resolved = state.resolveCommitish(repo, sha === '' ? repoRecord.defaultBranch : sha);
        if (resolved === undefined) return apiFailure(what, notFound('GET', apiPath));
        const since = args.since === undefined ? undefined : Date.parse(args.since);
        const until = args.until === undefined ? undefined : Date.parse(args.until);
        const commits = state
          .listCommits(repo, resolved.commit.branch)
          .filter((commit) => commit.seq <= resolved.commit.seq)
          .filter((commit) => args.author === undefined || commit.author.login === args.author || commit.author.email === args.author)
          .filter((commit) => since === undefined || Number.isNaN(since) || commit.dateMs >= since)
          .filter((commit) => until === undefined || Number.isNaN(until) || commit.dateMs <= until)
          .filter((commit) => args.path === undefined || commit.files.some((file) => file.filename === args.path || file.filename.startsWith(`${args.path}/`)));
        return json(paginate(commits, args.page, args.perPage).map((commit) => pick(commitJson(commit, 'none'), args.fields)));
      },
    },

    get_commit: {
      description: 'Get one commit (by SHA, branch or tag) with its stats and changed files.',
      args: GetCommitArgs,
      handle: (args: z.output<typeof GetCommitArgs>) => {
        const repo = repoName(args);
        const apiPath = `/repos/${repo}/commits/${args.sha}`;
        const what = `failed to get commit: ${args.sha}`;
        if (state.getRepo(repo) === undefined) return apiFailure(what, notFound('GET', apiPath));
        const resolved = state.resolveCommitish(repo, args.sha);
        if (resolved === undefined) return apiFailure(what, new GitHubApiError(422, 'GET', apiPath, `No commit found for SHA: ${args.sha}`));
        return json(commitJson(resolved.commit, args.detail ?? 'stats'));
      },
    },

    list_branches: {
      description: 'List the branches of a repository.',
      args: RepoPageArgs,
      handle: (args: z.output<typeof RepoPageArgs>) => {
        const repo = repoName(args);
        const record = state.getRepo(repo);
        if (record === undefined) return apiFailure('failed to list branches', notFound('GET', `/repos/${repo}/branches`));
        const branches = state.listBranches(repo).map((branch) => ({ name: branch.name, sha: branch.sha, protected: branch.name === record.defaultBranch }));
        return json(paginate(branches, args.page, args.perPage));
      },
    },

    list_tags: {
      description: 'List the tags of a repository, newest first.',
      args: RepoPageArgs,
      handle: (args: z.output<typeof RepoPageArgs>) => {
        const repo = repoName(args);
        if (state.getRepo(repo) === undefined) return apiFailure('failed to list tags', notFound('GET', `/repos/${repo}/tags`));
        return json(paginate(state.listTags(repo), args.page, args.perPage).map((tag) => ({ name: tag.name, sha: tag.commitSha })));
      },
    },

    get_tag: {
      description: 'Get an annotated tag object by tag name.',
      args: TagArgs,
      handle: (args: z.output<typeof TagArgs>) => {
        const repo = repoName(args);
        const tag = state.getRepo(repo) === undefined ? undefined : state.getTag(repo, args.tag);
        if (tag === undefined) return apiFailure('failed to get tag reference', notFound('GET', `/repos/${repo}/git/ref/tags/${args.tag}`));
        const commit = state.getCommit(repo, tag.commitSha);
        return json({
          node_id: Buffer.from(`03:Tag${tag.tagSha}`).toString('base64').replace(/=+$/, ''),
          tag: tag.name,
          sha: tag.tagSha,
          url: `${API}/repos/${repo}/git/tags/${tag.tagSha}`,
          message: tag.message,
          tagger: { date: rfc3339(tag.dateMs), name: commit?.author.name ?? 'GitHub', email: commit?.author.email ?? 'noreply@github.com' },
          object: { type: 'commit', sha: tag.commitSha, url: `${API}/repos/${repo}/git/commits/${tag.commitSha}` },
          verification: { verified: false, reason: 'unsigned' },
        });
      },
    },

    list_releases: {
      description: 'List the releases of a repository, newest first.',
      args: ListReleasesArgs,
      handle: (args: z.output<typeof ListReleasesArgs>) => {
        const repo = repoName(args);
        if (state.getRepo(repo) === undefined) return apiFailure('failed to list releases', notFound('GET', `/repos/${repo}/releases`));
        return json(paginate(state.listReleases(repo), args.page, args.perPage).map((release) => pick(releaseJson(release), args.fields)));
      },
    },

    get_latest_release: {
      description: 'Get the latest release of a repository.',
      args: RepoArgs,
      handle: (args: z.output<typeof RepoArgs>) => {
        const repo = repoName(args);
        const latest = state.getRepo(repo) === undefined ? undefined : state.listReleases(repo)[0];
        if (latest === undefined) return apiFailure('failed to get latest release', notFound('GET', `/repos/${repo}/releases/latest`));
        return json(releaseJson(latest));
      },
    },

    get_release_by_tag: {
      description: 'Get the release made from a tag.',
      args: TagArgs,
      handle: (args: z.output<typeof TagArgs>) => {
        const repo = repoName(args);
        const release = state.getRepo(repo) === undefined ? undefined : state.listReleases(repo).find((candidate) => candidate.tagName === args.tag);
        if (release === undefined) return apiFailure(`failed to get release by tag: ${args.tag}`, notFound('GET', `/repos/${repo}/releases/tags/${args.tag}`));
        return json(releaseJson(release));
      },
    },

    get_me: {
      description: 'Get the GitHub user the token belongs to.',
      args: NoArgs,
      handle: () =>
        json({
          ...minimalUser(SANDBOX_USER.login, SANDBOX_USER.id),
          details: {
            name: SANDBOX_USER.name,
            company: 'Acme',
            public_repos: 0,
            public_gists: 0,
            followers: 0,
            following: 0,
            created_at: '2024-01-15T09:00:00Z',
            updated_at: '2025-01-15T09:00:00Z',
            private_gists: 0,
            total_private_repos: 5,
            owned_private_repos: 0,
          },
        }),
    },
  };
  return tools;
}

/** Builds the sandbox GitHub server on `state` (not yet connected to a transport). */
export function createGitHubSandboxServer(state: SandboxState): Server {
  const recorded = loadRecordedTools('github-mcp-server.json');
  return createRecordedToolServer({ name: 'github-mcp-server', logName: SERVER_NAME, state, recorded, definitions: defineTools(state) });
}

if (isEntryPoint(import.meta.url)) {
  const state = stateFromEnvironment(SERVER_NAME);
  await serveOverStdio(SERVER_NAME, createGitHubSandboxServer(state), state);
}
