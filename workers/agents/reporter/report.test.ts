import { describe, expect, it } from 'vitest';
import { PolicySchema, PricingSchema, SANDBOX_CATALOG } from '../../../common/config.ts';
import {
  NO_FACTS,
  OperationReportSchema,
  type ErrorData,
  type Intent,
  type Plan,
  type PlanningFacts,
  type SafetyVerdict,
  type StepResult,
} from '../../../common/messages.ts';
import { anIntent } from '../../../common/fixtures/intent.ts';
import { planOperation } from '../planner/plan.ts';
import { buildReport, type ReportInput } from './report.ts';
import { renderPlan } from './render-plan.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';
const START = '2025-06-01T10:00:00.000Z';

function plan(overrides: Partial<Intent> = {}, facts: Partial<PlanningFacts> = {}): Plan {
  const intent: Intent = anIntent(overrides);
  return planOperation(intent, {
    catalog: SANDBOX_CATALOG,
    policy: PolicySchema.parse({}),
    pricing: PricingSchema.parse({}),
    facts: { ...NO_FACTS, commitSha: SHA, servingRevision: 'api-00012-abc', previousRevision: 'api-00011-xyz', ...facts },
    planId: 'op-1',
    now: START,
  });
}

function result(p: Plan, index: number, status: StepResult['status'], output: Record<string, unknown> = {}, error: ErrorData | null = null, durationMs = 1_000): StepResult {
  const step = p.steps[index - 1];
  if (step === undefined) throw new Error(`no step ${index}`);
  return { operationId: 'op-1', stepId: step.id, title: step.title, status, startedAt: START, finishedAt: START, durationMs, toolCalls: [], output, error };
}

function input(p: Plan | null, overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    operationId: 'op-1',
    correlationId: 'corr-1',
    kind: p?.kind ?? 'deploy',
    target: p?.target ?? { service: 'api', environment: 'staging' },
    status: 'succeeded',
    dryRun: p?.dryRun ?? false,
    plan: p,
    verdict: null,
    approval: null,
    steps: [],
    error: null,
    question: null,
    startedAt: START,
    now: '2025-06-01T10:04:32.000Z',
    ...overrides,
  };
}

function verdict(decision: SafetyVerdict['decision'], findings: SafetyVerdict['findings'], extra: Partial<SafetyVerdict> = {}): SafetyVerdict {
  const budget = { used: 0, limit: 10, nextReturnsAt: null };
  return {
    planHash: 'x',
    decision,
    findings,
    retryAfterMs: null,
    countsAgainstBudget: 'none',
    deployBudget: budget,
    rollbackBudget: { used: 0, limit: 5, nextReturnsAt: null },
    stateRevision: 1,
    checkedAt: START,
    ...extra,
  };
}

describe('buildReport headlines, one per status', () => {
  it('succeeded: says how long the deployment took, and sums step costs', () => {
    const p = plan();
    const steps = [1, 2, 3, 4, 5].map((i) => result(p, i, 'succeeded', { costUsd: i === 2 ? 0.03 : i === 4 ? 0.01 : 0 }));
    const report = buildReport(input(p, { steps }));
    expect(report.headline).toBe('Deployment of api to staging completed in 4m 32s.');
    expect(report.durationMs).toBe(272_000);
    expect(report.costUsd).toBe(0.04);
    expect(report.risk).toBe('MEDIUM');
    expect(report.text.split('\n')).toContain('  Step 2: Run test suite: succeeded in 1s');
    expect(report.text.split('\n').at(-1)).toBe('Took 4m 32s · Cost $0.04');
  });

  it('failed: names the step that failed and its error', () => {
    const p = plan();
    const steps = [result(p, 1, 'succeeded'), result(p, 2, 'failed', {}, { code: 'STEP_FAILED', message: 'tests.yml run 42 concluded failure' })];
    const report = buildReport(input(p, { status: 'failed', steps, error: { code: 'STEP_FAILED', message: 'tests.yml run 42 concluded failure' } }));
    expect(report.headline).toBe('Deployment of api to staging failed at step 2 (Run test suite): tests.yml run 42 concluded failure.');
    expect(report.text.split('\n')).toContain('  Step 3: Build artifact: not run');
  });

  it('failed before any step: gives the error', () => {
    const report = buildReport(input(null, { status: 'failed', error: { code: 'MCP_CONNECT_FAILED', message: 'could not start the github server' } }));
    expect(report.headline).toBe('Deployment of api to staging failed: could not start the github server.');
  });

  it('pending_approval: gives the approval id, its expiry and the command to approve', () => {
    const p = plan({ service: 'payments', environment: 'production' });
    const report = buildReport(input(p, { status: 'pending_approval', approval: { id: 'a1b2c3', expiresAt: '2025-06-01T10:42:00.000Z' } }));
    expect(report.headline).toBe('Deployment of payments to production is waiting for approval a1b2c3 (expires 10:42 UTC). Approve with: hey-ops approve a1b2c3');
    expect(report.approvalId).toBe('a1b2c3');
    expect(report.durationMs).toBe(0);
    expect(report.text).toContain(renderPlan(p, null));
    expect(report.text.split('\n').at(-1)).toBe('Deny with: hey-ops deny a1b2c3');
  });

  it('refused: explains a used-up budget and when the next deploy is possible', () => {
    const p = plan();
    const refused = verdict('refuse', [{ rule: 'deploy_budget', message: 'The deploy budget is used up (10 of 10 in the last 1h); the next one is possible at 11:02 UTC (in 23m).' }], {
      retryAfterMs: 23 * 60_000,
      deployBudget: { used: 10, limit: 10, nextReturnsAt: '2025-06-01T11:02:00.000Z' },
    });
    const report = buildReport(input(p, { status: 'refused', verdict: refused, now: '2025-06-01T10:39:00.000Z' }));
    // The Safety Checker's wording is passed on, so it stays true to the configured window.
    expect(report.headline).toBe('Refused: the deploy budget is used up (10 of 10 in the last 1h); the next one is possible at 11:02 UTC (in 23m).');
    expect(report.text).toContain('  Deploy budget: 10 of 10 used · Rollback budget: 0 of 5 used');
  });

  it('refused: passes on the kill switch reason', () => {
    const refused = verdict('refuse', [{ rule: 'kill_switch', message: 'The kill switch is engaged (by alice): no changes until it is released by hand (hey-ops kill --release).' }]);
    const report = buildReport(input(plan(), { status: 'refused', verdict: refused }));
    expect(report.headline).toBe('Refused: the kill switch is engaged (by alice): no changes until it is released by hand (hey-ops kill --release).');
  });

  it('cancelled: says the kill switch stopped it and during which step', () => {
    const p = plan({ kind: 'rollback' });
    const steps = [result(p, 1, 'cancelled', {}, { code: 'KILL_SWITCH_ENGAGED', message: 'Stopped by the kill switch.' })];
    const report = buildReport(input(p, { status: 'cancelled', steps, error: { code: 'KILL_SWITCH_ENGAGED', message: 'Stopped by the kill switch.' } }));
    expect(report.headline).toBe('Rollback of api in staging was cancelled by the kill switch during step 1 (Roll back traffic).');
  });

  it('cancelled: on request, before it started', () => {
    const report = buildReport(input(plan(), { status: 'cancelled', error: { code: 'CANCELLED', message: 'Cancelled on request.' } }));
    expect(report.headline).toBe('Deployment of api to staging was cancelled on request before it started.');
  });

  it('needs_input: the question is the headline and the report question', () => {
    const p = plan({ environment: null, environmentSource: null });
    const report = buildReport(input(p, { status: 'needs_input', question: p.question }));
    expect(report.headline).toBe('Which environment should api go to: dev, staging or production?');
    expect(report.question).toBe('Which environment should api go to: dev, staging or production?');
    expect(report.target).toEqual({ service: 'api', environment: null });
  });

  it('needs_input: a read-back confirmation shows the plan being confirmed', () => {
    const p = plan();
    const ask = verdict('ask', [{ rule: 'needs_confirmation', message: 'Deploy api → staging? Please confirm (I am only 40% sure I understood).' }]);
    const report = buildReport(input(p, { status: 'needs_input', verdict: ask }));
    expect(report.headline).toBe('Deploy api → staging? Please confirm (I am only 40% sure I understood).');
    expect(report.text).toContain('Execution Plan: deploy api → staging');
  });

  it('dry_run: the text is the rendered plan', () => {
    const p = plan({ service: 'payments', environment: 'production', dryRun: true });
    const report = buildReport(input(p, { status: 'dry_run', dryRun: true }));
    expect(report.headline).toBe('Dry run: deploy payments → production would take about 15m 35s in 5 steps (risk HIGH); nothing was changed.');
    expect(report.text).toBe(renderPlan(p, null));
    expect(report.dryRun).toBe(true);
  });

  it('planned, approved and queued: say where the operation stands', () => {
    const p = plan({ service: 'payments', environment: 'production' });
    expect(buildReport(input(p, { status: 'planned' })).headline).toBe('Deployment of payments to production is planned.');
    expect(buildReport(input(p, { status: 'approved' })).headline).toBe('Deployment of payments to production was approved and starts as soon as a slot is free.');
    expect(buildReport(input(p, { status: 'queued' })).headline).toBe('Deployment of payments to production is queued and starts as soon as a slot is free.');
  });

  it('running: names the step in progress', () => {
    const p = plan();
    const report = buildReport(input(p, { status: 'running', steps: [result(p, 1, 'succeeded')] }));
    expect(report.headline).toBe('Deployment of api to staging is running: step 2 of 5 (Run test suite).');
    expect(report.durationMs).toBe(272_000);
  });

  it('denied and expired: say nothing was changed', () => {
    const p = plan({ service: 'payments', environment: 'production' });
    expect(buildReport(input(p, { status: 'denied' })).headline).toBe('Deployment of payments to production was denied; nothing was changed.');
    expect(buildReport(input(p, { status: 'expired' })).headline).toBe('The approval for deployment of payments to production expired; nothing was changed.');
  });

  it('interrupted: says where it stopped and to check before retrying', () => {
    const p = plan();
    const report = buildReport(input(p, { status: 'interrupted', steps: [result(p, 1, 'succeeded'), result(p, 2, 'succeeded')] }));
    expect(report.headline).toBe('Deployment of api to staging was interrupted when Hey Ops stopped before step 3 (Build artifact); check the service before trying again.');
  });
});

describe('buildReport findings for read-only operations', () => {
  it('summarizes service status per environment and the latest workflow runs', () => {
    const p = plan({ kind: 'status', environment: null });
    const status = (env: string, ready: boolean, recentErrors: number): Record<string, unknown> => ({
      service: 'api',
      project: `acme-${env}`,
      region: 'us-central1',
      url: `https://api-${env}.a.run.app`,
      ready,
      latestRevision: 'api-00012-abc',
      servingRevision: 'api-00012-abc',
      traffic: { 'api-00012-abc': 90, 'api-00011-xyz': 10 },
      recentErrors,
      costUsd: 0,
    });
    const steps = [
      result(p, 1, 'succeeded', status('dev', true, 0)),
      result(p, 2, 'succeeded', status('staging', false, 2)),
      result(p, 3, 'succeeded', status('prod', true, 1)),
      result(p, 4, 'succeeded', {
        repo: 'acme/api',
        runs: [{ id: 7, workflow: 'Tests', branch: 'main', sha: 'abc1234', event: 'push', status: 'completed', conclusion: 'success', createdAt: START, url: null }],
      }),
    ];
    const report = buildReport(input(p, { steps }));
    expect(report.headline).toBe('Status of api (all environments): 2 of 3 ready (not ready: api in staging), 3 errors in the last hour.');
    expect(report.text).toContain(
      '  api in staging: NOT READY · serving api-00012-abc · traffic api-00012-abc 90%, api-00011-xyz 10% · latest api-00012-abc · 2 errors in the last hour · https://api-staging.a.run.app',
    );
    expect(report.text).toContain('  acme/api recent runs: Tests success on main (abc1234)');
    const services = report.findings.services as Array<Record<string, unknown>>;
    expect(services.map((service) => [service.place, service.ready, service.recentErrors])).toEqual([
      ['api in dev', true, 0],
      ['api in staging', false, 2],
      ['api in production', true, 1],
    ]);
    expect(report.findings.workflows).toEqual([expect.objectContaining({ stepId: 'step-4', repo: 'acme/api' })]);
  });

  it('summarizes error logs with the entries found', () => {
    const p = plan({ kind: 'logs' });
    const output = {
      service: 'api',
      project: 'acme-staging',
      count: 2,
      entries: [
        { timestamp: '2025-06-01T09:58:01.000Z', severity: 'ERROR', revision: 'api-00012-abc', message: 'upstream timeout' },
        { timestamp: '2025-06-01T09:59:30.000Z', severity: 'ERROR', revision: 'api-00012-abc', message: 'db connection refused' },
      ],
    };
    const report = buildReport(input(p, { steps: [result(p, 1, 'succeeded', output)] }));
    expect(report.headline).toBe('Logs of api in staging: 2 entries at ERROR or above in the last 1h.');
    expect(report.text).toContain('    09:58:01 ERROR api-00012-abc: upstream timeout');
    expect(report.findings.logs).toEqual([expect.objectContaining({ place: 'api in staging', count: 2 })]);
  });

  it('summarizes costs by service', () => {
    const p = plan({ kind: 'cost', service: null, environment: null });
    const output = {
      since: '2025-05-25T10:00:00.000Z',
      service: null,
      totalUsd: 0.153,
      total: '$0.15',
      operations: 3,
      byService: { web: 0.05, api: 0.103 },
      lastDeployment: { operationId: 'op-0', service: 'api', environment: 'staging', costUsd: 0.05, finishedAt: '2025-05-31T17:20:00.000Z' },
    };
    const report = buildReport(input(p, { steps: [result(p, 1, 'succeeded', output)] }));
    expect(report.headline).toBe('Costs of all services in the last 7 days: $0.15 over 3 operations.');
    expect(report.text).toContain('  By service: api $0.10 · web $0.05');
    expect(report.text).toContain('  Last deployment: api → staging ($0.05), finished 17:20 UTC on 2025-05-31');
    expect(report.findings.costs).toMatchObject({ totalUsd: 0.153, operations: 3 });
  });

  it('reports what a deployment now serves', () => {
    const p = plan();
    const steps = [1, 2, 3, 5].map((i) => result(p, i, 'succeeded'));
    steps.splice(3, 0, result(p, 4, 'succeeded', { revision: 'api-00013-new', url: 'https://api-staging.a.run.app', image: 'img', traffic: { 'api-00013-new': 100 } }));
    const report = buildReport(input(p, { steps }));
    expect(report.text).toContain('  Now serving api-00013-new at https://api-staging.a.run.app');
    expect(report.findings.deployment).toMatchObject({ revision: 'api-00013-new' });
  });

  it('always produces a schema-valid report', () => {
    const report = buildReport(input(plan(), { status: 'succeeded' }));
    expect(OperationReportSchema.safeParse(report).success).toBe(true);
    expect(report.createdAt).toBe('2025-06-01T10:04:32.000Z');
    expect(report.correlationId).toBe('corr-1');
  });
});
