/**
 * The plan as people read it before anything runs (dry runs, approval requests, `--json`-less
 * CLI output):
 *
 * ```
 * Execution Plan (DRY RUN): deploy payments → production
 *   Step 1: Validate code (30s)      CI checks on abc1234 (main)
 *   ...
 *   Step 5: Notify team (5s)
 * Total estimated time: 15m 35s · Estimated cost: $0.07 compute + $0.00 LLM · Risk: HIGH
 * ```
 *
 * Step labels ("Step 1: Validate code (30s)") are padded to one column so the details line
 * up; lines never end in spaces.
 */
import { formatDuration, formatUsd } from '../../../common/format.ts';
import type { Plan, SafetyFinding, SafetyVerdict } from '../../../common/messages.ts';

const INDENT = '  ';
/** Labels are padded to at least this width, so short plans keep the familiar layout. */
const MIN_LABEL_WIDTH = 31;
const GAP = 2;

/** Findings of an `allow` verdict that still deserve a line: what the real run would meet. */
const WARNING_RULES: ReadonlyArray<SafetyFinding['rule']> = ['kill_switch', 'deploy_budget', 'rollback_budget'];

export function renderPlan(plan: Plan, verdict: SafetyVerdict | null): string {
  const lines: string[] = [`Execution Plan${plan.dryRun ? ' (DRY RUN)' : ''}: ${plan.summary}`];

  const labels = plan.steps.map((step) => `Step ${step.index}: ${step.title} (${formatDuration(step.estimatedDurationMs)})`);
  const width = Math.max(MIN_LABEL_WIDTH, ...labels.map((label) => label.length)) + GAP;
  plan.steps.forEach((step, i) => {
    const label = labels[i] ?? '';
    lines.push(step.detail === '' ? INDENT + label : INDENT + label.padEnd(width) + step.detail);
  });

  if (plan.steps.length > 0) {
    lines.push(
      `Total estimated time: ${formatDuration(plan.estimatedDurationMs)} · ` +
        `Estimated cost: ${formatUsd(plan.estimatedComputeCostUsd)} compute + ${formatUsd(plan.estimatedLlmCostUsd)} LLM · ` +
        `Risk: ${plan.risk}`,
    );
  }

  lines.push(...verdictLines(plan, verdict));
  return lines.join('\n');
}

/** The question and the verdict's reasons, each said once. */
function verdictLines(plan: Plan, verdict: SafetyVerdict | null): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (prefix: string, message: string): void => {
    if (seen.has(message)) return;
    seen.add(message);
    out.push(`${prefix}: ${message}`);
  };
  if (plan.question !== null) add('Question', plan.question);
  if (verdict === null) return out;
  for (const finding of verdict.findings) {
    if (verdict.decision === 'refuse') add('Refused', finding.message);
    else if (verdict.decision === 'ask') add('Question', finding.message);
    else if (WARNING_RULES.includes(finding.rule)) add('Note', finding.message);
  }
  return out;
}
