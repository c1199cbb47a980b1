import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationReport, Plan, SafetyVerdict } from '../../common/messages.ts';
import { StateStore, type ProcessIdentity } from './state-store.ts';

const HOUR = 3_600_000;
let clock = new Date('2026-11-24T10:00:00.000Z');
const stores: StateStore[] = [];

function openStore(path = join(mkdtempSync(join(tmpdir(), 'hey-ops-store-')), 'state.db')): StateStore {
  const store = new StateStore(path, () => clock);
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  clock = new Date('2026-11-24T10:00:00.000Z');
});

const plan: Plan = {
  id: 'op',
  kind: 'deploy',
  summary: 'deploy api → production',
  target: { service: 'api', environment: 'production' },
  serviceSource: 'utterance',
  dryRun: false,
  risk: 'HIGH',
  requiresApproval: true,
  steps: [],
  estimatedDurationMs: 0,
  estimatedComputeCostUsd: 0,
  estimatedLlmCostUsd: 0,
  hash: 'c'.repeat(64),
  question: null,
  createdAt: clock.toISOString(),
};

function verdict(store: StateStore, decision: SafetyVerdict['decision'], counts: SafetyVerdict['countsAgainstBudget'] = 'deploy'): SafetyVerdict {
  const budget = { used: 0, limit: 10, nextReturnsAt: null };
  return { planHash: plan.hash, decision, findings: [], retryAfterMs: null, countsAgainstBudget: counts, deployBudget: budget, rollbackBudget: budget, stateRevision: store.snapshot(HOUR).revision, checkedAt: clock.toISOString() };
}

function newOp(store: StateStore, id: string): void {
  store.createOperation({ id, correlationId: `c-${id}`, kind: 'deploy', service: 'api', environment: 'production', dryRun: false, utterance: 'deploy api to production', requestedBy: 'alice', channel: 'cli', intentJson: '{}', createdAt: clock.toISOString() });
}

function report(id: string, status: OperationReport['status']): OperationReport {
  return { operationId: id, correlationId: `c-${id}`, kind: 'deploy', target: { service: 'api', environment: 'production' }, status, headline: status, text: status, dryRun: false, risk: 'HIGH', approvalId: null, question: null, steps: [], findings: {}, durationMs: 0, costUsd: 0.05, error: null, createdAt: clock.toISOString() };
}

const me: ProcessIdentity = { pid: process.pid, token: 'me' };
const alive = (): boolean => true;

describe('StateStore', () => {
  it('admits a verdict only at the revision it was computed on', () => {
    const store = openStore();
    newOp(store, 'a');
    newOp(store, 'b');
    const stale = verdict(store, 'allow');
    expect(store.admit('a', plan, stale, null)).toEqual({ ok: true, approval: null });
    // 'a' spent budget, so the revision moved: a verdict computed before that is refused.
    expect(store.admit('b', plan, stale, null)).toEqual({ ok: false, reason: 'stale' });
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(1);
    expect(store.getOperation('a')?.status).toBe('queued');
  });

  it('opens an approval bound to the plan hash and decides it once', () => {
    const store = openStore();
    newOp(store, 'a');
    const outcome = store.admit('a', plan, verdict(store, 'require_approval'), { id: 'ab12cd34', expiresAt: new Date(clock.getTime() + 600_000).toISOString(), requestedBy: 'alice' });
    expect(outcome.ok && outcome.approval?.planHash).toBe(plan.hash);
    expect(store.pendingApprovals().map((a) => a.id)).toEqual(['ab12cd34']);
    expect(() => store.decideApproval({ id: 'ab12cd34', decision: 'approved', decidedBy: 'bob', channel: 'cli', planHash: 'd'.repeat(64), reason: null })).toThrow(/different plan/);
    const decided = store.decideApproval({ id: 'ab12cd34', decision: 'approved', decidedBy: 'bob', channel: 'cli', planHash: plan.hash, reason: null });
    expect(decided.status).toBe('approved');
    expect(store.getOperation('a')?.status).toBe('approved');
    expect(() => store.decideApproval({ id: 'ab12cd34', decision: 'denied', decidedBy: 'bob', channel: 'cli', planHash: null, reason: null })).toThrow(/already approved/);
    expect(() => store.decideApproval({ id: 'nope', decision: 'approved', decidedBy: 'bob', channel: 'cli', planHash: null, reason: null })).toThrow(/no approval request "nope"/);
  });

  it('will not reuse an approval id; the caller retries with a fresh one', () => {
    const store = openStore();
    newOp(store, 'a');
    newOp(store, 'b');
    const expiresAt = new Date(clock.getTime() + 600_000).toISOString();
    store.admit('a', plan, verdict(store, 'require_approval'), { id: 'same1234', expiresAt, requestedBy: 'alice' });
    expect(store.admit('b', plan, verdict(store, 'require_approval'), { id: 'same1234', expiresAt, requestedBy: 'alice' })).toEqual({ ok: false, reason: 'approval_id_taken' });
    expect(store.getOperation('b')?.status).toBe('planned');
    expect(store.admit('b', plan, verdict(store, 'require_approval'), { id: 'other123', expiresAt, requestedBy: 'alice' }).ok).toBe(true);
  });

  it('expires approvals, ends their operations and returns their budget', () => {
    const store = openStore();
    newOp(store, 'a');
    store.admit('a', plan, verdict(store, 'require_approval'), { id: 'ee11', expiresAt: new Date(clock.getTime() + 600_000).toISOString(), requestedBy: 'alice' });
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(1);
    clock = new Date(clock.getTime() + 601_000);
    expect(() => store.decideApproval({ id: 'ee11', decision: 'approved', decidedBy: 'bob', channel: 'cli', planHash: null, reason: null })).toThrow(/expired/);
    expect(store.getOperation('a')?.status).toBe('expired');
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(0);
  });

  it('gives out at most maxInFlight slots and frees them when operations finish', () => {
    const store = openStore();
    for (const id of ['a', 'b', 'c', 'd']) {
      newOp(store, id);
      store.admit(id, plan, verdict(store, 'allow'), null);
    }
    expect(['a', 'b', 'c', 'd'].map((id) => store.tryAcquireSlot(id, me, 3, alive).ok)).toEqual([true, true, true, false]);
    expect(store.tryAcquireSlot('d', me, 3, alive)).toMatchObject({ ok: false, reason: 'full' });
    store.finishOperation('a', report('a', 'succeeded'), { refundBudget: false });
    expect(store.tryAcquireSlot('d', me, 3, alive).ok).toBe(true);
    expect(store.tryAcquireSlot('d', me, 3, alive)).toMatchObject({ ok: false, reason: 'not_runnable' });
  });

  it('marks operations of a dead process interrupted, freeing their slots', () => {
    const store = openStore();
    newOp(store, 'a');
    store.admit('a', plan, verdict(store, 'allow'), null);
    store.tryAcquireSlot('a', { pid: 999_999_999, token: 'ghost' }, 3, alive);
    expect(store.reclaimDead(me, (pid) => pid !== 999_999_999)).toEqual(['a']);
    expect(store.getOperation('a')?.status).toBe('interrupted');
    expect(store.journal('a').some((entry) => entry.data.interrupted === true)).toBe(true);
  });

  it('keeps the kill switch, budgets and approvals across a reopen (a restart)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hey-ops-store-')), 'state.db');
    const first = openStore(path);
    newOp(first, 'a');
    first.admit('a', plan, verdict(first, 'require_approval'), { id: 'keep', expiresAt: new Date(clock.getTime() + 600_000).toISOString(), requestedBy: 'alice' });
    first.setKillSwitch(true, 'alice', 'cli', 'incident');
    first.close();
    const second = openStore(path);
    expect(second.killSwitch()).toMatchObject({ engaged: true, by: 'alice', reason: 'incident' });
    expect(second.snapshot(HOUR).deployAcceptedAt).toHaveLength(1);
    expect(second.pendingApprovals().map((a) => a.id)).toEqual(['keep']);
    expect(second.tryAcquireSlot('a', me, 3, alive)).toMatchObject({ ok: false, reason: 'not_runnable' });
  });

  it('gives the budget back when a queued operation is cancelled before it starts', () => {
    const store = openStore();
    newOp(store, 'a');
    store.admit('a', plan, verdict(store, 'allow'), null);
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(1);
    store.requestCancel('a');
    expect(store.getOperation('a')?.status).toBe('cancelled');
    expect(store.cancelRequested('a')).toBe(true);
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(0);
    expect(store.tryAcquireSlot('a', me, 3, alive)).toMatchObject({ ok: false, reason: 'not_runnable' });
  });

  it('refunds budget on request and finds the last successful deployment', () => {
    const store = openStore();
    newOp(store, 'a');
    store.admit('a', plan, verdict(store, 'allow'), null);
    store.finishOperation('a', report('a', 'cancelled'), { refundBudget: true });
    expect(store.snapshot(HOUR).deployAcceptedAt).toHaveLength(0);
    newOp(store, 'b');
    store.finishOperation('b', report('b', 'succeeded'), { refundBudget: false });
    expect(store.lastSucceededDeployment()).toEqual({ service: 'api', environment: 'production', operationId: 'b' });
    expect(store.costsSince(new Date(clock.getTime() - HOUR).toISOString(), 'api').map((c) => c.operationId).sort()).toEqual(['a', 'b']);
    expect(store.costsSince(new Date(clock.getTime() - HOUR).toISOString(), 'web')).toEqual([]);
  });
});
