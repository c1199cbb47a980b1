/** Thin piscina adapter for the Router. */
import { routePlan, RouteInputSchema } from './route-plan.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function routerWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    return routePlan(RouteInputSchema.parse(input));
  });
}
