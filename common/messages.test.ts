import { describe, expect, it } from 'vitest';
import { ConfigFileSchema } from './config.ts';
import { HeyOpsError, describeZodIssues, toErrorData } from './errors.ts';
import { anIntent } from './fixtures/intent.ts';
import { RunCommandRequestSchema } from './ipc.ts';
import { IntentSchema, PlanStepSchema, UtteranceSchema } from './messages.ts';

function issues(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }): string {
  return result.error ? describeZodIssues(result.error.issues) : '';
}

const intent = anIntent();

describe('message contracts', () => {
  it('accept a well-formed intent', () => {
    expect(IntentSchema.parse(intent)).toEqual(intent);
  });

  it('reject invalid messages with the failing field named', () => {
    expect(issues(IntentSchema.safeParse({ ...intent, environment: 'prod' }))).toMatch(/^environment: Invalid option: expected one of "dev"\|"staging"\|"production"/);
    expect(issues(IntentSchema.safeParse({ ...intent, confidence: 1.5 }))).toMatch(/^confidence: Too big/);
    expect(issues(IntentSchema.safeParse({ ...intent, sneaky: true }))).toMatch(/Unrecognized key: "sneaky"/);
    expect(issues(UtteranceSchema.safeParse({ id: 'u', text: '', source: 'cli', receivedAt: '2026-11-24T10:00:00Z', user: 'me' }))).toMatch(/^text: the command is empty/);
    expect(issues(RunCommandRequestSchema.safeParse({ text: '   ' }))).toMatch(/^text: say or type a command/);
  });

  it('keep tool parameters typed per action: a deploy step cannot carry another action’s fields', () => {
    const step = {
      id: 'step-1',
      index: 1,
      title: 'Deploy',
      detail: '',
      mutating: true,
      requiresApproval: false,
      estimatedDurationMs: 1,
      estimatedCostUsd: 0,
      params: { action: 'deploy', project: 'p', region: 'r', service: 'api', imageUrl: 'i', strategy: 'direct', canaryPercent: 10, canaryWindowMs: 0, maxCanaryErrors: 0, workflow: 'x.yml' },
    };
    expect(issues(PlanStepSchema.safeParse(step))).toMatch(/params: Unrecognized key: "workflow"/);
  });

  it('give every config field a default, and refuse unknown policy keys', () => {
    const config = ConfigFileSchema.parse({});
    expect(config.policy.rateLimits).toEqual({ deploysPerHour: 10, rollbacksPerHour: 5, windowMs: 3_600_000 });
    expect(config.policy.maxInFlight).toBe(3);
    expect(ConfigFileSchema.safeParse({ policy: { noLimits: true } }).success).toBe(false);
  });

  it('carry errors across threads as data and rebuild them with their code', () => {
    const data = new HeyOpsError('BUDGET_EXHAUSTED', 'used up', { retryAfterMs: 5 }).toData();
    expect(structuredClone(data)).toEqual({ code: 'BUDGET_EXHAUSTED', message: 'used up', data: { retryAfterMs: 5 } });
    expect(HeyOpsError.fromData(data)).toMatchObject({ code: 'BUDGET_EXHAUSTED', message: 'used up' });
    expect(HeyOpsError.fromData({ code: 'NOT_A_CODE', message: 'x' }).code).toBe('INTERNAL');
    expect(toErrorData(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
  });
});
