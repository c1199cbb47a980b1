/**
 * What an executor's step logic is given (injected, never imported): the tools, the abort
 * signal, a clock and an abortable sleep. `runStep` turns the step body's outcome — a value or
 * a thrown HeyOpsError — into a StepResult, so executors never hand exceptions across threads.
 */
import { HeyOpsError, toErrorData } from '../../../common/errors.ts';
import { StepResultSchema, type ExecutionTask, type StepResult } from '../../../common/messages.ts';
import type { ToolCaller } from '../../../common/tool-port.ts';

export interface StepContext {
  readonly tools: ToolCaller;
  readonly signal: AbortSignal;
  now(): Date;
  /** Resolves after `ms`, or rejects with the abort reason as soon as the signal fires. */
  sleep(ms: number): Promise<void>;
  log(message: string, data?: Record<string, unknown>): void;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): HeyOpsError {
  const reason: unknown = signal.reason;
  if (reason instanceof HeyOpsError) return reason;
  return new HeyOpsError('CANCELLED', reason instanceof Error ? reason.message : 'the operation was cancelled');
}

/** Throws the abort reason if the operation has been stopped; call between remote actions. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}

export function createStepContext(tools: ToolCaller, signal: AbortSignal, log: StepContext['log'] = () => {}): StepContext {
  return {
    tools,
    signal,
    now: () => new Date(),
    sleep: (ms) => abortableSleep(ms, signal),
    log,
  };
}

/** Runs a step body and reports it as a StepResult. */
export async function runStep(task: ExecutionTask, ctx: StepContext, body: () => Promise<Record<string, unknown>>): Promise<StepResult> {
  const started = ctx.now();
  let status: StepResult['status'] = 'succeeded';
  let output: Record<string, unknown> = {};
  let error: StepResult['error'] = null;
  try {
    throwIfAborted(ctx.signal);
    output = await body();
  } catch (caught) {
    error = toErrorData(caught);
    // Stopped from outside (kill switch, cancel) is 'cancelled'; everything else, timeouts
    // included, is a failure of the step.
    status = error.code === 'CANCELLED' || error.code === 'KILL_SWITCH_ENGAGED' ? 'cancelled' : 'failed';
    if (caught instanceof HeyOpsError && caught.data?.output && typeof caught.data.output === 'object') {
      output = caught.data.output as Record<string, unknown>;
    }
  }
  const finished = ctx.now();
  return StepResultSchema.parse({
    operationId: task.operationId,
    stepId: task.step.id,
    title: task.step.title,
    status,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    toolCalls: [...ctx.tools.records],
    output,
    error,
  });
}
