import { describe, expect, it } from 'vitest';
import { PolicySchema, PricingSchema, SANDBOX_CATALOG } from '../../../common/config.ts';
import { HeyOpsError } from '../../../common/errors.ts';
import { NO_FACTS, PlanSchema, type Intent, type IntentKind, type PlanningFacts } from '../../../common/messages.ts';
import { planOperation, type PlannerContext } from './plan.ts';
import { anIntent } from '../../../common/fixtures/intent.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';

function intent(overrides: Partial<Intent> = {}): Intent {
  return anIntent(overrides);
}

function context(facts: Partial<PlanningFacts> = {}, policy: Record<string, unknown> = {}): PlannerContext {
  return {
    catalog: SANDBOX_CATALOG,
    policy: PolicySchema.parse(policy),
    pricing: PricingSchema.parse({}),
    facts: { ...NO_FACTS, commitSha: SHA, servingRevision: 'api-00012-abc', previousRevision: 'api-00011-xyz', ...facts },
    planId: 'op-1',
    now: '2025-06-01T10:00:00.000Z',
  };
}

describe('planOperation: deploy', () => {
  it('plans a production deploy as five steps with a canary and an approval on the deploy step', () => {
    const plan = planOperation(intent({ service: 'payments', environment: 'production' }), context());
    expect(plan.summary).toBe('deploy payments → production');
    expect(plan.steps.map((step) => [step.id, step.index, step.title, step.params.action])).toEqual([
      ['step-1', 1, 'Validate code', 'validate_code'],
      ['step-2', 2, 'Run test suite', 'run_tests'],
      ['step-3', 3, 'Build artifact', 'build_artifact'],
      ['step-4', 4, 'Deploy', 'deploy'],
      ['step-5', 5, 'Notify team', 'notify'],
    ]);
    expect(plan.steps.map((step) => step.detail)).toEqual([
      'CI checks on abc1234 (main)',
      'workflow tests.yml on main',
      'workflow build.yml → us-docker.pkg.dev/acme-prod/payments/payments:abc1234',
      'APPROVAL REQUIRED · canary 10% for 5m, full rollout if healthy',
      '',
    ]);
    expect(plan.steps.map((step) => step.requiresApproval)).toEqual([false, false, false, true, false]);
    expect(plan.steps[3]?.params).toEqual({
      action: 'deploy',
      project: 'acme-prod',
      region: 'us-central1',
      service: 'payments',
      imageUrl: 'us-docker.pkg.dev/acme-prod/payments/payments:abc1234',
      strategy: 'canary',
      canaryPercent: 10,
      canaryWindowMs: 300_000,
      maxCanaryErrors: 5,
    });
    expect(plan.steps.map((step) => step.estimatedDurationMs)).toEqual([30_000, 300_000, 180_000, 420_000, 5_000]);
    expect(plan.estimatedDurationMs).toBe(935_000);
    expect(plan.risk).toBe('HIGH');
    expect(plan.requiresApproval).toBe(true);
    expect(plan.question).toBeNull();
  });

  it('binds the full commit sha and the image built from it into the step parameters', () => {
    const plan = planOperation(intent({ service: 'payments', environment: 'production' }), context());
    expect(plan.steps[0]?.params).toEqual({ action: 'validate_code', owner: 'acme', repo: 'payments', sha: SHA, ref: 'main' });
    expect(plan.steps[1]?.params).toEqual({ action: 'run_tests', owner: 'acme', repo: 'payments', workflow: 'tests.yml', ref: 'main', sha: SHA });
    expect(plan.steps[2]?.params).toEqual({
      action: 'build_artifact',
      owner: 'acme',
      repo: 'payments',
      workflow: 'build.yml',
      ref: 'main',
      sha: SHA,
      imageUrl: 'us-docker.pkg.dev/acme-prod/payments/payments:abc1234',
    });
    expect(plan.steps[4]?.params).toEqual({ action: 'notify', channel: 'desktop', audience: 'team' });
  });

  it('prices CI minutes and the Cloud Run deploy, and adds the LLM call only when the LLM parsed', () => {
    const grammar = planOperation(intent({ environment: 'production' }), context());
    expect(grammar.steps.map((step) => step.estimatedCostUsd)).toEqual([0, 0.04, 0.024, 0.01, 0]);
    expect(grammar.estimatedComputeCostUsd).toBe(0.074);
    expect(grammar.estimatedLlmCostUsd).toBe(0);
    const llm = planOperation(intent({ environment: 'production', parser: 'llm' }), context());
    expect(llm.estimatedLlmCostUsd).toBe(0.02);
  });

  it('plans a staging deploy as a direct rollout with no approval and MEDIUM risk', () => {
    const plan = planOperation(intent(), context());
    const deploy = plan.steps[3];
    expect(deploy?.params).toMatchObject({ action: 'deploy', project: 'acme-staging', strategy: 'direct', imageUrl: 'us-docker.pkg.dev/acme-staging/api/api:abc1234' });
    expect(deploy?.detail).toBe('Cloud Run acme-staging/us-central1 → us-docker.pkg.dev/acme-staging/api/api:abc1234');
    expect(deploy?.estimatedDurationMs).toBe(120_000);
    expect(plan.steps.every((step) => !step.requiresApproval)).toBe(true);
    expect(plan.requiresApproval).toBe(false);
    expect(plan.risk).toBe('MEDIUM');
    expect(planOperation(intent({ environment: 'dev' }), context()).risk).toBe('MEDIUM');
  });

  it('marks exactly the steps that change the world as mutating', () => {
    const plan = planOperation(intent(), context());
    expect(plan.steps.map((step) => step.mutating)).toEqual([false, true, true, true, false]);
  });

  it('requires approval for whichever environments the policy names', () => {
    const plan = planOperation(intent(), context({}, { approvals: { requiredFor: ['staging', 'production'] } }));
    expect(plan.requiresApproval).toBe(true);
    expect(plan.steps[3]?.detail).toBe('APPROVAL REQUIRED · Cloud Run acme-staging/us-central1 → us-docker.pkg.dev/acme-staging/api/api:abc1234');
  });

  it('deploys the ref the user named instead of the catalog branch', () => {
    const plan = planOperation(intent({ ref: 'v1.4.2' }), context());
    expect(plan.summary).toBe('deploy api (v1.4.2) → staging');
    expect(plan.steps[0]?.detail).toBe('CI checks on abc1234 (v1.4.2)');
    expect(plan.steps[1]?.params).toMatchObject({ ref: 'v1.4.2' });
  });

  it('takes dryRun from the intent', () => {
    expect(planOperation(intent({ dryRun: true }), context()).dryRun).toBe(true);
    expect(planOperation(intent(), context()).dryRun).toBe(false);
  });

  it('returns a plan that validates against PlanSchema, with the context id and time', () => {
    const plan = planOperation(intent(), context());
    expect(PlanSchema.safeParse(plan).success).toBe(true);
    expect(plan.id).toBe('op-1');
    expect(plan.createdAt).toBe('2025-06-01T10:00:00.000Z');
    expect(plan.serviceSource).toBe('utterance');
  });

  it('is deterministic: the same intent and context give the same plan and hash', () => {
    expect(planOperation(intent({ environment: 'production' }), context())).toEqual(planOperation(intent({ environment: 'production' }), context()));
  });
});

describe('planOperation: questions instead of guesses', () => {
  it('asks which environment when none was given, never defaulting to production', () => {
    const plan = planOperation(intent({ environment: null, environmentSource: null }), context());
    expect(plan.steps).toEqual([]);
    expect(plan.question).toBe('Which environment should api go to: dev, staging or production?');
    expect(plan.requiresApproval).toBe(false);
    expect(plan.target).toEqual({ service: 'api', environment: null });
  });

  it("uses the parser's question when it asked one", () => {
    const plan = planOperation(intent({ environment: null, question: 'Did you mean staging or production?' }), context());
    expect(plan.question).toBe('Did you mean staging or production?');
    expect(plan.steps).toEqual([]);
  });

  it('asks rather than deploys when the parser had a doubt even though both slots are filled', () => {
    const plan = planOperation(intent({ question: 'Deploy api to staging?' }), context());
    expect(plan.question).toBe('Deploy api to staging?');
    expect(plan.steps).toEqual([]);
  });

  it('asks which service when none was given', () => {
    const plan = planOperation(intent({ service: null, serviceSource: null }), context());
    expect(plan.question).toBe('Which service should I deploy to staging: api, web, payments, checkout or worker?');
  });

  it('asks about a service that is not in the catalog', () => {
    const plan = planOperation(intent({ service: 'billing-v2' }), context());
    expect(plan.question).toBe('I don\'t know a service called "billing-v2"; the catalog has api, web, payments, checkout and worker. Which one did you mean?');
    expect(plan.steps).toEqual([]);
  });

  it('asks when the ref resolved to no commit', () => {
    const plan = planOperation(intent({ ref: 'v9.9.9' }), context({ commitSha: null }));
    expect(plan.question).toBe('I could not find a commit for ref v9.9.9 in acme/api.');
    expect(plan.steps).toEqual([]);
  });

  it('asks when there is no earlier revision to roll back to', () => {
    const plan = planOperation(intent({ kind: 'rollback' }), context({ previousRevision: null }));
    expect(plan.question).toBe('api in staging has no earlier revision to roll back to.');
  });

  it('asks which environment to roll back in', () => {
    const plan = planOperation(intent({ kind: 'rollback', environment: null }), context());
    expect(plan.question).toBe('Which environment should api be rolled back in: dev, staging or production?');
  });

  it('asks for status of a service that is not in the catalog', () => {
    const plan = planOperation(intent({ kind: 'status', service: 'nope' }), context());
    expect(plan.steps).toEqual([]);
    expect(plan.question).toMatch(/^I don't know a service called "nope"/);
  });

  it('still returns a schema-valid plan, with a hash, when it asks', () => {
    const plan = planOperation(intent({ environment: null }), context());
    expect(PlanSchema.safeParse(plan).success).toBe(true);
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('planOperation: rollback', () => {
  it('sends all traffic of a staging service to the previous revision, then notifies', () => {
    const plan = planOperation(intent({ kind: 'rollback' }), context());
    expect(plan.summary).toBe('roll back api → staging');
    expect(plan.steps.map((step) => step.title)).toEqual(['Roll back traffic', 'Notify team']);
    expect(plan.steps[0]?.params).toEqual({ action: 'rollback', project: 'acme-staging', region: 'us-central1', service: 'api', toRevision: 'api-00011-xyz' });
    expect(plan.steps[0]?.detail).toBe('100% traffic to api-00011-xyz (now api-00012-abc)');
    expect(plan.steps[0]?.estimatedDurationMs).toBe(60_000);
    expect(plan.steps[0]?.mutating).toBe(true);
    expect(plan.risk).toBe('MEDIUM');
    expect(plan.requiresApproval).toBe(false);
    expect(plan.estimatedComputeCostUsd).toBe(0);
  });

  it('needs an approval and is HIGH risk in production', () => {
    const plan = planOperation(intent({ kind: 'rollback', environment: 'production' }), context());
    expect(plan.requiresApproval).toBe(true);
    expect(plan.steps[0]?.requiresApproval).toBe(true);
    expect(plan.steps[0]?.detail).toBe('APPROVAL REQUIRED · 100% traffic to api-00011-xyz (now api-00012-abc)');
    expect(plan.risk).toBe('HIGH');
  });

  it('rolls back the last deployment from history, marking the target as taken from context', () => {
    const plan = planOperation(
      intent({ kind: 'rollback', service: null, serviceSource: null, environment: null, environmentSource: null }),
      context({ lastDeployment: { service: 'payments', environment: 'production' } }),
    );
    expect(plan.target).toEqual({ service: 'payments', environment: 'production' });
    expect(plan.serviceSource).toBe('context');
    expect(plan.summary).toBe('roll back payments → production');
    expect(plan.steps[0]?.params).toMatchObject({ action: 'rollback', project: 'acme-prod', service: 'payments' });
  });

  it('asks which service and environment when the history has no deployment', () => {
    const plan = planOperation(intent({ kind: 'rollback', service: null, environment: null }), context({ lastDeployment: null }));
    expect(plan.steps).toEqual([]);
    expect(plan.question).toBe('There is no earlier deployment in the history; which service and environment?');
  });
});

describe('planOperation: read-only plans', () => {
  it('checks one service in every environment plus its recent workflow runs', () => {
    const plan = planOperation(intent({ kind: 'status', environment: null }), context());
    expect(plan.summary).toBe('status of api (all environments)');
    expect(plan.steps.map((step) => step.title)).toEqual(['Status of api in dev', 'Status of api in staging', 'Status of api in production', 'Recent runs of acme/api']);
    expect(plan.steps[2]?.params).toEqual({ action: 'service_status', project: 'acme-prod', region: 'us-central1', service: 'api' });
    expect(plan.steps[3]?.params).toEqual({ action: 'workflow_status', owner: 'acme', repo: 'api', limit: 3 });
    expect(plan.steps.every((step) => !step.mutating && !step.requiresApproval && step.estimatedDurationMs === 5_000)).toBe(true);
    expect(plan.risk).toBe('LOW');
    expect(plan.estimatedDurationMs).toBe(20_000);
  });

  it('checks every catalog service when no service was named', () => {
    const plan = planOperation(intent({ kind: 'status', service: null, serviceSource: null, environment: 'production' }), context());
    expect(plan.summary).toBe('status of all services in production');
    expect(plan.steps.filter((step) => step.params.action === 'service_status')).toHaveLength(5);
    expect(plan.steps.filter((step) => step.params.action === 'workflow_status')).toHaveLength(5);
  });

  it('reads recent error logs per service and environment', () => {
    const plan = planOperation(intent({ kind: 'logs' }), context());
    expect(plan.summary).toBe('logs of api in staging');
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]?.params).toEqual({
      action: 'read_logs',
      project: 'acme-staging',
      region: 'us-central1',
      service: 'api',
      freshness: '1h',
      limit: 20,
      minSeverity: 'ERROR',
    });
    expect(plan.risk).toBe('LOW');
  });

  it('summarizes a week of costs in one local step', () => {
    const plan = planOperation(intent({ kind: 'cost', service: null, environment: null }), context());
    expect(plan.summary).toBe('costs of all services (last 7 days)');
    expect(plan.steps.map((step) => step.params)).toEqual([{ action: 'summarize_costs', service: null, sinceMs: 604_800_000 }]);
    expect(plan.target).toEqual({ service: null, environment: null });
    expect(plan.risk).toBe('LOW');
  });
});

describe('planOperation: kinds the core handles itself', () => {
  it.each<IntentKind>(['approve', 'deny', 'cancel', 'kill', 'unknown'])('refuses to plan %s with INVALID_INPUT', (kind) => {
    let caught: unknown;
    try {
      planOperation(intent({ kind }), context());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HeyOpsError);
    expect((caught as HeyOpsError).code).toBe('INVALID_INPUT');
    expect((caught as HeyOpsError).message).toBe(`"${kind}" commands are not planned; the core handles them directly.`);
  });
});
