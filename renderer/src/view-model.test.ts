import { describe, expect, it } from 'vitest';
import type { CoreStatus } from '../../common/ipc.ts';
import type { OperationReport } from '../../common/messages.ts';
import { errorMessage, expiryLabel, fromReport, fromSummary, statusView, toneOf, upsertReport, type ReportItem } from './view-model.ts';

const NOW = new Date('2025-01-01T10:00:00.000Z');

function item(operationId: string, overrides: Partial<ReportItem> = {}): ReportItem {
  return { operationId, headline: `report ${operationId}`, status: 'succeeded', text: 'full text', question: null, dryRun: false, at: NOW.toISOString(), ...overrides };
}

const STATUS: CoreStatus = {
  killSwitch: { engaged: false, by: null, at: null, reason: null },
  inFlight: 2,
  maxInFlight: 3,
  deployBudget: { used: 4, limit: 10, nextReturnsAt: null },
  rollbackBudget: { used: 1, limit: 5, nextReturnsAt: null },
  pendingApprovals: [],
  running: [],
  sandbox: false,
};

describe('upsertReport', () => {
  it('puts a new report on top', () => {
    expect(upsertReport([item('a')], item('b')).map((r) => r.operationId)).toEqual(['b', 'a']);
  });

  it('replaces an older report of the same operation and moves it to the top', () => {
    const list = upsertReport([item('a'), item('b', { status: 'running' })], item('b', { status: 'succeeded', headline: 'done' }));
    expect(list.map((r) => [r.operationId, r.status, r.headline])).toEqual([
      ['b', 'succeeded', 'done'],
      ['a', 'succeeded', 'report a'],
    ]);
  });

  it('never lets a history summary replace a full report', () => {
    const full = item('a', { headline: 'full' });
    expect(upsertReport([full], item('a', { text: null, headline: 'summary' }))).toEqual([full]);
  });

  it('keeps at most the given number of reports', () => {
    const list = ['a', 'b', 'c'].reduce<ReportItem[]>((acc, id) => upsertReport(acc, item(id), 2), []);
    expect(list.map((r) => r.operationId)).toEqual(['c', 'b']);
  });
});

describe('fromReport and fromSummary', () => {
  it('keeps headline, text, question and dry run of a report', () => {
    const report = {
      operationId: 'op-1',
      headline: 'Dry run: deploy api → staging, 4 steps, about 10m 35s.',
      text: 'Execution Plan (DRY RUN)...',
      status: 'dry_run',
      question: null,
      dryRun: true,
      createdAt: NOW.toISOString(),
    } as OperationReport;
    expect(fromReport(report)).toEqual({
      operationId: 'op-1',
      headline: report.headline,
      status: 'dry_run',
      text: report.text,
      question: null,
      dryRun: true,
      at: NOW.toISOString(),
    });
  });

  it('uses the utterance when a history entry has no headline yet', () => {
    const summary = {
      operationId: 'op-2',
      correlationId: 'c',
      kind: 'deploy' as const,
      target: { service: 'api', environment: 'staging' as const },
      status: 'running' as const,
      utterance: 'deploy api to staging',
      requestedBy: 'alice',
      headline: null,
      approvalId: null,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    };
    expect(fromSummary(summary)).toMatchObject({ headline: 'deploy api to staging', text: null, status: 'running' });
  });
});

describe('toneOf', () => {
  it('colours outcomes: success, waiting, needs attention, failure', () => {
    expect(toneOf('succeeded')).toBe('ok');
    expect(toneOf('pending_approval')).toBe('pending');
    expect(toneOf('needs_input')).toBe('warn');
    expect(toneOf('cancelled')).toBe('warn');
    expect(toneOf('refused')).toBe('error');
    expect(toneOf('dry_run')).toBe('info');
  });
});

describe('statusView', () => {
  it('shows slots and budgets as used/limit and the kill switch off', () => {
    expect(statusView(STATUS)).toEqual({ inFlight: '2/3', deploys: '4/10', rollbacks: '1/5', killSwitch: 'off', engaged: false, sandbox: false });
  });

  it('names who engaged the kill switch', () => {
    const view = statusView({ ...STATUS, killSwitch: { engaged: true, by: 'bob', at: NOW.toISOString(), reason: null } });
    expect(view).toMatchObject({ killSwitch: 'ENGAGED by bob', engaged: true });
  });

  it('shows dashes before the first status arrives', () => {
    expect(statusView(null).inFlight).toBe('–');
  });
});

describe('expiryLabel', () => {
  it('counts down and then says expired', () => {
    expect(expiryLabel('2025-01-01T10:08:20.000Z', NOW)).toBe('expires in 8m 20s');
    expect(expiryLabel('2025-01-01T10:00:30.000Z', NOW)).toBe('expires in 30s');
    expect(expiryLabel('2025-01-01T09:00:00.000Z', NOW)).toBe('expired');
  });
});

describe('errorMessage', () => {
  it("strips Electron's remote-method prefix and keeps the core's message", () => {
    expect(errorMessage(new Error("Error invoking remote method 'heyops:approve': Error: approval 3f2a expired"))).toBe('approval 3f2a expired');
    expect(errorMessage(new Error('the kill switch is engaged'))).toBe('the kill switch is engaged');
    expect(errorMessage('plain')).toBe('plain');
  });
});
