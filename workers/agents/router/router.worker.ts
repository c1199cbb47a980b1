/** Thin piscina adapter for the Router. */
import { routePlan, RouteInputSchema } from './route-plan.ts';

export default function routerWorker(input: unknown): unknown {
  return routePlan(RouteInputSchema.parse(input));
}
