/**
 * What the window shows, computed from the core's data by pure functions (tested without a
 * browser); the components only lay it out.
 */
import { formatDuration } from '../../common/format.ts';
import type { CoreStatus, OperationSummary } from '../../common/ipc.ts';
import type { OperationReport, OperationStatus } from '../../common/messages.ts';

/** How many reports the window keeps. */
export const MAX_REPORTS = 12;

/** One row of the report list: a full report, or a summary from the history (no text). */
export interface ReportItem {
  readonly operationId: string;
  readonly headline: string;
  readonly status: OperationStatus;
  readonly text: string | null;
  readonly question: string | null;
  readonly dryRun: boolean;
  readonly at: string;
}

export type Tone = 'ok' | 'pending' | 'warn' | 'error' | 'info';

export function toneOf(status: OperationStatus): Tone {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'dry_run':
      return 'info';
    case 'planned':
    case 'pending_approval':
    case 'approved':
    case 'queued':
    case 'running':
      return 'pending';
    case 'needs_input':
    case 'denied':
    case 'expired':
    case 'cancelled':
    case 'interrupted':
      return 'warn';
    case 'failed':
    case 'refused':
      return 'error';
  }
}

/** "pending_approval" → "pending approval". */
export function statusLabel(status: OperationStatus): string {
  return status.replace(/_/g, ' ');
}

export function fromReport(report: OperationReport): ReportItem {
  return {
    operationId: report.operationId,
    headline: report.headline,
    status: report.status,
    text: report.text,
    question: report.question,
    dryRun: report.dryRun,
    at: report.createdAt,
  };
}

export function fromSummary(summary: OperationSummary): ReportItem {
  return {
    operationId: summary.operationId,
    headline: summary.headline ?? summary.utterance,
    status: summary.status,
    text: null,
    question: null,
    dryRun: false,
    at: summary.updatedAt,
  };
}

/**
 * The list with `item` in it: a newer report of the same operation replaces the older one
 * and moves to the top; a history summary never replaces a full report.
 */
export function upsertReport(list: readonly ReportItem[], item: ReportItem, max = MAX_REPORTS): ReportItem[] {
  const existing = list.find((entry) => entry.operationId === item.operationId);
  if (existing !== undefined && item.text === null && existing.text !== null) return [...list];
  return [item, ...list.filter((entry) => entry.operationId !== item.operationId)].slice(0, max);
}

/** "expires in 8m 20s", "expired". */
export function expiryLabel(expiresAt: string, now: Date): string {
  const ms = Date.parse(expiresAt) - now.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return 'expired';
  return `expires in ${formatDuration(Math.ceil(ms / 1000) * 1000)}`;
}

export interface StatusView {
  readonly inFlight: string;
  readonly deploys: string;
  readonly rollbacks: string;
  readonly killSwitch: string;
  readonly engaged: boolean;
  readonly sandbox: boolean;
}

export function statusView(status: CoreStatus | null): StatusView {
  if (status === null) return { inFlight: '–', deploys: '–', rollbacks: '–', killSwitch: '–', engaged: false, sandbox: false };
  const { killSwitch } = status;
  return {
    inFlight: `${status.inFlight}/${status.maxInFlight}`,
    deploys: `${status.deployBudget.used}/${status.deployBudget.limit}`,
    rollbacks: `${status.rollbackBudget.used}/${status.rollbackBudget.limit}`,
    killSwitch: killSwitch.engaged ? `ENGAGED${killSwitch.by === null ? '' : ` by ${killSwitch.by}`}` : 'off',
    engaged: killSwitch.engaged,
    sandbox: status.sandbox,
  };
}

/** The message to show for a failed call; the preload's errors carry the core's message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/^Error invoking remote method '[^']+': (?:\w*Error: )?/, '');
  return String(error);
}
