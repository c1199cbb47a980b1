/**
 * The Router: turns an approved plan into execution tasks, one per step, each addressed to the
 * executor that owns the step's action. The mapping is a fixed table — a step can only ever
 * reach the executor (and therefore the MCP tool allowlist) its action belongs to.
 */
import { z } from 'zod';
import {
  ExecutionTaskSchema,
  PlanSchema,
  type ExecutionTask,
  type ExecutorName,
  type Plan,
  type StepActionName,
} from '../../../common/messages.ts';
import { HeyOpsError } from '../../../common/errors.ts';

/** Which executor carries out each action. `local` runs in the main process without MCP. */
export const EXECUTOR_FOR_ACTION: Readonly<Record<StepActionName, ExecutorName>> = {
  validate_code: 'github',
  run_tests: 'github',
  build_artifact: 'github',
  workflow_status: 'github',
  deploy: 'gcp',
  rollback: 'gcp',
  service_status: 'gcp',
  read_logs: 'gcp',
  summarize_costs: 'local',
  notify: 'local',
};

export const RouteInputSchema = z
  .object({
    plan: PlanSchema,
    operationId: z.string().min(1),
    correlationId: z.string().min(1),
    stepTimeoutMs: z.number().int().min(1),
    pollIntervalMs: z.number().int().min(1),
    timeScale: z.number().positive(),
  })
  .strict();
export type RouteInput = z.infer<typeof RouteInputSchema>;

export function routePlan(input: RouteInput): ExecutionTask[] {
  const plan: Plan = input.plan;
  if (plan.question !== null) {
    throw new HeyOpsError('INVALID_INPUT', `The plan is waiting for an answer (${plan.question}); nothing to route.`);
  }
  return plan.steps.map((step) =>
    ExecutionTaskSchema.parse({
      operationId: input.operationId,
      correlationId: input.correlationId,
      executor: EXECUTOR_FOR_ACTION[step.params.action],
      step,
      timeoutMs: input.stepTimeoutMs,
      pollIntervalMs: input.pollIntervalMs,
      timeScale: input.timeScale,
      previousOutputs: {},
    }),
  );
}
