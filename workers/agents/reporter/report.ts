/**
 * The Reporter: turns where an operation stands (its plan, verdict, approval, step results,
 * error) into what a person reads — one `headline` sentence for notifications and speech,
 * a several-line `text` for the window and the CLI — and `findings`, the machine-readable part
 * of what read-only steps found. Pure: time comes in as `now`.
 *
 * Step outputs come from executors (and through them from MCP servers), so they are read with
 * lenient schemas: a missing field leaves a line out, it never breaks the report.
 */
import { z } from 'zod';
import { formatDuration, formatUsd } from '../../../common/format.ts';
import {
  ErrorDataSchema,
  IntentKindSchema,
  OperationReportSchema,
  OperationStatusSchema,
  PlanSchema,
  SafetyVerdictSchema,
  StepResultSchema,
  TargetSchema,
  isFinalStatus,
  type OperationReport,
  type Plan,
  type PlanStep,
  type StepAction,
  type StepResult,
  type Target,
} from '../../../common/messages.ts';
import { renderPlan } from './render-plan.ts';

const IsoTimeSchema = z.iso.datetime({ offset: true });

export const ReportInputSchema = z
  .object({
    operationId: z.string().min(1).max(128),
    correlationId: z.string().min(1).max(128),
    kind: IntentKindSchema,
    target: TargetSchema,
    status: OperationStatusSchema,
    dryRun: z.boolean(),
    plan: PlanSchema.nullable(),
    verdict: SafetyVerdictSchema.nullable(),
    /** The pending approval request, for `pending_approval` reports. */
    approval: z.object({ id: z.string().min(1), expiresAt: IsoTimeSchema }).strict().nullable(),
    steps: z.array(StepResultSchema),
    error: ErrorDataSchema.nullable(),
    question: z.string().nullable(),
    startedAt: IsoTimeSchema,
    now: IsoTimeSchema,
  })
  .strict();
export type ReportInput = z.infer<typeof ReportInputSchema>;

// ---------------------------------------------------------------------------------------------
// What executors put in step outputs (see the GitHub, GCP and local executors)
// ---------------------------------------------------------------------------------------------

const ServiceStatusOutputSchema = z.object({
  service: z.string().optional(),
  project: z.string().optional(),
  region: z.string().optional(),
  url: z.string().nullable().optional(),
  ready: z.boolean().optional(),
  latestRevision: z.string().nullable().optional(),
  servingRevision: z.string().nullable().optional(),
  traffic: z.record(z.string(), z.number()).optional(),
  recentErrors: z.number().nullish(),
});
const WorkflowRunOutputSchema = z.object({
  id: z.number().optional(),
  workflow: z.string().nullable().optional(),
  branch: z.string().nullable().optional(),
  sha: z.string().optional(),
  status: z.string().nullable().optional(),
  conclusion: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  url: z.string().nullable().optional(),
});
const WorkflowStatusOutputSchema = z.object({ repo: z.string().optional(), runs: z.array(WorkflowRunOutputSchema).default([]) });
const LogEntryOutputSchema = z.object({
  timestamp: z.string().nullable().optional(),
  severity: z.string().nullable().optional(),
  revision: z.string().nullable().optional(),
  message: z.string().optional(),
});
const ReadLogsOutputSchema = z.object({
  service: z.string().optional(),
  project: z.string().optional(),
  count: z.number().optional(),
  entries: z.array(LogEntryOutputSchema).default([]),
});
const CostOutputSchema = z.object({
  since: z.string().optional(),
  totalUsd: z.number().default(0),
  operations: z.number().default(0),
  byService: z.record(z.string(), z.number()).default({}),
  lastDeployment: z
    .object({ service: z.string().nullable().optional(), environment: z.string().nullable().optional(), costUsd: z.number().optional(), finishedAt: z.string().nullable().optional() })
    .nullable()
    .optional(),
});
const ChangeOutputSchema = z.object({
  revision: z.string().optional(),
  previousRevision: z.string().nullable().optional(),
  canaryRevision: z.string().optional(),
  canaryErrors: z.number().optional(),
  rolledBack: z.boolean().optional(),
  alreadyServing: z.boolean().optional(),
  url: z.string().nullable().optional(),
  image: z.string().optional(),
});

/** How many log entries per service the text shows; `findings` keeps them all. */
const LOG_LINES_PER_SERVICE = 5;

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

export function buildReport(input: ReportInput): OperationReport {
  const view = new OperationView(input);
  const question = input.status === 'needs_input' ? view.question() : input.question;
  const { headline, text } = view.describe();
  return OperationReportSchema.parse({
    operationId: input.operationId,
    correlationId: input.correlationId,
    kind: input.kind,
    target: input.target,
    status: input.status,
    headline,
    text,
    dryRun: input.dryRun,
    risk: input.plan?.risk ?? null,
    approvalId: input.approval?.id ?? null,
    question,
    steps: input.steps,
    findings: view.findings(),
    durationMs: view.durationMs,
    costUsd: view.costUsd,
    error: input.error,
    createdAt: input.now,
  });
}

/** One step of the plan (when there is one) together with its result (when it has run). */
interface StepView {
  readonly index: number;
  readonly title: string;
  readonly planned: PlanStep | null;
  readonly result: StepResult | null;
}

class OperationView {
  readonly input: ReportInput;
  readonly durationMs: number;
  readonly costUsd: number;
  readonly steps: readonly StepView[];

  constructor(input: ReportInput) {
    this.input = input;
    const elapsed = Date.parse(input.now) - Date.parse(input.startedAt);
    this.durationMs = input.status === 'running' || isFinalStatus(input.status) ? Math.max(0, elapsed) : 0;
    this.costUsd = Math.round(input.steps.reduce((sum, step) => sum + costOf(step), 0) * 1e6) / 1e6;
    this.steps = stepViews(input.plan, input.steps);
  }

  /** "Deployment of api to staging", "Rollback of api in staging", "Status check of api (all environments)". */
  subject(): string {
    const { service, environment } = this.input.target;
    switch (this.input.kind) {
      case 'deploy':
        return ['Deployment', service && `of ${service}`, environment && `to ${environment}`].filter(Boolean).join(' ');
      case 'rollback':
        return ['Rollback', service && `of ${service}`, environment && `in ${environment}`].filter(Boolean).join(' ');
      case 'status':
        return `Status check of ${scopeText(this.input.target)}`;
      case 'logs':
        return `Log check of ${scopeText(this.input.target)}`;
      case 'cost':
        return `Cost summary for ${service ?? 'all services'}`;
      default:
        return 'The command';
    }
  }

  question(): string {
    const { input } = this;
    const asked = input.verdict?.decision === 'ask' ? input.verdict.findings[0]?.message : undefined;
    return input.question ?? input.plan?.question ?? asked ?? input.error?.message ?? 'I need more information to go ahead; please say the whole command again.';
  }

  describe(): { headline: string; text: string } {
    const { input } = this;
    const subject = this.subject();
    const planText = input.plan === null ? [] : [renderPlan(input.plan, input.verdict)];
    switch (input.status) {
      case 'planned':
        return this.lines(`${subject} is planned.`, planText);
      case 'pending_approval': {
        const approval = input.approval;
        if (approval === null) return this.lines(`${subject} is waiting for an approval by hand.`, planText);
        const headline = `${subject} is waiting for approval ${approval.id} (expires ${clock(approval.expiresAt)} UTC). Approve with: hey-ops approve ${approval.id}`;
        return this.lines(headline, [...planText, `Deny with: hey-ops deny ${approval.id}`]);
      }
      case 'approved':
        return this.lines(`${subject} was approved and starts as soon as a slot is free.`, planText);
      case 'queued':
        return this.lines(`${subject} is queued and starts as soon as a slot is free.`, planText);
      case 'running': {
        const next = this.steps.find((step) => step.result === null || step.result.status !== 'succeeded');
        const headline =
          next === undefined ? `${subject} is running.` : `${subject} is running: step ${next.index} of ${this.steps.length} (${next.title}).`;
        return this.lines(headline, this.progressLines());
      }
      case 'succeeded':
        return this.lines(this.successHeadline(subject), [...this.progressLines(), ...this.findingLines(), this.totalsLine()]);
      case 'failed': {
        const failed = this.steps.find((step) => step.result !== null && step.result.status !== 'succeeded' && step.result.status !== 'would_run');
        const message = failed?.result?.error?.message ?? input.error?.message ?? 'no reason was given';
        const headline = failed === undefined ? `${subject} failed: ${message}` : `${subject} failed at step ${failed.index} (${failed.title}): ${message}`;
        return this.lines(sentence(headline), [...this.progressLines(), ...this.findingLines(), this.totalsLine()]);
      }
      case 'cancelled': {
        const by = input.error?.code === 'KILL_SWITCH_ENGAGED' ? ' by the kill switch' : input.error?.code === 'CANCELLED' ? ' on request' : '';
        return this.lines(`${subject} was cancelled${by} ${this.when()}.`, [...this.progressLines(), this.totalsLine()]);
      }
      case 'interrupted':
        return this.lines(`${subject} was interrupted when Hey Ops stopped ${this.when()}; check the service before trying again.`, [
          ...this.progressLines(),
          this.totalsLine(),
        ]);
      case 'denied':
        return this.lines(`${subject} was denied; nothing was changed.`, this.planSummaryLines());
      case 'expired':
        return this.lines(`The approval for ${lowerFirst(subject)} expired; nothing was changed.`, this.planSummaryLines());
      case 'refused':
        return this.lines(this.refusalHeadline(), [...this.refusalDetails(), ...this.planSummaryLines(), ...this.budgetLines()]);
      case 'needs_input': {
        // A read-back ("deploy api → staging? Please confirm") shows the plan being confirmed.
        const showPlan = input.plan !== null && input.plan.steps.length > 0 ? planText : [];
        return this.lines(sentence(this.question()), showPlan);
      }
      case 'dry_run': {
        const plan = input.plan;
        if (plan === null) return this.lines(`Dry run of ${lowerFirst(subject)}: nothing was changed.`, []);
        const headline =
          plan.question !== null
            ? `Dry run of ${plan.summary}: ${plan.question}`
            : `Dry run: ${plan.summary} would take about ${formatDuration(plan.estimatedDurationMs)} in ${plural(plan.steps.length, 'step')} (risk ${plan.risk}); nothing was changed.`;
        return { headline, text: renderPlan(plan, input.verdict) };
      }
    }
  }

  private lines(headline: string, body: readonly string[]): { headline: string; text: string } {
    return { headline, text: [headline, ...body].join('\n') };
  }

  /** "during step 1 (Roll back traffic)", "after step 2 (Run test suite)", "before it started". */
  private when(): string {
    const stopped = this.steps.find((step) => step.result !== null && step.result.status !== 'succeeded');
    if (stopped !== undefined) return `during step ${stopped.index} (${stopped.title})`;
    const done = this.steps.filter((step) => step.result !== null);
    const last = done.at(-1);
    if (last === undefined) return 'before it started';
    const next = this.steps.find((step) => step.result === null);
    return next === undefined ? `after step ${last.index} (${last.title})` : `before step ${next.index} (${next.title})`;
  }

  private successHeadline(subject: string): string {
    const took = formatDuration(this.durationMs);
    switch (this.input.kind) {
      case 'status':
        return this.statusHeadline() ?? `${subject} completed in ${took}.`;
      case 'logs':
        return this.logsHeadline() ?? `${subject} completed in ${took}.`;
      case 'cost':
        return this.costHeadline() ?? `${subject} completed in ${took}.`;
      default:
        return `${subject} completed in ${took}.`;
    }
  }

  private statusHeadline(): string | null {
    const services = this.outputsOf('service_status', ServiceStatusOutputSchema);
    if (services.length === 0) return null;
    const notReady = services.filter(({ output }) => output.ready !== true).map(({ step }) => placeOf(step));
    const errors = services.reduce((sum, { output }) => sum + (output.recentErrors ?? 0), 0);
    const readiness = `${services.length - notReady.length} of ${services.length} ready${notReady.length > 0 ? ` (not ready: ${notReady.join(', ')})` : ''}`;
    return `Status of ${scopeText(this.input.target)}: ${readiness}, ${plural(errors, 'error')} in the last hour.`;
  }

  private logsHeadline(): string | null {
    const logs = this.outputsOf('read_logs', ReadLogsOutputSchema);
    const first = logs[0];
    if (first === undefined) return null;
    const params = first.params;
    const total = logs.reduce((sum, { output }) => sum + (output.count ?? output.entries.length), 0);
    const where = logs.filter(({ output }) => (output.count ?? output.entries.length) > 0).map(({ step }) => placeOf(step));
    const what = `${severityText(params)} in the last ${params.action === 'read_logs' ? params.freshness : '1h'}`;
    if (total === 0) return `Logs of ${scopeText(this.input.target)}: no entries ${what}.`;
    return `Logs of ${scopeText(this.input.target)}: ${plural(total, 'entry', 'entries')} ${what}${logs.length > 1 ? ` (${where.join(', ')})` : ''}.`;
  }

  private costHeadline(): string | null {
    const costs = this.outputsOf('summarize_costs', CostOutputSchema)[0];
    if (costs === undefined) return null;
    const sinceMs = costs.params.action === 'summarize_costs' ? costs.params.sinceMs : 0;
    return `Costs of ${this.input.target.service ?? 'all services'} in the last ${daysText(sinceMs)}: ${formatUsd(costs.output.totalUsd)} over ${plural(costs.output.operations, 'operation')}.`;
  }

  /** One line per step: what happened to it (or that it has not run). */
  private progressLines(): string[] {
    return this.steps.map((step) => {
      const result = step.result;
      const label = `  Step ${step.index}: ${step.title}`;
      if (result === null) return `${label}: not run`;
      const took = formatDuration(result.durationMs);
      switch (result.status) {
        case 'succeeded':
          return `${label}: succeeded in ${took}`;
        case 'failed':
          return `${label}: failed after ${took}${result.error === null ? '' : ` — ${result.error.message}`}`;
        case 'cancelled':
          return `${label}: cancelled after ${took}`;
        case 'skipped':
          return `${label}: skipped`;
        case 'would_run':
          return `${label}: would run`;
        case 'unknown':
          return `${label}: STARTED, OUTCOME UNKNOWN — it may have taken effect; check before running it again`;
      }
    });
  }

  private totalsLine(): string {
    return `Took ${formatDuration(this.durationMs)} · Cost ${formatUsd(this.costUsd)}`;
  }

  /** What the steps found, as lines under the step list. */
  private findingLines(): string[] {
    const lines: string[] = [];
    for (const { step, output } of this.outputsOf('service_status', ServiceStatusOutputSchema)) {
      const parts = [
        output.ready === true ? 'ready' : 'NOT READY',
        output.servingRevision ? `serving ${output.servingRevision}` : 'serving nothing',
        output.traffic && Object.keys(output.traffic).length > 0 ? `traffic ${trafficText(output.traffic)}` : null,
        output.latestRevision ? `latest ${output.latestRevision}` : null,
        output.recentErrors === undefined ? null : output.recentErrors === null ? 'error count unavailable (logs could not be read)' : `${plural(output.recentErrors, 'error')} in the last hour`,
        output.url ?? null,
      ];
      lines.push(`  ${placeOf(step)}: ${parts.filter((part) => part !== null).join(' · ')}`);
    }
    for (const { step, output } of this.outputsOf('workflow_status', WorkflowStatusOutputSchema)) {
      const repo = output.repo ?? (step.params.action === 'workflow_status' ? `${step.params.owner}/${step.params.repo}` : step.title);
      const runs = output.runs.map((run) => `${run.workflow ?? 'workflow'} ${run.conclusion ?? run.status ?? 'unknown'} on ${run.branch ?? '?'} (${run.sha ?? '?'})`);
      lines.push(`  ${repo} recent runs: ${runs.length === 0 ? 'none' : runs.join(' · ')}`);
    }
    for (const { step, output } of this.outputsOf('read_logs', ReadLogsOutputSchema)) {
      const count = output.count ?? output.entries.length;
      lines.push(`  ${placeOf(step)}: ${plural(count, 'entry', 'entries')}`);
      for (const entry of output.entries.slice(0, LOG_LINES_PER_SERVICE)) {
        const time = entry.timestamp ? entry.timestamp.slice(11, 19) : '--:--:--';
        lines.push(`    ${time} ${entry.severity ?? 'DEFAULT'} ${entry.revision ?? '-'}: ${entry.message ?? ''}`.trimEnd());
      }
      if (output.entries.length > LOG_LINES_PER_SERVICE) lines.push(`    … and ${output.entries.length - LOG_LINES_PER_SERVICE} more`);
    }
    for (const { output } of this.outputsOf('summarize_costs', CostOutputSchema)) {
      lines.push(`  Total: ${formatUsd(output.totalUsd)} over ${plural(output.operations, 'operation')}${output.since ? ` since ${output.since.slice(0, 10)}` : ''}`);
      const byService = Object.entries(output.byService).sort(([a], [b]) => a.localeCompare(b));
      if (byService.length > 0) lines.push(`  By service: ${byService.map(([service, usd]) => `${service} ${formatUsd(usd)}`).join(' · ')}`);
      const last = output.lastDeployment;
      if (last) {
        lines.push(
          `  Last deployment: ${last.service ?? '?'} → ${last.environment ?? '?'}${last.costUsd === undefined ? '' : ` (${formatUsd(last.costUsd)})`}${last.finishedAt ? `, finished ${clock(last.finishedAt)} UTC on ${last.finishedAt.slice(0, 10)}` : ''}`,
        );
      }
    }
    for (const { output } of [...this.outputsOf('deploy', ChangeOutputSchema), ...this.outputsOf('rollback', ChangeOutputSchema)]) {
      if (output.canaryRevision !== undefined) {
        lines.push(
          `  Canary ${output.canaryRevision}: ${plural(output.canaryErrors ?? 0, 'error')} in the watch window${output.rolledBack ? `; rolled back to ${output.previousRevision ?? 'the previous revision'}` : ''}`,
        );
      }
      if (output.revision !== undefined && output.rolledBack !== true) {
        const was = output.previousRevision && output.previousRevision !== output.revision ? ` (was ${output.previousRevision})` : '';
        lines.push(`  Now serving ${output.revision}${was}${output.alreadyServing ? ', which already served all traffic' : ''}${output.url ? ` at ${output.url}` : ''}`);
      }
    }
    return lines;
  }

  /** The machine-readable part of what the steps found. */
  findings(): Record<string, unknown> {
    const findings: Record<string, unknown> = {};
    const services = this.outputsOf('service_status', ServiceStatusOutputSchema);
    if (services.length > 0) findings.services = services.map(({ step, output }) => ({ stepId: step.id, place: placeOf(step), ...output }));
    const workflows = this.outputsOf('workflow_status', WorkflowStatusOutputSchema);
    if (workflows.length > 0) findings.workflows = workflows.map(({ step, output }) => ({ stepId: step.id, ...output }));
    const logs = this.outputsOf('read_logs', ReadLogsOutputSchema);
    if (logs.length > 0) findings.logs = logs.map(({ step, output }) => ({ stepId: step.id, place: placeOf(step), ...output }));
    const costs = this.outputsOf('summarize_costs', CostOutputSchema)[0];
    if (costs !== undefined) findings.costs = costs.output;
    const deploy = this.outputsOf('deploy', ChangeOutputSchema)[0];
    if (deploy !== undefined) findings.deployment = deploy.output;
    const rollback = this.outputsOf('rollback', ChangeOutputSchema)[0];
    if (rollback !== undefined) findings.rollback = rollback.output;
    return findings;
  }

  /** Outputs of the steps with this action that ran (succeeded, or failed with an output). */
  private outputsOf<S extends z.ZodType>(action: StepAction['action'], schema: S): Array<{ step: PlanStep; params: StepAction; output: z.infer<S> }> {
    const found: Array<{ step: PlanStep; params: StepAction; output: z.infer<S> }> = [];
    for (const view of this.steps) {
      if (view.planned === null || view.result === null || view.planned.params.action !== action) continue;
      if (Object.keys(view.result.output).length === 0) continue;
      const parsed = schema.safeParse(view.result.output);
      if (parsed.success) found.push({ step: view.planned, params: view.planned.params, output: parsed.data as z.infer<S> });
    }
    return found;
  }

  private refusalHeadline(): string {
    const { verdict, error } = this.input;
    // The Safety Checker words its findings (it knows the window and the retry time).
    const first = verdict?.findings[0];
    if (first !== undefined) return sentence(`Refused: ${lowerFirst(first.message)}`);
    if (error !== null) return sentence(`Refused: ${lowerFirst(error.message)}`);
    return 'Refused by the safety rules.';
  }

  /** The verdict's other reasons, when there are several. */
  private refusalDetails(): string[] {
    return (this.input.verdict?.findings ?? []).slice(1).map((finding) => `  ${finding.message}`);
  }

  private planSummaryLines(): string[] {
    const plan = this.input.plan;
    return plan === null ? [] : [`  Plan: ${plan.summary} (risk ${plan.risk})`];
  }

  private budgetLines(): string[] {
    const verdict = this.input.verdict;
    if (verdict === null) return [];
    const { deployBudget: d, rollbackBudget: r } = verdict;
    return [`  Deploy budget: ${d.used} of ${d.limit} used · Rollback budget: ${r.used} of ${r.limit} used`];
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function stepViews(plan: Plan | null, results: readonly StepResult[]): StepView[] {
  if (plan === null) {
    return results.map((result, i) => ({ index: i + 1, title: result.title, planned: null, result }));
  }
  const byId = new Map(results.map((result) => [result.stepId, result]));
  return plan.steps.map((step) => ({ index: step.index, title: step.title, planned: step, result: byId.get(step.id) ?? null }));
}

function costOf(step: StepResult): number {
  const cost = step.output.costUsd;
  return typeof cost === 'number' && Number.isFinite(cost) && cost > 0 ? cost : 0;
}

/** "api (all environments)", "all services in staging". */
function scopeText(target: Target): string {
  return `${target.service ?? 'all services'}${target.environment === null ? ' (all environments)' : ` in ${target.environment}`}`;
}

/** The place a read step looked at, from its title ("Status of api in staging" → "api in staging"). */
function placeOf(step: PlanStep): string {
  const match = /^(?:Status|Logs) of (.+)$/.exec(step.title);
  if (match?.[1]) return match[1];
  const params = step.params;
  return 'service' in params && typeof params.service === 'string' && 'project' in params ? `${params.service} (${params.project})` : step.title;
}

function severityText(params: StepAction): string {
  return params.action === 'read_logs' && params.minSeverity !== 'DEFAULT' ? `at ${params.minSeverity} or above` : 'of any severity';
}

function trafficText(traffic: Record<string, number>): string {
  return Object.entries(traffic)
    .sort(([, a], [, b]) => b - a)
    .map(([revision, percent]) => `${revision} ${percent}%`)
    .join(', ');
}

/** "10:42" from an ISO time, in UTC. */
function clock(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? '--:--' : new Date(time).toISOString().slice(11, 16);
}

function daysText(ms: number): string {
  const days = Math.round(ms / 86_400_000);
  return days === 1 ? 'day' : days >= 1 ? `${days} days` : formatDuration(ms);
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Ends the text with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trimEnd()) ? text.trimEnd() : `${text.trimEnd()}.`;
}
