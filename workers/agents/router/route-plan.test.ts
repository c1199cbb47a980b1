import { describe, expect, it } from 'vitest';
import { MUTATING_ACTIONS, StepActionSchema } from '../../../common/messages.ts';
import { EXECUTOR_FOR_ACTION, routePlan } from './route-plan.ts';

describe('routePlan', () => {
  it('has an executor for every action and keeps every change off the local executor', () => {
    const actions = StepActionSchema.options.map((option) => option.shape.action.value);
    expect(Object.keys(EXECUTOR_FOR_ACTION).sort()).toEqual([...actions].sort());
    for (const action of MUTATING_ACTIONS) expect(EXECUTOR_FOR_ACTION[action]).not.toBe('local');
  });

  it('turns each step into a task for the executor that owns its action', () => {
    const plan = {
      id: 'op',
      kind: 'deploy' as const,
      summary: 'deploy api → staging',
      target: { service: 'api', environment: 'staging' as const },
      serviceSource: 'utterance' as const,
      dryRun: false,
      risk: 'MEDIUM' as const,
      requiresApproval: false,
      steps: [
        { id: 'step-1', index: 1, title: 'Run tests', detail: '', mutating: true, requiresApproval: false, estimatedDurationMs: 1, estimatedCostUsd: 0, params: { action: 'run_tests' as const, owner: 'acme', repo: 'api', workflow: 'tests.yml', ref: 'main', sha: 'abc1234' } },
        { id: 'step-2', index: 2, title: 'Deploy', detail: '', mutating: true, requiresApproval: false, estimatedDurationMs: 1, estimatedCostUsd: 0, params: { action: 'deploy' as const, project: 'p', region: 'r', service: 'api', imageUrl: 'i', strategy: 'direct' as const, canaryPercent: 10, canaryWindowMs: 0, maxCanaryErrors: 0 } },
        { id: 'step-3', index: 3, title: 'Notify', detail: '', mutating: false, requiresApproval: false, estimatedDurationMs: 1, estimatedCostUsd: 0, params: { action: 'notify' as const, channel: 'desktop' as const, audience: 'team' } },
      ],
      estimatedDurationMs: 3,
      estimatedComputeCostUsd: 0,
      estimatedLlmCostUsd: 0,
      hash: 'b'.repeat(64),
      question: null,
      createdAt: '2026-11-24T10:00:00.000Z',
    };
    const tasks = routePlan({ plan, operationId: 'op', correlationId: 'c', stepTimeoutMs: 1000, pollIntervalMs: 20, timeScale: 0.001 });
    expect(tasks.map((task) => task.executor)).toEqual(['github', 'gcp', 'local']);
    expect(tasks[1]?.step.params).toEqual(plan.steps[1]?.params);
    expect(() => routePlan({ plan: { ...plan, steps: [], question: 'Which?' }, operationId: 'op', correlationId: 'c', stepTimeoutMs: 1, pollIntervalMs: 1, timeScale: 1 })).toThrow(/waiting for an answer/);
  });
});
