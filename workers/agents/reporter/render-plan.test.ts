import { describe, expect, it } from 'vitest';
import { PolicySchema, PricingSchema, SANDBOX_CATALOG } from '../../../common/config.ts';
import { NO_FACTS, type Intent, type Plan, type SafetyVerdict } from '../../../common/messages.ts';
import { planOperation } from '../planner/plan.ts';
import { renderPlan } from './render-plan.ts';
import { anIntent } from '../../../common/fixtures/intent.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';

function plan(overrides: Partial<Intent> = {}): Plan {
  const intent: Intent = anIntent({ service: 'payments', environment: 'production', dryRun: true, normalizedText: 'deploy payments to production', ...overrides });
  return planOperation(intent, {
    catalog: SANDBOX_CATALOG,
    policy: PolicySchema.parse({}),
    pricing: PricingSchema.parse({}),
    facts: { ...NO_FACTS, commitSha: SHA },
    planId: 'op-1',
    now: '2025-06-01T10:00:00.000Z',
  });
}

function verdict(decision: SafetyVerdict['decision'], findings: SafetyVerdict['findings'], planHash = 'x'): SafetyVerdict {
  const budget = { used: 0, limit: 10, nextReturnsAt: null };
  return { planHash, decision, findings, retryAfterMs: null, countsAgainstBudget: 'none', deployBudget: budget, rollbackBudget: budget, stateRevision: 1, checkedAt: '2025-06-01T10:00:00.000Z' };
}

describe('renderPlan', () => {
  it('lays out a production dry run exactly as the product brief shows it', () => {
    expect(renderPlan(plan(), null).split('\n')).toEqual([
      'Execution Plan (DRY RUN): deploy payments → production',
      '  Step 1: Validate code (30s)      CI checks on abc1234 (main)',
      '  Step 2: Run test suite (5m)      workflow tests.yml on main',
      '  Step 3: Build artifact (3m)      workflow build.yml → us-docker.pkg.dev/acme-prod/payments/payments:abc1234',
      '  Step 4: Deploy (7m)              APPROVAL REQUIRED · canary 10% for 5m, full rollout if healthy',
      '  Step 5: Notify team (5s)',
      'Total estimated time: 15m 35s · Estimated cost: $0.07 compute + $0.00 LLM · Risk: HIGH',
    ]);
  });

  it('keeps the same layout under a dry-run allow verdict that only repeats the approval', () => {
    const allow = verdict('allow', [
      { rule: 'dry_run', message: 'Dry run: nothing will be changed and no budget is spent.' },
      { rule: 'approval', message: 'The real run needs an approval by hand (production).' },
    ]);
    expect(renderPlan(plan(), allow)).toBe(renderPlan(plan(), null));
  });

  it('drops "(DRY RUN)" from the header for a real run and shows the LLM cost', () => {
    const lines = renderPlan(plan({ dryRun: false, parser: 'llm' }), null).split('\n');
    expect(lines[0]).toBe('Execution Plan: deploy payments → production');
    expect(lines.at(-1)).toBe('Total estimated time: 15m 35s · Estimated cost: $0.07 compute + $0.02 LLM · Risk: HIGH');
  });

  it('adds the reason when the verdict refuses', () => {
    const refused = verdict('refuse', [{ rule: 'kill_switch', message: 'The kill switch is engaged: no changes until it is released by hand (hey-ops kill --release).' }]);
    expect(renderPlan(plan({ dryRun: false }), refused).split('\n').at(-1)).toBe(
      'Refused: The kill switch is engaged: no changes until it is released by hand (hey-ops kill --release).',
    );
  });

  it('adds the question when the verdict asks for a confirmation', () => {
    const ask = verdict('ask', [{ rule: 'needs_confirmation', message: 'Deploy payments → production? Please confirm (I am only 40% sure I understood).' }]);
    expect(renderPlan(plan({ dryRun: false }), ask).split('\n').at(-1)).toBe('Question: Deploy payments → production? Please confirm (I am only 40% sure I understood).');
  });

  it('notes what the real run would meet when a dry run is allowed', () => {
    const allow = verdict('allow', [{ rule: 'deploy_budget', message: 'The real run would be refused: deploy budget used up.' }]);
    expect(renderPlan(plan(), allow).split('\n').at(-1)).toBe('Note: The real run would be refused: deploy budget used up.');
  });

  it('renders a plan that asks as its header and question, once, with no totals', () => {
    const asking = plan({ environment: null, environmentSource: null });
    const ask = verdict('ask', [{ rule: 'needs_target', message: asking.question ?? '' }]);
    expect(renderPlan(asking, ask).split('\n')).toEqual([
      'Execution Plan (DRY RUN): deploy payments → ?',
      'Question: Which environment should payments go to: dev, staging or production?',
    ]);
  });

  it('widens the label column for long step titles and never leaves trailing spaces', () => {
    const status = plan({ kind: 'status', service: 'payments', environment: null, dryRun: false });
    const lines = renderPlan(status, null).split('\n');
    expect(lines).toEqual([
      'Execution Plan: status of payments (all environments)',
      '  Step 1: Status of payments in dev (5s)         Cloud Run acme-dev/us-central1/payments',
      '  Step 2: Status of payments in staging (5s)     Cloud Run acme-staging/us-central1/payments',
      '  Step 3: Status of payments in production (5s)  Cloud Run acme-prod/us-central1/payments',
      '  Step 4: Recent runs of acme/payments (5s)      latest 3 workflow runs',
      'Total estimated time: 20s · Estimated cost: $0.00 compute + $0.00 LLM · Risk: LOW',
    ]);
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });
});
