/**
 * The Planner: turns an Intent into a Plan — the exact steps, with the exact tool parameters
 * the executors will use, their estimated durations and costs, the risk and the approval
 * flag. Pure and deterministic: the same intent and context always give the same plan (and
 * hash), so an approval can be bound to it and the plan can be tested directly.
 *
 * It never guesses a target. When the plan cannot go ahead as asked (no environment, unknown
 * service, no commit for the ref, nothing to roll back to) it returns a plan with no steps and
 * `question` set, which the Safety Checker turns into an `ask` verdict.
 */
import { z } from 'zod';
import { CatalogSchema, PolicySchema, PricingSchema, type Catalog, type ServiceEntry } from '../../../common/config.ts';
import { HeyOpsError } from '../../../common/errors.ts';
import { formatDuration, shortSha } from '../../../common/format.ts';
import {
  ENVIRONMENTS,
  IntentSchema,
  PlanningFactsSchema,
  PlanSchema,
  isMutatingAction,
  type Environment,
  type Intent,
  type IntentKind,
  type Plan,
  type PlanStep,
  type Risk,
  type SlotSource,
  type StepAction,
  type Target,
} from '../../../common/messages.ts';
import { hashPlan } from './plan-hash.ts';

/** Everything the planner reads besides the intent; built by the core for each command. */
export const PlannerContextSchema = z
  .object({
    catalog: CatalogSchema,
    policy: PolicySchema,
    pricing: PricingSchema,
    facts: PlanningFactsSchema,
    /** Becomes `plan.id`; the core uses the operation id. */
    planId: z.string().min(1).max(128),
    /** Becomes `plan.createdAt`; injected so planning stays deterministic. */
    now: z.iso.datetime({ offset: true }),
  })
  .strict();
export type PlannerContext = z.infer<typeof PlannerContextSchema>;

/** What the planner worker receives. */
export const PlannerInputSchema = z.object({ intent: IntentSchema, context: PlannerContextSchema }).strict();
export type PlannerInput = z.infer<typeof PlannerInputSchema>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/**
 * Estimated durations of each kind of step. They are typical figures for the sandbox's and a
 * small service's workflows, shown to people before they approve; the real time is reported.
 */
export const STEP_ESTIMATES_MS = {
  validate_code: 30 * SECOND,
  run_tests: 5 * MINUTE,
  build_artifact: 3 * MINUTE,
  /** Without the canary watch, which is added from the policy. */
  deploy: 2 * MINUTE,
  rollback: 1 * MINUTE,
  notify: 5 * SECOND,
  service_status: 5 * SECOND,
  workflow_status: 5 * SECOND,
  read_logs: 5 * SECOND,
  summarize_costs: 5 * SECOND,
} as const satisfies Record<StepAction['action'], number>;

/** How far back a cost summary looks. */
export const COST_WINDOW_MS = 7 * DAY;
/** Parameters of the read-only steps. */
export const READ_DEFAULTS = { workflowRuns: 3, logFreshness: '1h', logLimit: 20, logSeverity: 'ERROR' } as const;

const APPROVAL_PREFIX = 'APPROVAL REQUIRED · ';

/** A step before it is numbered and priced. */
interface StepDraft {
  readonly title: string;
  readonly detail: string;
  readonly requiresApproval: boolean;
  readonly estimatedDurationMs: number;
  readonly params: StepAction;
}

/** A plan before it is numbered, priced and hashed. */
interface PlanDraft {
  readonly summary: string;
  readonly target: Target;
  readonly serviceSource: SlotSource | null;
  readonly steps: readonly StepDraft[];
  readonly question: string | null;
}

/**
 * Plans one command. Throws INVALID_INPUT for kinds that are not planned (approve, deny,
 * cancel, kill, unknown): the core handles those itself.
 */
export function planOperation(intent: Intent, ctx: PlannerContext): Plan {
  const draft = draftFor(intent, ctx);
  return assemble(intent, draft, ctx);
}

function draftFor(intent: Intent, ctx: PlannerContext): PlanDraft {
  switch (intent.kind) {
    case 'deploy':
      return planDeploy(intent, ctx);
    case 'rollback':
      return planRollback(intent, ctx);
    case 'status':
      return planReads(intent, ctx, 'status');
    case 'logs':
      return planReads(intent, ctx, 'logs');
    case 'cost':
      return planCost(intent, ctx);
    case 'approve':
    case 'deny':
    case 'cancel':
    case 'kill':
    case 'unknown':
      throw new HeyOpsError('INVALID_INPUT', `"${intent.kind}" commands are not planned; the core handles them directly.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Deploy and rollback
// ---------------------------------------------------------------------------------------------

function planDeploy(intent: Intent, ctx: PlannerContext): PlanDraft {
  const { service, environment } = intent;
  const target: Target = { service, environment };
  const summary = `deploy ${service ?? '?'}${intent.ref === null ? '' : ` (${intent.ref})`} → ${environment ?? '?'}`;
  const ask = (question: string): PlanDraft => ({ summary, target, serviceSource: intent.serviceSource, steps: [], question });

  if (service === null || environment === null) return ask(intent.question ?? missingTargetQuestion('deploy', service, environment, ctx.catalog));
  // The parser had a doubt about a command that changes things: ask rather than guess.
  if (intent.question !== null) return ask(intent.question);
  const entry = ctx.catalog.services[service];
  if (entry === undefined) return ask(unknownServiceQuestion(service, ctx.catalog));
  const ref = intent.ref ?? entry.branch;
  const sha = ctx.facts.commitSha;
  if (sha === null) return ask(`I could not find a commit for ref ${ref} in ${entry.repo}.`);

  const { owner, repo } = splitRepo(entry);
  const where = ctx.catalog.environments[environment];
  const imageUrl = fillImage(entry.image, { project: where.project, service, sha: shortSha(sha) });
  const approval = ctx.policy.approvals.requiredFor.includes(environment);
  const canary = environment === 'production';
  const { percent, windowMs, maxErrors } = ctx.policy.canary;
  const deployDetail = canary
    ? `canary ${percent}% for ${formatDuration(windowMs)}, full rollout if healthy`
    : `Cloud Run ${where.project}/${where.region} → ${imageUrl}`;

  const steps: StepDraft[] = [
    {
      title: 'Validate code',
      detail: `CI checks on ${shortSha(sha)} (${ref})`,
      requiresApproval: false,
      estimatedDurationMs: STEP_ESTIMATES_MS.validate_code,
      params: { action: 'validate_code', owner, repo, sha, ref },
    },
    {
      title: 'Run test suite',
      detail: `workflow ${entry.testsWorkflow} on ${ref}`,
      requiresApproval: false,
      estimatedDurationMs: STEP_ESTIMATES_MS.run_tests,
      params: { action: 'run_tests', owner, repo, workflow: entry.testsWorkflow, ref, sha },
    },
    {
      title: 'Build artifact',
      detail: `workflow ${entry.buildWorkflow} → ${imageUrl}`,
      requiresApproval: false,
      estimatedDurationMs: STEP_ESTIMATES_MS.build_artifact,
      params: { action: 'build_artifact', owner, repo, workflow: entry.buildWorkflow, ref, sha, imageUrl },
    },
    {
      title: 'Deploy',
      detail: approval ? APPROVAL_PREFIX + deployDetail : deployDetail,
      requiresApproval: approval,
      estimatedDurationMs: STEP_ESTIMATES_MS.deploy + (canary ? windowMs : 0),
      params: {
        action: 'deploy',
        project: where.project,
        region: where.region,
        service,
        imageUrl,
        strategy: canary ? 'canary' : 'direct',
        canaryPercent: percent,
        canaryWindowMs: windowMs,
        maxCanaryErrors: maxErrors,
      },
    },
    notifyStep(),
  ];
  return { summary, target, serviceSource: intent.serviceSource, steps, question: null };
}

function planRollback(intent: Intent, ctx: PlannerContext): PlanDraft {
  let { service, environment } = intent;
  let serviceSource = intent.serviceSource;
  let fromHistory = false;
  if (service === null && environment === null) {
    // "Roll back the last deployment": the core looked the last deployment up in the history.
    // The Safety Checker reads a target taken from context back to the user before it runs.
    const last = ctx.facts.lastDeployment;
    if (last === null || last.service === null || last.environment === null) {
      return {
        summary: 'roll back the last deployment',
        target: { service: null, environment: null },
        serviceSource,
        steps: [],
        question: 'There is no earlier deployment in the history; which service and environment?',
      };
    }
    service = last.service;
    environment = last.environment;
    serviceSource = 'context';
    fromHistory = true;
  }

  const target: Target = { service, environment };
  const summary = `roll back ${service ?? '?'} → ${environment ?? '?'}`;
  const ask = (question: string): PlanDraft => ({ summary, target, serviceSource, steps: [], question });

  if (service === null || environment === null) return ask(intent.question ?? missingTargetQuestion('rollback', service, environment, ctx.catalog));
  if (!fromHistory && intent.question !== null) return ask(intent.question);
  const entry = ctx.catalog.services[service];
  if (entry === undefined) return ask(unknownServiceQuestion(service, ctx.catalog));
  const toRevision = ctx.facts.previousRevision;
  if (toRevision === null) return ask(`${service} in ${environment} has no earlier revision to roll back to.`);

  const where = ctx.catalog.environments[environment];
  const approval = ctx.policy.approvals.requiredFor.includes(environment);
  const serving = ctx.facts.servingRevision;
  const detail = `100% traffic to ${toRevision}${serving === null ? '' : ` (now ${serving})`}`;
  const steps: StepDraft[] = [
    {
      title: 'Roll back traffic',
      detail: approval ? APPROVAL_PREFIX + detail : detail,
      requiresApproval: approval,
      estimatedDurationMs: STEP_ESTIMATES_MS.rollback,
      params: { action: 'rollback', project: where.project, region: where.region, service, toRevision },
    },
    notifyStep(),
  ];
  return { summary, target, serviceSource, steps, question: null };
}

function notifyStep(): StepDraft {
  return {
    title: 'Notify team',
    detail: '',
    requiresApproval: false,
    estimatedDurationMs: STEP_ESTIMATES_MS.notify,
    params: { action: 'notify', channel: 'desktop', audience: 'team' },
  };
}

// ---------------------------------------------------------------------------------------------
// Read-only plans
// ---------------------------------------------------------------------------------------------

/**
 * Status and logs. A null service means every catalog service (the parser leaves it null
 * only when the catalog has no default), a null environment every environment: reading more
 * than asked is harmless, guessing which one was meant is not.
 */
function planReads(intent: Intent, ctx: PlannerContext, kind: 'status' | 'logs'): PlanDraft {
  const target: Target = { service: intent.service, environment: intent.environment };
  const summary = `${kind === 'status' ? 'status' : 'logs'} of ${scopeText(intent.service, intent.environment)}`;
  if (intent.service !== null && ctx.catalog.services[intent.service] === undefined) {
    return { summary, target, serviceSource: intent.serviceSource, steps: [], question: unknownServiceQuestion(intent.service, ctx.catalog) };
  }
  const services = intent.service === null ? Object.keys(ctx.catalog.services) : [intent.service];
  const environments: readonly Environment[] = intent.environment === null ? ENVIRONMENTS : [intent.environment];

  const steps: StepDraft[] = [];
  for (const service of services) {
    for (const environment of environments) {
      const where = ctx.catalog.environments[environment];
      const location = { project: where.project, region: where.region, service };
      steps.push(
        kind === 'status'
          ? {
              title: `Status of ${service} in ${environment}`,
              detail: `Cloud Run ${where.project}/${where.region}/${service}`,
              requiresApproval: false,
              estimatedDurationMs: STEP_ESTIMATES_MS.service_status,
              params: { action: 'service_status', ...location },
            }
          : {
              title: `Logs of ${service} in ${environment}`,
              detail: `${READ_DEFAULTS.logSeverity} and above, last ${READ_DEFAULTS.logFreshness}, up to ${READ_DEFAULTS.logLimit} entries`,
              requiresApproval: false,
              estimatedDurationMs: STEP_ESTIMATES_MS.read_logs,
              params: {
                action: 'read_logs',
                ...location,
                freshness: READ_DEFAULTS.logFreshness,
                limit: READ_DEFAULTS.logLimit,
                minSeverity: READ_DEFAULTS.logSeverity,
              },
            },
      );
    }
    if (kind === 'status') {
      const entry = ctx.catalog.services[service];
      if (entry === undefined) continue;
      const { owner, repo } = splitRepo(entry);
      steps.push({
        title: `Recent runs of ${entry.repo}`,
        detail: `latest ${READ_DEFAULTS.workflowRuns} workflow runs`,
        requiresApproval: false,
        estimatedDurationMs: STEP_ESTIMATES_MS.workflow_status,
        params: { action: 'workflow_status', owner, repo, limit: READ_DEFAULTS.workflowRuns },
      });
    }
  }
  return { summary, target, serviceSource: intent.serviceSource, steps, question: null };
}

function planCost(intent: Intent, ctx: PlannerContext): PlanDraft {
  const service = intent.service;
  // Costs are recorded per service, not per environment.
  const target: Target = { service, environment: null };
  const summary = `costs of ${service ?? 'all services'} (last ${formatDays(COST_WINDOW_MS)})`;
  if (service !== null && ctx.catalog.services[service] === undefined) {
    return { summary, target, serviceSource: intent.serviceSource, steps: [], question: unknownServiceQuestion(service, ctx.catalog) };
  }
  const steps: StepDraft[] = [
    {
      title: 'Summarize costs',
      detail: `recorded operations of the last ${formatDays(COST_WINDOW_MS)} (${service ?? 'all services'})`,
      requiresApproval: false,
      estimatedDurationMs: STEP_ESTIMATES_MS.summarize_costs,
      params: { action: 'summarize_costs', service, sinceMs: COST_WINDOW_MS },
    },
  ];
  return { summary, target, serviceSource: intent.serviceSource, steps, question: null };
}

// ---------------------------------------------------------------------------------------------
// Assembly: numbering, prices, risk, hash
// ---------------------------------------------------------------------------------------------

/** The risk of a kind of change in an environment; an unknown environment counts as the worst. */
export function riskFor(kind: IntentKind, environment: Environment | null): Risk {
  if (kind !== 'deploy' && kind !== 'rollback') return 'LOW';
  return environment === 'dev' || environment === 'staging' ? 'MEDIUM' : 'HIGH';
}

function stepCost(step: StepDraft, ctx: PlannerContext): number {
  switch (step.params.action) {
    case 'run_tests':
    case 'build_artifact':
      return (step.estimatedDurationMs / MINUTE) * ctx.pricing.ciMinuteUsd;
    case 'deploy':
      return ctx.pricing.cloudRunDeployUsd;
    default:
      return 0;
  }
}

/** Keeps float noise (0.07400000000000001) out of plans and their JSON. */
function roundUsd(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

function assemble(intent: Intent, draft: PlanDraft, ctx: PlannerContext): Plan {
  const steps: PlanStep[] = draft.steps.map((step, i) => ({
    id: `step-${i + 1}`,
    index: i + 1,
    title: step.title,
    detail: step.detail,
    mutating: isMutatingAction(step.params.action),
    requiresApproval: step.requiresApproval,
    estimatedDurationMs: step.estimatedDurationMs,
    estimatedCostUsd: roundUsd(stepCost(step, ctx)),
    params: step.params,
  }));
  const hashed = { kind: intent.kind, target: draft.target, dryRun: intent.dryRun, steps };
  return PlanSchema.parse({
    id: ctx.planId,
    kind: intent.kind,
    summary: draft.summary,
    target: draft.target,
    serviceSource: draft.serviceSource,
    dryRun: intent.dryRun,
    risk: riskFor(intent.kind, draft.target.environment),
    requiresApproval: steps.some((step) => step.requiresApproval),
    steps,
    estimatedDurationMs: steps.reduce((sum, step) => sum + step.estimatedDurationMs, 0),
    estimatedComputeCostUsd: roundUsd(steps.reduce((sum, step) => sum + step.estimatedCostUsd, 0)),
    estimatedLlmCostUsd: intent.parser === 'llm' ? ctx.pricing.llmCallUsd : 0,
    hash: hashPlan(hashed),
    question: draft.question,
    createdAt: ctx.now,
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function splitRepo(entry: ServiceEntry): { owner: string; repo: string } {
  // The catalog schema guarantees "owner/name".
  const [owner = '', repo = ''] = entry.repo.split('/');
  return { owner, repo };
}

function fillImage(template: string, values: { project: string; service: string; sha: string }): string {
  return template.replaceAll('{project}', values.project).replaceAll('{service}', values.service).replaceAll('{sha}', values.sha);
}

/** "dev, staging or production". */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function scopeText(service: string | null, environment: Environment | null): string {
  return `${service ?? 'all services'}${environment === null ? ' (all environments)' : ` in ${environment}`}`;
}

function formatDays(ms: number): string {
  const days = ms / DAY;
  return days === 1 ? 'day' : `${days} days`;
}

function missingTargetQuestion(kind: 'deploy' | 'rollback', service: string | null, environment: Environment | null, catalog: Catalog): string {
  const environments = orList(ENVIRONMENTS);
  const services = orList(Object.keys(catalog.services));
  if (service !== null) {
    return kind === 'deploy'
      ? `Which environment should ${service} go to: ${environments}?`
      : `Which environment should ${service} be rolled back in: ${environments}?`;
  }
  if (environment !== null) {
    return kind === 'deploy' ? `Which service should I deploy to ${environment}: ${services}?` : `Which service should I roll back in ${environment}: ${services}?`;
  }
  return kind === 'deploy'
    ? `Which service should I deploy (${services}), and to which environment (${environments})?`
    : `Which service should I roll back (${services}), and in which environment (${environments})?`;
}

function unknownServiceQuestion(service: string, catalog: Catalog): string {
  const known = Object.keys(catalog.services);
  const list = known.length <= 1 ? known.join('') : `${known.slice(0, -1).join(', ')} and ${known.at(-1)}`;
  return `I don't know a service called "${service}"; the catalog has ${list}. Which one did you mean?`;
}
