/** Thin piscina adapter for the GCP Executor: plan steps and the pre-planning revision lookup. */
import { toErrorData } from '../../../common/errors.ts';
import { withExecutorJob } from '../executor-runtime/executor-job.ts';
import { executeGcpStep, resolveRevisions } from './execute-gcp-step.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function gcpExecutorWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    return withExecutorJob(input, async (job, ctx) => {
      if (job.job === 'step') return executeGcpStep(job.task, ctx);
      if (job.cloudRun === null) return { servingRevision: null, previousRevision: null, error: null };
      try {
        const revisions = await resolveRevisions(ctx, job.cloudRun);
        return { ...revisions, error: null, toolCalls: ctx.tools.records };
      } catch (error) {
        return { servingRevision: null, previousRevision: null, error: toErrorData(error), toolCalls: ctx.tools.records };
      }
    });
  });
}
