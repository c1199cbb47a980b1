/**
 * The one owner of Hey Ops' safety state: rate-limit windows, operations in flight, the kill
 * switch, pending approvals, the operation journal and the history.
 *
 * It lives in one SQLite file (node:sqlite, WAL) in HEY_OPS_HOME so that every process — the
 * app, `hey-ops run` in one terminal and `hey-ops approve` in another — shares it, and a restart
 * neither resets the limits nor forgets the kill switch. Every decision that must be atomic
 * across processes (admitting an operation against the budget, taking an in-flight slot,
 * deciding an approval, claiming an approved operation) is one `BEGIN IMMEDIATE` transaction.
 *
 * Verdicts are computed by the Safety Checker on a snapshot carrying a `revision`; `admit`
 * commits only if the revision is unchanged (optimistic concurrency), so two processes can never
 * both spend the last deploy of the hour.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HeyOpsError } from '../../common/errors.ts';
import {
  ApprovalRequestSchema,
  ConversationContextSchema,
  EMPTY_CONTEXT,
  OperationReportSchema,
  PlanSchema,
  SafetyVerdictSchema,
  isMutatingKind,
  type ApprovalRequest,
  type Channel,
  type ConversationContext,
  type Environment,
  type IntentKind,
  type OperationReport,
  type OperationStatus,
  type Plan,
  type SafetySnapshot,
  type SafetyVerdict,
} from '../../common/messages.ts';
import type { OperationSummary } from '../../common/ipc.ts';

/** Identifies this process as the owner of running operations (pid is reused; the token is not). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly token: string;
}

export interface NewOperation {
  readonly id: string;
  readonly correlationId: string;
  readonly kind: IntentKind;
  readonly service: string | null;
  readonly environment: Environment | null;
  readonly dryRun: boolean;
  readonly utterance: string;
  readonly requestedBy: string;
  readonly channel: Channel;
  readonly intentJson: string;
  readonly createdAt: string;
}

export interface OperationRecord extends OperationSummary {
  readonly dryRun: boolean;
  readonly channel: string;
  readonly plan: Plan | null;
  readonly verdict: SafetyVerdict | null;
  readonly report: OperationReport | null;
  readonly owner: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly costUsd: number;
}

export interface JournalEntry {
  readonly seq: number;
  readonly operationId: string;
  readonly stepId: string | null;
  readonly event: 'intent' | 'start' | 'result' | 'slot_acquired' | 'slot_released' | 'note';
  readonly at: string;
  readonly data: Record<string, unknown>;
}

export type AdmitOutcome =
  | { readonly ok: true; readonly approval: ApprovalRequest | null }
  | { readonly ok: false; readonly reason: 'stale' | 'approval_id_taken' };

export type SlotOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'full' | 'kill_switch' | 'not_runnable'; readonly status: OperationStatus };

export interface KillSwitchState {
  readonly engaged: boolean;
  readonly by: string | null;
  readonly at: string | null;
  readonly reason: string | null;
  readonly channel: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS operations (
  id TEXT PRIMARY KEY,
  correlation_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  service TEXT,
  environment TEXT,
  status TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  utterance TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  channel TEXT NOT NULL,
  intent_json TEXT NOT NULL,
  plan_json TEXT,
  plan_hash TEXT,
  verdict_json TEXT,
  report_json TEXT,
  headline TEXT,
  approval_id TEXT,
  owner TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  cost_usd REAL NOT NULL DEFAULT 0,
  cancel_requested_at TEXT
);
CREATE INDEX IF NOT EXISTS operations_status ON operations(status);
CREATE INDEX IF NOT EXISTS operations_created ON operations(created_at);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  operation_id TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  summary TEXT NOT NULL,
  risk TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  channel TEXT,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS budget_events (
  operation_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  accepted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  operation_id TEXT NOT NULL,
  step_id TEXT,
  event TEXT NOT NULL,
  at TEXT NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_operation ON journal(operation_id, seq);
CREATE TABLE IF NOT EXISTS conversation (user TEXT PRIMARY KEY, context_json TEXT NOT NULL);
`;

type Row = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}
function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

export class StateStore {
  private readonly db: DatabaseSync;
  private readonly now: () => Date;
  readonly path: string;

  /** `now` is injectable so tests can move the sliding windows and approval expiry. */
  constructor(path: string, now: () => Date = () => new Date()) {
    this.path = path;
    this.now = now;
    mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    this.transaction(() => {
      this.db.exec(SCHEMA);
      this.db.prepare(`INSERT OR IGNORE INTO meta(key, value) VALUES ('revision', '0')`).run();
    });
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction: the write lock is taken before any read. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  private meta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return row ? strOrNull(row.value) : null;
  }

  private setMeta(key: string, value: string | null): void {
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Any change a verdict depends on (budget, kill switch) bumps the revision. */
  private bumpRevision(): void {
    this.db.prepare(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'revision'`).run();
  }

  // -------------------------------------------------------------------------------------------
  // Safety snapshot and admission
  // -------------------------------------------------------------------------------------------

  /** What the Safety Checker needs, read in one consistent transaction. */
  snapshot(windowMs: number): SafetySnapshot {
    return this.transaction(() => {
      this.expireApprovalsLocked();
      const now = this.now();
      const since = new Date(now.getTime() - windowMs).toISOString();
      const acceptedAt = (kind: string): string[] =>
        (this.db.prepare('SELECT accepted_at FROM budget_events WHERE kind = ? AND accepted_at > ? ORDER BY accepted_at').all(kind, since) as Row[]).map(
          (row) => str(row.accepted_at),
        );
      const kill = this.killSwitchLocked();
      return {
        revision: Number(this.meta('revision') ?? '0'),
        killSwitch: { engaged: kill.engaged, by: kill.by, at: kill.at },
        deployAcceptedAt: acceptedAt('deploy'),
        rollbackAcceptedAt: acceptedAt('rollback'),
        inFlight: this.inFlightLocked(),
        now: now.toISOString(),
      };
    });
  }

  /**
   * Commits a verdict for an operation if the safety state is still at the verdict's revision.
   * Spends budget (when the verdict says so) and opens the approval request in the same
   * transaction, so an accepted operation and its budget entry can never disagree.
   */
  admit(operationId: string, plan: Plan, verdict: SafetyVerdict, approval: { id: string; expiresAt: string; requestedBy: string } | null): AdmitOutcome {
    return this.transaction(() => {
      const revision = Number(this.meta('revision') ?? '0');
      if (revision !== verdict.stateRevision) return { ok: false, reason: 'stale' } as const;
      if (approval !== null && this.db.prepare('SELECT 1 FROM approvals WHERE id = ?').get(approval.id) !== undefined) {
        return { ok: false, reason: 'approval_id_taken' } as const;
      }
      const now = this.nowIso();
      let request: ApprovalRequest | null = null;
      let status: OperationStatus;
      switch (verdict.decision) {
        case 'refuse':
          status = 'refused';
          break;
        case 'ask':
          status = 'needs_input';
          break;
        case 'require_approval':
          status = 'pending_approval';
          break;
        case 'allow':
          status = plan.dryRun ? 'dry_run' : 'queued';
          break;
      }
      if (verdict.decision === 'allow' || verdict.decision === 'require_approval') {
        if (verdict.countsAgainstBudget !== 'none' && !plan.dryRun) {
          this.db.prepare('INSERT INTO budget_events(operation_id, kind, accepted_at) VALUES (?, ?, ?)').run(operationId, verdict.countsAgainstBudget, now);
          this.bumpRevision();
        }
      }
      if (verdict.decision === 'require_approval') {
        if (approval === null) throw new HeyOpsError('INTERNAL', 'an approval-required verdict needs an approval id');
        request = ApprovalRequestSchema.parse({
          id: approval.id,
          operationId,
          planHash: plan.hash,
          summary: plan.summary,
          risk: plan.risk,
          requestedBy: approval.requestedBy,
          requestedAt: now,
          expiresAt: approval.expiresAt,
          status: 'pending',
        });
        this.db
          .prepare(
            `INSERT INTO approvals(id, operation_id, plan_hash, summary, risk, requested_by, requested_at, expires_at, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
          )
          .run(request.id, operationId, request.planHash, request.summary, request.risk, request.requestedBy, request.requestedAt, request.expiresAt);
      }
      this.db
        .prepare(
          `UPDATE operations SET status = ?, plan_json = ?, plan_hash = ?, verdict_json = ?, approval_id = ?, updated_at = ? WHERE id = ?`,
        )
        .run(status, JSON.stringify(plan), plan.hash, JSON.stringify(verdict), request?.id ?? null, now, operationId);
      return { ok: true, approval: request } as const;
    });
  }

  // -------------------------------------------------------------------------------------------
  // In-flight slots
  // -------------------------------------------------------------------------------------------

  /** Changes running now. Reads (status, logs, cost) are not "in flight": they risk nothing. */
  private inFlightLocked(): number {
    const row = this.db.prepare(`SELECT COUNT(*) AS n FROM operations WHERE status = 'running' AND kind IN ('deploy', 'rollback')`).get() as Row;
    return Number(row.n);
  }

  /**
   * Takes one of `maxInFlight` slots for a queued or approved operation, atomically across
   * processes. Running operations whose owning process has died are marked interrupted first,
   * so a crash cannot hold a slot for ever.
   */
  tryAcquireSlot(operationId: string, owner: ProcessIdentity, maxInFlight: number, isAlive: (pid: number) => boolean): SlotOutcome {
    return this.transaction(() => {
      this.reclaimDeadLocked(owner, isAlive);
      const row = this.db.prepare('SELECT status, kind FROM operations WHERE id = ?').get(operationId) as Row | undefined;
      if (!row) throw new HeyOpsError('OPERATION_NOT_FOUND', `no operation ${operationId}`);
      const status = str(row.status) as OperationStatus;
      if (status !== 'queued' && status !== 'approved') return { ok: false, reason: 'not_runnable', status } as const;
      // Reads keep working under the kill switch and never wait for a change's slot.
      if (isMutatingKind(str(row.kind) as IntentKind)) {
        if (this.killSwitchLocked().engaged) return { ok: false, reason: 'kill_switch', status } as const;
        if (this.inFlightLocked() >= maxInFlight) return { ok: false, reason: 'full', status } as const;
      }
      const now = this.nowIso();
      this.db
        .prepare(`UPDATE operations SET status = 'running', owner = ?, started_at = ?, updated_at = ? WHERE id = ?`)
        .run(`${owner.pid}:${owner.token}`, now, now, operationId);
      this.appendJournalLocked(operationId, null, 'slot_acquired', { owner: `${owner.pid}:${owner.token}` });
      return { ok: true } as const;
    });
  }

  /** Marks as interrupted every running operation whose owner process is gone. */
  reclaimDead(self: ProcessIdentity, isAlive: (pid: number) => boolean): string[] {
    return this.transaction(() => this.reclaimDeadLocked(self, isAlive));
  }

  private reclaimDeadLocked(self: ProcessIdentity, isAlive: (pid: number) => boolean): string[] {
    const rows = this.db.prepare(`SELECT id, owner FROM operations WHERE status = 'running'`).all() as Row[];
    const interrupted: string[] = [];
    for (const row of rows) {
      const owner = strOrNull(row.owner) ?? '';
      const [pidText, token] = owner.split(':');
      const pid = Number(pidText);
      const ours = pid === self.pid && token === self.token;
      // Same pid with another token is an earlier incarnation of this pid: it is gone.
      const dead = !ours && (pid === self.pid || !Number.isInteger(pid) || !isAlive(pid));
      if (!dead) continue;
      const now = this.nowIso();
      this.db.prepare(`UPDATE operations SET status = 'interrupted', finished_at = ?, updated_at = ? WHERE id = ?`).run(now, now, str(row.id));
      this.appendJournalLocked(str(row.id), null, 'note', { interrupted: true, owner });
      interrupted.push(str(row.id));
    }
    return interrupted;
  }

  // -------------------------------------------------------------------------------------------
  // Operations and journal
  // -------------------------------------------------------------------------------------------

  createOperation(op: NewOperation): void {
    this.db
      .prepare(
        `INSERT INTO operations(id, correlation_id, kind, service, environment, status, dry_run, utterance, requested_by, channel, intent_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(op.id, op.correlationId, op.kind, op.service, op.environment, op.dryRun ? 1 : 0, op.utterance, op.requestedBy, op.channel, op.intentJson, op.createdAt, op.createdAt);
  }

  /** Records the plan's target on the operation (the plan may fill what the intent left open). */
  setOperationTarget(operationId: string, service: string | null, environment: Environment | null): void {
    this.db.prepare('UPDATE operations SET service = ?, environment = ?, updated_at = ? WHERE id = ?').run(service, environment, this.nowIso(), operationId);
  }

  /**
   * Ends an operation with its report. Frees its slot (status leaves 'running'), and returns
   * unspent budget when nothing mutating ran (denied, expired, cancelled before any change).
   */
  finishOperation(operationId: string, report: OperationReport, options: { refundBudget: boolean }): void {
    this.transaction(() => {
      const now = this.nowIso();
      this.db
        .prepare(
          `UPDATE operations SET status = ?, report_json = ?, headline = ?, finished_at = ?, updated_at = ?, cost_usd = ?, service = COALESCE(?, service), environment = COALESCE(?, environment) WHERE id = ?`,
        )
        .run(report.status, JSON.stringify(report), report.headline, now, now, report.costUsd, report.target.service, report.target.environment, operationId);
      if (options.refundBudget) {
        const deleted = this.db.prepare('DELETE FROM budget_events WHERE operation_id = ?').run(operationId);
        if (Number(deleted.changes) > 0) this.bumpRevision();
      }
      this.appendJournalLocked(operationId, null, 'slot_released', { status: report.status });
    });
  }

  /** Asks whoever runs the operation (any process) to stop it; queued ones never start. */
  requestCancel(operationId: string): void {
    this.transaction(() => {
      const now = this.nowIso();
      this.db.prepare('UPDATE operations SET cancel_requested_at = ?, updated_at = ? WHERE id = ?').run(now, now, operationId);
      const cancelled = this.db.prepare(`UPDATE operations SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('queued', 'approved')`).run(now, operationId);
      if (Number(cancelled.changes) > 0) {
        // It never started: nothing was changed, so its budget comes back.
        const deleted = this.db.prepare('DELETE FROM budget_events WHERE operation_id = ?').run(operationId);
        if (Number(deleted.changes) > 0) this.bumpRevision();
      }
    });
  }

  cancelRequested(operationId: string): boolean {
    const row = this.db.prepare('SELECT cancel_requested_at FROM operations WHERE id = ?').get(operationId) as Row | undefined;
    return row !== undefined && row.cancel_requested_at !== null;
  }

  getOperation(operationId: string): OperationRecord | null {
    const row = this.db.prepare('SELECT * FROM operations WHERE id = ?').get(operationId) as Row | undefined;
    return row ? this.toRecord(row) : null;
  }

  listOperations(limit: number): OperationRecord[] {
    return (this.db.prepare('SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[]).map((row) => this.toRecord(row));
  }

  listByStatus(status: OperationStatus): OperationRecord[] {
    return (this.db.prepare('SELECT * FROM operations WHERE status = ? ORDER BY created_at').all(status) as Row[]).map((row) => this.toRecord(row));
  }

  /** The newest deployment or rollback that changed something, for "roll back the last deployment". */
  lastSucceededDeployment(): { service: string; environment: Environment; operationId: string } | null {
    const row = this.db
      .prepare(`SELECT id, service, environment FROM operations WHERE kind = 'deploy' AND status = 'succeeded' AND service IS NOT NULL AND environment IS NOT NULL ORDER BY finished_at DESC, rowid DESC LIMIT 1`)
      .get() as Row | undefined;
    if (!row) return null;
    return { service: str(row.service), environment: str(row.environment) as Environment, operationId: str(row.id) };
  }

  /** Costs of finished operations since a time, for the `cost` intent. */
  costsSince(sinceIso: string, service: string | null): Array<{ operationId: string; kind: string; service: string | null; environment: string | null; costUsd: number; finishedAt: string }> {
    const rows = (service === null
      ? this.db.prepare(`SELECT id, kind, service, environment, cost_usd, finished_at FROM operations WHERE finished_at >= ? AND cost_usd > 0 ORDER BY finished_at DESC`).all(sinceIso)
      : this.db
          .prepare(`SELECT id, kind, service, environment, cost_usd, finished_at FROM operations WHERE finished_at >= ? AND cost_usd > 0 AND service = ? ORDER BY finished_at DESC`)
          .all(sinceIso, service)) as Row[];
    return rows.map((row) => ({
      operationId: str(row.id),
      kind: str(row.kind),
      service: strOrNull(row.service),
      environment: strOrNull(row.environment),
      costUsd: Number(row.cost_usd),
      finishedAt: str(row.finished_at),
    }));
  }

  appendJournal(operationId: string, stepId: string | null, event: JournalEntry['event'], data: Record<string, unknown>): void {
    this.appendJournalLocked(operationId, stepId, event, data);
  }

  private appendJournalLocked(operationId: string, stepId: string | null, event: JournalEntry['event'], data: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO journal(operation_id, step_id, event, at, data_json) VALUES (?, ?, ?, ?, ?)').run(operationId, stepId, event, this.nowIso(), JSON.stringify(data));
  }

  journal(operationId?: string): JournalEntry[] {
    const rows = (operationId === undefined
      ? this.db.prepare('SELECT * FROM journal ORDER BY seq').all()
      : this.db.prepare('SELECT * FROM journal WHERE operation_id = ? ORDER BY seq').all(operationId)) as Row[];
    return rows.map((row) => ({
      seq: Number(row.seq),
      operationId: str(row.operation_id),
      stepId: strOrNull(row.step_id),
      event: str(row.event) as JournalEntry['event'],
      at: str(row.at),
      data: JSON.parse(str(row.data_json)) as Record<string, unknown>,
    }));
  }

  private toRecord(row: Row): OperationRecord {
    const plan = row.plan_json ? PlanSchema.parse(JSON.parse(str(row.plan_json))) : null;
    const report = row.report_json ? OperationReportSchema.parse(JSON.parse(str(row.report_json))) : null;
    const verdict = row.verdict_json ? SafetyVerdictSchema.parse(JSON.parse(str(row.verdict_json))) : null;
    return {
      operationId: str(row.id),
      correlationId: str(row.correlation_id),
      kind: str(row.kind) as IntentKind,
      target: { service: strOrNull(row.service), environment: strOrNull(row.environment) as Environment | null },
      status: str(row.status) as OperationStatus,
      utterance: str(row.utterance),
      requestedBy: str(row.requested_by),
      headline: strOrNull(row.headline),
      approvalId: strOrNull(row.approval_id),
      createdAt: str(row.created_at),
      updatedAt: str(row.updated_at),
      dryRun: Number(row.dry_run) === 1,
      channel: str(row.channel),
      plan,
      verdict,
      report,
      owner: strOrNull(row.owner),
      startedAt: strOrNull(row.started_at),
      finishedAt: strOrNull(row.finished_at),
      costUsd: Number(row.cost_usd),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Approvals
  // -------------------------------------------------------------------------------------------

  private expireApprovalsLocked(): string[] {
    const now = this.nowIso();
    const expired = this.db.prepare(`SELECT id, operation_id FROM approvals WHERE status = 'pending' AND expires_at <= ?`).all(now) as Row[];
    for (const row of expired) {
      this.db.prepare(`UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ?`).run(now, str(row.id));
      this.db.prepare(`UPDATE operations SET status = 'expired', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'pending_approval'`).run(now, now, str(row.operation_id));
      const deleted = this.db.prepare('DELETE FROM budget_events WHERE operation_id = ?').run(str(row.operation_id));
      if (Number(deleted.changes) > 0) this.bumpRevision();
    }
    return expired.map((row) => str(row.operation_id));
  }

  /** Marks overdue approvals expired (and their operations), returning the operation ids. */
  expireApprovals(): string[] {
    return this.transaction(() => this.expireApprovalsLocked());
  }

  getApproval(id: string): ApprovalRequest | null {
    const row = this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toApproval(row) : null;
  }

  pendingApprovals(): ApprovalRequest[] {
    return this.transaction(() => {
      this.expireApprovalsLocked();
      return (this.db.prepare(`SELECT * FROM approvals WHERE status = 'pending' ORDER BY requested_at`).all() as Row[]).map((row) => this.toApproval(row));
    });
  }

  private toApproval(row: Row): ApprovalRequest {
    return ApprovalRequestSchema.parse({
      id: str(row.id),
      operationId: str(row.operation_id),
      planHash: str(row.plan_hash),
      summary: str(row.summary),
      risk: str(row.risk),
      requestedBy: str(row.requested_by),
      requestedAt: str(row.requested_at),
      expiresAt: str(row.expires_at),
      status: str(row.status),
    });
  }

  /**
   * Decides a pending approval, atomically: it must exist, be pending, not be expired, and —
   * when the decider names a plan hash — match the plan it was opened for. Approved operations
   * become 'approved' (runnable by whoever claims a slot); denied ones end with budget returned.
   */
  decideApproval(input: { id: string; decision: 'approved' | 'denied'; decidedBy: string; channel: Channel; planHash: string | null; reason: string | null }): ApprovalRequest {
    // Expiry commits on its own: a refused late decision must not roll it back.
    this.expireApprovals();
    return this.transaction(() => {
      this.expireApprovalsLocked();
      const row = this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(input.id) as Row | undefined;
      if (!row) throw new HeyOpsError('APPROVAL_NOT_FOUND', `There is no approval request "${input.id}". See pending ones with: hey-ops status`);
      const approval = this.toApproval(row);
      if (approval.status === 'expired') {
        throw new HeyOpsError('APPROVAL_EXPIRED', `Approval ${approval.id} expired at ${approval.expiresAt}; nothing was changed. Run the command again to get a new plan.`);
      }
      if (approval.status !== 'pending') {
        throw new HeyOpsError('APPROVAL_ALREADY_DECIDED', `Approval ${approval.id} was already ${approval.status}.`);
      }
      const opRow = this.db.prepare('SELECT plan_hash FROM operations WHERE id = ?').get(approval.operationId) as Row | undefined;
      const currentHash = opRow ? strOrNull(opRow.plan_hash) : null;
      if (currentHash !== approval.planHash || (input.planHash !== null && input.planHash !== approval.planHash)) {
        throw new HeyOpsError('APPROVAL_PLAN_MISMATCH', `Approval ${approval.id} was opened for a different plan than the one presented; nothing was approved.`, {
          expected: approval.planHash,
          presented: input.planHash,
        });
      }
      const now = this.nowIso();
      const status = input.decision === 'approved' ? 'approved' : 'denied';
      this.db
        .prepare('UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, channel = ?, reason = ? WHERE id = ?')
        .run(status, input.decidedBy, now, input.channel, input.reason, approval.id);
      this.db.prepare(`UPDATE operations SET status = ?, updated_at = ? WHERE id = ?`).run(status, now, approval.operationId);
      this.appendJournalLocked(approval.operationId, null, 'note', { approval: status, by: input.decidedBy, channel: input.channel });
      if (status === 'denied') {
        const deleted = this.db.prepare('DELETE FROM budget_events WHERE operation_id = ?').run(approval.operationId);
        if (Number(deleted.changes) > 0) this.bumpRevision();
      }
      return { ...approval, status };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Kill switch
  // -------------------------------------------------------------------------------------------

  private killSwitchLocked(): KillSwitchState {
    return {
      engaged: this.meta('kill_engaged') === '1',
      by: this.meta('kill_by'),
      at: this.meta('kill_at'),
      reason: this.meta('kill_reason'),
      channel: this.meta('kill_channel'),
    };
  }

  killSwitch(): KillSwitchState {
    return this.killSwitchLocked();
  }

  setKillSwitch(engaged: boolean, by: string, channel: Channel, reason: string | null): KillSwitchState {
    return this.transaction(() => {
      const at = this.nowIso();
      this.setMeta('kill_engaged', engaged ? '1' : '0');
      this.setMeta('kill_by', by);
      this.setMeta('kill_at', at);
      this.setMeta('kill_reason', reason);
      this.setMeta('kill_channel', channel);
      this.bumpRevision();
      return this.killSwitchLocked();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Conversation context
  // -------------------------------------------------------------------------------------------

  conversation(user: string): ConversationContext {
    const row = this.db.prepare('SELECT context_json FROM conversation WHERE user = ?').get(user) as Row | undefined;
    if (!row) return EMPTY_CONTEXT;
    const parsed = ConversationContextSchema.safeParse(JSON.parse(str(row.context_json)));
    return parsed.success ? parsed.data : EMPTY_CONTEXT;
  }

  setConversation(user: string, context: ConversationContext): void {
    this.db
      .prepare('INSERT INTO conversation(user, context_json) VALUES (?, ?) ON CONFLICT(user) DO UPDATE SET context_json = excluded.context_json')
      .run(user, JSON.stringify(ConversationContextSchema.parse(context)));
  }
}
