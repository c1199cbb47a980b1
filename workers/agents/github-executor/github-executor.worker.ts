/** Thin piscina adapter for the GitHub Executor: plan steps and the pre-planning commit lookup. */
import { toErrorData } from '../../../common/errors.ts';
import { withExecutorJob } from '../executor-runtime/executor-job.ts';
import { executeGithubStep, resolveCommit } from './execute-github-step.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function githubExecutorWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    return withExecutorJob(input, async (job, ctx) => {
      if (job.job === 'step') return executeGithubStep(job.task, ctx);
      if (job.github === null) return { commitSha: null, commitMessage: null, error: null };
      try {
        const commit = await resolveCommit(ctx, job.github.owner, job.github.repo, job.github.ref);
        return { commitSha: commit.sha, commitMessage: commit.message, error: null, toolCalls: ctx.tools.records };
      } catch (error) {
        return { commitSha: null, commitMessage: null, error: toErrorData(error), toolCalls: ctx.tools.records };
      }
    });
  });
}
