/**
 * The Safety Checker: decides whether a plan may run now, must wait for a hand, needs an
 * answer from the user, or is refused — from the plan, the policy and one snapshot of the
 * persisted safety state. Pure: the same inputs give the same verdict, so it is tested
 * directly, and the state store commits the verdict only if the state is still at the
 * snapshot's revision.
 */
import { z } from 'zod';
import { PolicySchema, type Policy } from '../../../common/config.ts';
import { formatDuration } from '../../../common/format.ts';
import {
  PlanSchema,
  SafetySnapshotSchema,
  SafetyVerdictSchema,
  SlotSourceSchema,
  isMutatingAction,
  type Budget,
  type Plan,
  type SafetyFinding,
  type SafetySnapshot,
  type SafetyVerdict,
} from '../../../common/messages.ts';

/** Below this parse or recognition confidence a mutating command is read back first. */
export const CONFIRMATION_THRESHOLD = 0.6;

export const SafetyCheckInputSchema = z
  .object({
    plan: PlanSchema,
    snapshot: SafetySnapshotSchema,
    policy: PolicySchema,
    /** min(parse confidence, recognition confidence) of the command. */
    confidence: z.number().min(0).max(1),
    serviceSource: SlotSourceSchema.nullable(),
    /** The user already answered yes to a read-back of exactly this plan. */
    confirmed: z.boolean(),
  })
  .strict();
export type SafetyCheckInput = z.infer<typeof SafetyCheckInputSchema>;

function budget(acceptedAt: readonly string[], limit: number, windowMs: number, now: Date): Budget {
  const inWindow = acceptedAt.filter((at) => now.getTime() - Date.parse(at) < windowMs).sort();
  const oldest = inWindow[0];
  return {
    used: inWindow.length,
    limit,
    nextReturnsAt: oldest === undefined ? null : new Date(Date.parse(oldest) + windowMs).toISOString(),
  };
}

export function checkSafety(input: SafetyCheckInput): SafetyVerdict {
  const { plan, snapshot, policy } = input;
  const now = new Date(snapshot.now);
  const deployBudget = budget(snapshot.deployAcceptedAt, policy.rateLimits.deploysPerHour, policy.rateLimits.windowMs, now);
  const rollbackBudget = budget(snapshot.rollbackAcceptedAt, policy.rateLimits.rollbacksPerHour, policy.rateLimits.windowMs, now);
  const mutating = plan.steps.some((step) => isMutatingAction(step.params.action));
  const budgetKind = !mutating ? 'none' : plan.kind === 'rollback' ? 'rollback' : plan.kind === 'deploy' ? 'deploy' : 'none';
  const findings: SafetyFinding[] = [];

  const verdict = (decision: SafetyVerdict['decision'], retryAfterMs: number | null = null): SafetyVerdict =>
    SafetyVerdictSchema.parse({
      planHash: plan.hash,
      decision,
      findings,
      retryAfterMs,
      countsAgainstBudget: plan.dryRun || decision === 'refuse' || decision === 'ask' ? 'none' : budgetKind,
      deployBudget,
      rollbackBudget,
      stateRevision: snapshot.revision,
      checkedAt: snapshot.now,
    });

  if (plan.question !== null || plan.steps.length === 0) {
    findings.push({ rule: 'needs_target', message: plan.question ?? 'The plan has no steps; say what to do.' });
    return verdict('ask');
  }

  if (!mutating) {
    // Reads keep working when the kill switch is engaged: status is what you need most then.
    findings.push({ rule: 'read_only', message: 'Read-only: no approval or budget needed.' });
    return verdict('allow');
  }

  // Production always waits for a hand, whatever a policy file says; the policy can only add
  // environments to the list.
  const needsApproval =
    plan.requiresApproval ||
    plan.target.environment === 'production' ||
    (plan.target.environment !== null && policy.approvals.requiredFor.includes(plan.target.environment));
  const chosen = budgetKind === 'rollback' ? rollbackBudget : deployBudget;

  if (plan.dryRun) {
    // A dry run changes nothing and spends nothing, but says what the real run would meet.
    findings.push({ rule: 'dry_run', message: 'Dry run: nothing will be changed and no budget is spent.' });
    if (snapshot.killSwitch.engaged) findings.push({ rule: 'kill_switch', message: 'The kill switch is engaged: the real run would be refused.' });
    if (chosen.used >= chosen.limit) findings.push({ rule: budgetKind === 'rollback' ? 'rollback_budget' : 'deploy_budget', message: `The real run would be refused: ${budgetKind} budget used up.` });
    if (needsApproval) findings.push({ rule: 'approval', message: `The real run needs an approval by hand (${plan.target.environment}).` });
    return verdict('allow');
  }

  if (snapshot.killSwitch.engaged) {
    findings.push({
      rule: 'kill_switch',
      message: `The kill switch is engaged${snapshot.killSwitch.by ? ` (by ${snapshot.killSwitch.by})` : ''}: no changes until it is released by hand (hey-ops kill --release).`,
    });
    return verdict('refuse');
  }

  if (chosen.used >= chosen.limit) {
    const returnsAt = chosen.nextReturnsAt === null ? null : new Date(chosen.nextReturnsAt);
    const retryAfterMs = returnsAt === null ? null : Math.max(0, returnsAt.getTime() - now.getTime());
    const windowText = formatDuration(policy.rateLimits.windowMs);
    const when =
      returnsAt === null || retryAfterMs === null
        ? 'the limit is 0: no such change is allowed by the policy'
        : `the next one is possible at ${returnsAt.toISOString().slice(11, 16)} UTC (in ${formatDuration(Math.ceil(retryAfterMs / 1000) * 1000)})`;
    findings.push({
      rule: budgetKind === 'rollback' ? 'rollback_budget' : 'deploy_budget',
      message: `The ${budgetKind} budget is used up (${chosen.used} of ${chosen.limit} in the last ${windowText}); ${when}.`,
    });
    return verdict('refuse', retryAfterMs);
  }

  if (!input.confirmed && (input.confidence < CONFIRMATION_THRESHOLD || input.serviceSource === 'context')) {
    const why = input.serviceSource === 'context' ? 'the service was taken from the conversation' : `I am only ${Math.round(input.confidence * 100)}% sure I understood`;
    findings.push({ rule: 'needs_confirmation', message: `${capitalise(plan.summary)}? Please confirm (${why}).` });
    return verdict('ask');
  }

  if (needsApproval) {
    findings.push({
      rule: 'approval',
      message: `${plan.target.environment} changes need an approval by hand (window, notification or hey-ops approve); they expire after ${formatDuration(policy.approvals.expiresAfterMs)}.`,
    });
    return verdict('require_approval');
  }

  return verdict('allow');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The snapshot type re-exported for the worker adapter's callers. */
export type { SafetySnapshot, Plan, Policy };
