/**
 * Error codes and the one error class of Hey Ops.
 *
 * Codes are stable strings that tests, the CLI's exit codes and the dashboard key on; messages
 * are for people and say what to do. Errors cross threads, IPC and processes as `ErrorData`
 * (structured cloning drops subclasses), and are rebuilt with `HeyOpsError.fromData`.
 */
import type { ErrorData } from './messages.ts';

export const ERROR_CODES = [
  /** A message failed its schema at a boundary. */
  'INVALID_MESSAGE',
  /** The user's input (CLI arguments, command text) is not usable. */
  'INVALID_INPUT',
  /** A config or policy file is unreadable or invalid. */
  'CONFIG_INVALID',
  'KILL_SWITCH_ENGAGED',
  'BUDGET_EXHAUSTED',
  'CONCURRENCY_LIMIT',
  'APPROVAL_NOT_FOUND',
  'APPROVAL_EXPIRED',
  'APPROVAL_ALREADY_DECIDED',
  'APPROVAL_PLAN_MISMATCH',
  'APPROVAL_NOT_ALLOWED',
  'OPERATION_NOT_FOUND',
  /** A ref, commit or revision a lookup asked for does not exist. */
  'NOT_FOUND',
  'MCP_CONNECT_FAILED',
  'MCP_TOOL_MISSING',
  'MCP_TOOL_FAILED',
  'MCP_RESULT_INVALID',
  'TOOL_NOT_ALLOWED',
  'STEP_FAILED',
  'STEP_TIMEOUT',
  'OPERATION_TIMEOUT',
  'CANCELLED',
  'BUS_QUEUE_FULL',
  'LLM_FAILED',
  'STATE_CONFLICT',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class HeyOpsError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = 'HeyOpsError';
    this.code = code;
    this.data = data;
  }

  toData(): ErrorData {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromData(data: ErrorData): HeyOpsError {
    const code = (ERROR_CODES as readonly string[]).includes(data.code) ? (data.code as ErrorCode) : 'INTERNAL';
    return new HeyOpsError(code, data.message, data.data);
  }
}

export function isHeyOpsError(value: unknown): value is HeyOpsError {
  return value instanceof HeyOpsError;
}

/** Any thrown value as ErrorData; unknown errors become INTERNAL with their message kept. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof HeyOpsError) return error.toData();
  if (error instanceof Error && error.name === 'AbortError') return { code: 'CANCELLED', message: error.message || 'cancelled' };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

/** A zod error as one readable line that names each failing field by its path. */
export function describeZodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}
