import { describe, expect, it } from 'vitest';
import { PolicySchema, PricingSchema, SANDBOX_CATALOG } from '../../../common/config.ts';
import { NO_FACTS, type Intent } from '../../../common/messages.ts';
import { canonicalJson, hashPlan } from './plan-hash.ts';
import { planOperation, type PlannerContext } from './plan.ts';
import { anIntent } from '../../../common/fixtures/intent.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';

const INTENT: Intent = anIntent({ service: 'payments', environment: 'production', normalizedText: 'deploy payments to production' });

function context(commitSha = SHA, planId = 'op-1', now = '2025-06-01T10:00:00.000Z'): PlannerContext {
  return { catalog: SANDBOX_CATALOG, policy: PolicySchema.parse({}), pricing: PricingSchema.parse({}), facts: { ...NO_FACTS, commitSha }, planId, now };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('gives the same text whatever order the keys were built in', () => {
    expect(canonicalJson({ x: 1, y: null })).toBe(canonicalJson({ y: null, x: 1 }));
  });
  it('follows JSON for undefined, non-finite numbers and dates', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, Number.NaN], c: new Date('2025-01-01T00:00:00.000Z') })).toBe('{"b":[null,null],"c":"2025-01-01T00:00:00.000Z"}');
  });
});

describe('hashPlan', () => {
  it('is a sha256 hex digest that the planner puts on the plan', () => {
    const plan = planOperation(INTENT, context());
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPlan(plan)).toBe(plan.hash);
  });

  it('gives the same hash for the same command planned twice, whatever the plan id or time', () => {
    expect(planOperation(INTENT, context(SHA, 'op-1')).hash).toBe(planOperation(INTENT, context(SHA, 'op-2', '2025-06-02T11:00:00.000Z')).hash);
  });

  it('changes when the commit sha changes, so an approval cannot be spent on other code', () => {
    const other = 'fff1234def5678901234567890abcdef12345678';
    expect(planOperation(INTENT, context(other)).hash).not.toBe(planOperation(INTENT, context()).hash);
  });

  it('changes when the environment changes', () => {
    expect(planOperation({ ...INTENT, environment: 'staging' }, context()).hash).not.toBe(planOperation(INTENT, context()).hash);
  });

  it('changes between the dry run and the real run of the same command', () => {
    expect(planOperation({ ...INTENT, dryRun: true }, context()).hash).not.toBe(planOperation(INTENT, context()).hash);
  });

  it('ignores titles and estimates, which describe the plan but do not change what it does', () => {
    const plan = planOperation(INTENT, context());
    const retitled = { ...plan, steps: plan.steps.map((step) => ({ ...step, title: `${step.title}!`, estimatedDurationMs: 1 })) };
    expect(hashPlan(retitled)).toBe(plan.hash);
  });
});
