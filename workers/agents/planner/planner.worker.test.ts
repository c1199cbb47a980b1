import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicySchema, PricingSchema, SANDBOX_CATALOG } from '../../../common/config.ts';
import { anIntent } from '../../../common/fixtures/intent.ts';
import { NO_FACTS, PlanSchema, type Intent } from '../../../common/messages.ts';

const pool = new Piscina({ filename: fileURLToPath(new URL('./planner.worker.ts', import.meta.url)), maxThreads: 1 });
afterAll(() => pool.destroy());

const intent: Intent = anIntent({ dryRun: true, confidence: 0.9 });
const context = {
  catalog: SANDBOX_CATALOG,
  policy: PolicySchema.parse({}),
  pricing: PricingSchema.parse({}),
  facts: { ...NO_FACTS, commitSha: 'abc1234def5678901234567890abcdef12345678' },
  planId: 'op-worker',
  now: '2025-06-01T10:00:00.000Z',
};

describe('planner.worker', () => {
  it('loads in a piscina thread under type stripping and returns a valid plan', async () => {
    const answer = await pool.run({ intent, context });
    expect(answer.ok).toBe(true);
    const plan = PlanSchema.parse(answer.value);
    expect(plan.id).toBe('op-worker');
    expect(plan.summary).toBe('deploy api → staging');
    expect(plan.steps).toHaveLength(5);
  });

  it('rejects input that fails the schema, naming the field', async () => {
    const refused = await pool.run({ intent: { ...intent, kind: 'explode' }, context });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/planner input: intent\.kind/) } });
  });
});
