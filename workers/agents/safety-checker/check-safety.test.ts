import { describe, expect, it } from 'vitest';
import { PolicySchema } from '../../../common/config.ts';
import type { Plan, PlanStep, SafetySnapshot } from '../../../common/messages.ts';
import { checkSafety, type SafetyCheckInput } from './check-safety.ts';

const policy = PolicySchema.parse({});
const NOW = '2026-11-24T10:00:00.000Z';

function step(index: number, params: PlanStep['params'], extra: Partial<PlanStep> = {}): PlanStep {
  return { id: `step-${index}`, index, title: params.action, detail: '', mutating: ['run_tests', 'build_artifact', 'deploy', 'rollback'].includes(params.action), requiresApproval: false, estimatedDurationMs: 1000, estimatedCostUsd: 0, params, ...extra };
}

function deployPlan(environment: 'dev' | 'staging' | 'production', overrides: Partial<Plan> = {}): Plan {
  const production = environment === 'production';
  return {
    id: 'op-1',
    kind: 'deploy',
    summary: `deploy api → ${environment}`,
    target: { service: 'api', environment },
    serviceSource: 'utterance',
    dryRun: false,
    risk: production ? 'HIGH' : 'MEDIUM',
    requiresApproval: production,
    steps: [
      step(1, { action: 'validate_code', owner: 'acme', repo: 'api', sha: 'abc1234def', ref: 'main' }),
      step(2, { action: 'deploy', project: 'p', region: 'r', service: 'api', imageUrl: 'img', strategy: production ? 'canary' : 'direct', canaryPercent: 10, canaryWindowMs: 300000, maxCanaryErrors: 5 }, { requiresApproval: production }),
    ],
    estimatedDurationMs: 2000,
    estimatedComputeCostUsd: 0,
    estimatedLlmCostUsd: 0,
    hash: 'a'.repeat(64),
    question: null,
    createdAt: NOW,
    ...overrides,
  };
}

function snapshot(overrides: Partial<SafetySnapshot> = {}): SafetySnapshot {
  return { revision: 7, killSwitch: { engaged: false, by: null, at: null }, deployAcceptedAt: [], rollbackAcceptedAt: [], inFlight: 0, now: NOW, ...overrides };
}

function input(plan: Plan, overrides: Partial<SafetyCheckInput> = {}): SafetyCheckInput {
  return { plan, snapshot: snapshot(), policy, confidence: 0.95, serviceSource: 'utterance', confirmed: false, ...overrides };
}

function minutesAgo(minutes: number): string {
  return new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
}

describe('checkSafety', () => {
  it('allows a staging deploy within budget and counts it against the deploy budget', () => {
    const verdict = checkSafety(input(deployPlan('staging')));
    expect(verdict.decision).toBe('allow');
    expect(verdict.countsAgainstBudget).toBe('deploy');
    expect(verdict.stateRevision).toBe(7);
  });

  it('requires an approval by hand for production', () => {
    const verdict = checkSafety(input(deployPlan('production')));
    expect(verdict.decision).toBe('require_approval');
    expect(verdict.findings.map((f) => f.rule)).toContain('approval');
    expect(verdict.countsAgainstBudget).toBe('deploy');
  });

  it('requires a hand for production even under a policy object that leaves production out', () => {
    const lax = { ...policy, approvals: { ...policy.approvals, requiredFor: [] } };
    expect(checkSafety(input(deployPlan('production', { requiresApproval: false }), { policy: lax })).decision).toBe('require_approval');
  });

  it('requires approval from the policy even if a plan forgot to ask for it', () => {
    const plan = deployPlan('production', { requiresApproval: false });
    expect(checkSafety(input(plan)).decision).toBe('require_approval');
  });

  it('refuses the 11th deploy in the window and says when budget returns', () => {
    const accepted = Array.from({ length: 10 }, (_, i) => minutesAgo(50 - i));
    const verdict = checkSafety(input(deployPlan('staging'), { snapshot: snapshot({ deployAcceptedAt: accepted }) }));
    expect(verdict.decision).toBe('refuse');
    expect(verdict.retryAfterMs).toBe(10 * 60_000);
    expect(verdict.findings[0]?.rule).toBe('deploy_budget');
    expect(verdict.findings[0]?.message).toMatch(/10 of 10 in the last 1h\); the next one is possible at 10:10 UTC \(in 10m\)/);
    expect(verdict.countsAgainstBudget).toBe('none');
  });

  it('does not count deploys that left the sliding window', () => {
    const accepted = Array.from({ length: 10 }, () => minutesAgo(61));
    expect(checkSafety(input(deployPlan('staging'), { snapshot: snapshot({ deployAcceptedAt: accepted }) })).decision).toBe('allow');
  });

  it('keeps rollbacks on their own budget of 5', () => {
    const plan: Plan = { ...deployPlan('staging'), kind: 'rollback', steps: [step(1, { action: 'rollback', project: 'p', region: 'r', service: 'api', toRevision: 'api-1' })] };
    const five = Array.from({ length: 5 }, (_, i) => minutesAgo(i + 1));
    const verdict = checkSafety(input(plan, { snapshot: snapshot({ rollbackAcceptedAt: five, deployAcceptedAt: [] }) }));
    expect(verdict.decision).toBe('refuse');
    expect(verdict.findings[0]?.rule).toBe('rollback_budget');
  });

  it('refuses every change while the kill switch is engaged but lets reads through', () => {
    const killed = snapshot({ killSwitch: { engaged: true, by: 'alice', at: NOW } });
    const deploy = checkSafety(input(deployPlan('dev'), { snapshot: killed }));
    expect(deploy.decision).toBe('refuse');
    expect(deploy.findings[0]?.message).toMatch(/kill switch is engaged \(by alice\)/);
    const status: Plan = { ...deployPlan('dev'), kind: 'status', risk: 'LOW', requiresApproval: false, steps: [step(1, { action: 'service_status', project: 'p', region: 'r', service: 'api' })] };
    const read = checkSafety(input(status, { snapshot: killed }));
    expect(read.decision).toBe('allow');
    expect(read.countsAgainstBudget).toBe('none');
  });

  it('lets a dry run through without budget, saying what the real run would meet', () => {
    const accepted = Array.from({ length: 10 }, (_, i) => minutesAgo(i));
    const verdict = checkSafety(input(deployPlan('production', { dryRun: true }), { snapshot: snapshot({ deployAcceptedAt: accepted }) }));
    expect(verdict.decision).toBe('allow');
    expect(verdict.countsAgainstBudget).toBe('none');
    expect(verdict.findings.map((f) => f.rule)).toEqual(['dry_run', 'deploy_budget', 'approval']);
  });

  it('asks back when the plan has a question instead of steps', () => {
    const verdict = checkSafety(input(deployPlan('staging', { steps: [], question: 'Which environment?' })));
    expect(verdict.decision).toBe('ask');
    expect(verdict.findings[0]).toEqual({ rule: 'needs_target', message: 'Which environment?' });
  });

  it('reads back a low-confidence or context-filled change until confirmed', () => {
    expect(checkSafety(input(deployPlan('staging'), { confidence: 0.4 })).decision).toBe('ask');
    const fromContext = checkSafety(input(deployPlan('production'), { serviceSource: 'context' }));
    expect(fromContext.decision).toBe('ask');
    expect(fromContext.findings[0]?.message).toMatch(/^Deploy api → production\? Please confirm/);
    expect(checkSafety(input(deployPlan('production'), { serviceSource: 'context', confirmed: true })).decision).toBe('require_approval');
  });

  it('refuses on budget before asking for confirmation or approval', () => {
    const accepted = Array.from({ length: 10 }, (_, i) => minutesAgo(i));
    expect(checkSafety(input(deployPlan('production'), { confidence: 0.3, snapshot: snapshot({ deployAcceptedAt: accepted }) })).decision).toBe('refuse');
  });
});
