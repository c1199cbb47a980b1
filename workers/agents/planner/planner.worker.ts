/** Thin piscina adapter for the Planner: parse `{ intent, context }`, plan, return the plan. */
import { describeZodIssues, HeyOpsError } from '../../../common/errors.ts';
import { planOperation, PlannerInputSchema } from './plan.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function plannerWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    const parsed = PlannerInputSchema.safeParse(input);
    if (!parsed.success) throw new HeyOpsError('INVALID_MESSAGE', `planner input: ${describeZodIssues(parsed.error.issues)}`);
    return planOperation(parsed.data.intent, parsed.data.context);
  });
}
