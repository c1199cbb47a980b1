/**
 * Steps that need no MCP server and run in the main process: telling the team (desktop
 * notification through the shell's Notifier; a log line headless) and summing the costs
 * recorded in the history.
 */
import { HeyOpsError } from '../../common/errors.ts';
import { formatUsd } from '../../common/format.ts';
import { StepResultSchema, type ExecutionTask, type StepResult } from '../../common/messages.ts';
import type { StateStore } from './state-store.ts';

export interface Notification {
  readonly title: string;
  readonly body: string;
  readonly approvalId?: string;
  readonly urgency: 'normal' | 'critical';
}

/** The shell shows these natively; headless mode writes them to the log. */
export interface Notifier {
  notify(notification: Notification): void;
}

export function runLocalStep(task: ExecutionTask, deps: { store: StateStore; notifier: Notifier; summary: string; now: () => Date }): StepResult {
  const started = deps.now();
  let output: Record<string, unknown>;
  const params = task.step.params;
  switch (params.action) {
    case 'notify':
      deps.notifier.notify({ title: 'Hey Ops', body: deps.summary, urgency: 'normal' });
      output = { channel: params.channel, audience: params.audience, message: deps.summary };
      break;
    case 'summarize_costs': {
      const since = new Date(started.getTime() - params.sinceMs).toISOString();
      const entries = deps.store.costsSince(since, params.service);
      const byService: Record<string, number> = {};
      for (const entry of entries) byService[entry.service ?? 'other'] = (byService[entry.service ?? 'other'] ?? 0) + entry.costUsd;
      const totalUsd = entries.reduce((sum, entry) => sum + entry.costUsd, 0);
      const last = entries.find((entry) => entry.kind === 'deploy') ?? null;
      output = {
        since,
        service: params.service,
        totalUsd,
        total: formatUsd(totalUsd),
        operations: entries.length,
        byService,
        lastDeployment: last === null ? null : { operationId: last.operationId, service: last.service, environment: last.environment, costUsd: last.costUsd, finishedAt: last.finishedAt },
      };
      break;
    }
    default:
      throw new HeyOpsError('TOOL_NOT_ALLOWED', `${params.action} is not a local step`);
  }
  const finished = deps.now();
  return StepResultSchema.parse({
    operationId: task.operationId,
    stepId: task.step.id,
    title: task.step.title,
    status: 'succeeded',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    toolCalls: [],
    output,
    error: null,
  });
}
