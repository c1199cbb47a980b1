/**
 * The seven agents as the core sees them: one typed method each, every call an envelope on the
 * bus (so priorities, the bounded queue, correlation and causation apply), every result parsed
 * with its zod schema on the way back from the worker thread.
 */
import { MessageChannel } from 'node:worker_threads';
import { z } from 'zod';
import { PRIORITY, type Priority } from '../../common/envelope.ts';
import { HeyOpsError, describeZodIssues, toErrorData } from '../../common/errors.ts';
import {
  ErrorDataSchema,
  ExecutionTaskSchema,
  IntentSchema,
  OperationReportSchema,
  PlanSchema,
  SafetyVerdictSchema,
  StepResultSchema,
  ToolCallRecordSchema,
  type AgentName,
  type ExecutionTask,
  type Intent,
  type OperationReport,
  type Plan,
  type SafetyVerdict,
  type StepResult,
} from '../../common/messages.ts';
import type { AgentPool } from './agent-pool.ts';
import type { Bus } from './bus.ts';
import type { Logger } from './logger.ts';
import type { Access } from './mcp/tool-access.ts';
import type { McpExecutor, ToolBroker } from './mcp/tool-broker.ts';

/** What a call needs to travel on the bus. */
export interface CallMeta {
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly traceparent?: string | null;
  readonly logger: Logger;
}

export const CommitFactsSchema = z.object({
  commitSha: z.string().nullable(),
  commitMessage: z.string().nullable(),
  error: ErrorDataSchema.nullable(),
  toolCalls: z.array(ToolCallRecordSchema).optional(),
});
export const RevisionFactsSchema = z.object({
  servingRevision: z.string().nullable(),
  previousRevision: z.string().nullable(),
  error: ErrorDataSchema.nullable(),
  toolCalls: z.array(ToolCallRecordSchema).optional(),
});

const TYPES = {
  parse: 'intent.parse',
  plan: 'plan.create',
  check: 'safety.check',
  route: 'plan.route',
  execute: 'step.execute',
  resolve: 'facts.resolve',
  report: 'report.build',
} as const;

interface ExecutePayload {
  readonly executor: McpExecutor;
  /** What the job's tool calls may do: lookups and read steps may only read. */
  readonly access: Access;
  readonly job: Record<string, unknown>;
  readonly signal: AbortSignal;
}

/** After a soft abort, how long an executor may take to wind down before its thread is ended. */
const HARD_STOP_GRACE_MS = 5_000;

function parseResult<S extends z.ZodType>(agent: AgentName, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HeyOpsError('INVALID_MESSAGE', `${agent} returned an invalid result: ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data as z.infer<S>;
}

export class Agents {
  private readonly bus: Bus;
  private readonly pool: AgentPool;
  private readonly broker: ToolBroker;
  /** A correlation-scoped logger for the tool calls of one operation. */
  private readonly loggerFor: (correlationId: string) => Logger;

  constructor(bus: Bus, pool: AgentPool, broker: ToolBroker, loggerFor: (correlationId: string) => Logger) {
    this.bus = bus;
    this.pool = pool;
    this.broker = broker;
    this.loggerFor = loggerFor;
    bus.handle(TYPES.parse, (envelope) => pool.run('intent-parser', envelope.payload));
    bus.handle(TYPES.plan, (envelope) => pool.run('planner', envelope.payload));
    bus.handle(TYPES.check, (envelope) => pool.run('safety-checker', envelope.payload));
    bus.handle(TYPES.route, (envelope) => pool.run('router', envelope.payload));
    bus.handle(TYPES.report, (envelope) => pool.run('reporter', envelope.payload));
    const runExecutor = (envelope: { payload: unknown; correlationId: string }): Promise<unknown> => this.runExecutor(envelope.payload as ExecutePayload, envelope.correlationId);
    bus.handle(TYPES.execute, runExecutor);
    bus.handle(TYPES.resolve, runExecutor);
  }

  private async call(type: string, payload: unknown, priority: Priority, meta: CallMeta): Promise<unknown> {
    const { result, envelope } = await this.bus.request<unknown>(type, payload, {
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? null,
      traceparent: meta.traceparent ?? null,
      priority,
    });
    meta.logger.debug({ type, envelopeId: envelope.id }, 'agent answered');
    return result;
  }

  async parseIntent(input: Record<string, unknown>, meta: CallMeta): Promise<Intent> {
    return parseResult('intent-parser', IntentSchema, await this.call(TYPES.parse, input, PRIORITY.read, meta));
  }

  async plan(input: Record<string, unknown>, priority: Priority, meta: CallMeta): Promise<Plan> {
    return parseResult('planner', PlanSchema, await this.call(TYPES.plan, input, priority, meta));
  }

  async checkSafety(input: Record<string, unknown>, priority: Priority, meta: CallMeta): Promise<SafetyVerdict> {
    return parseResult('safety-checker', SafetyVerdictSchema, await this.call(TYPES.check, input, priority, meta));
  }

  async route(input: Record<string, unknown>, priority: Priority, meta: CallMeta): Promise<ExecutionTask[]> {
    return parseResult('router', z.array(ExecutionTaskSchema), await this.call(TYPES.route, input, priority, meta));
  }

  async report(input: Record<string, unknown>, meta: CallMeta): Promise<OperationReport> {
    return parseResult('reporter', OperationReportSchema, await this.call(TYPES.report, input, PRIORITY.read, meta));
  }

  /** Runs one plan step on its executor; never throws — failures come back as a StepResult. */
  async executeStep(task: ExecutionTask, signal: AbortSignal, priority: Priority, meta: CallMeta): Promise<StepResult> {
    const executor = task.executor === 'github' ? 'github' : 'gcp';
    try {
      const payload: ExecutePayload = { executor, access: task.step.mutating ? 'change' : 'read', job: { job: 'step', task }, signal };
      return parseResult(`${executor}-executor`, StepResultSchema, await this.call(TYPES.execute, payload, priority, meta));
    } catch (error) {
      const now = new Date().toISOString();
      const data = toErrorData(error);
      return {
        operationId: task.operationId,
        stepId: task.step.id,
        title: task.step.title,
        status: data.code === 'CANCELLED' || data.code === 'KILL_SWITCH_ENGAGED' ? 'cancelled' : 'failed',
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
        toolCalls: [],
        output: {},
        error: data,
      };
    }
  }

  /** Read-only lookups before planning, on one executor. */
  async resolveCommit(github: { owner: string; repo: string; ref: string }, signal: AbortSignal, meta: CallMeta): Promise<z.infer<typeof CommitFactsSchema>> {
    const payload: ExecutePayload = { executor: 'github', access: 'read', job: { job: 'resolve', github, cloudRun: null }, signal };
    return parseResult('github-executor', CommitFactsSchema, await this.call(TYPES.resolve, payload, PRIORITY.read, meta));
  }

  async resolveRevisions(cloudRun: { project: string; region: string; service: string }, signal: AbortSignal, meta: CallMeta): Promise<z.infer<typeof RevisionFactsSchema>> {
    const payload: ExecutePayload = { executor: 'gcp', access: 'read', job: { job: 'resolve', github: null, cloudRun }, signal };
    return parseResult('gcp-executor', RevisionFactsSchema, await this.call(TYPES.resolve, payload, PRIORITY.read, meta));
  }

  /**
   * Runs an executor job with a fresh tool port. The operation's signal is the soft stop (the
   * worker is told, MCP calls are cancelled); if the worker has not returned a few seconds
   * later its thread is ended.
   */
  private async runExecutor(payload: ExecutePayload, correlationId: string): Promise<unknown> {
    const { port1, port2 } = new MessageChannel();
    const hardStop = new AbortController();
    let hardTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      hardTimer = setTimeout(() => hardStop.abort(payload.signal.reason), HARD_STOP_GRACE_MS);
    };
    payload.signal.addEventListener('abort', onAbort, { once: true });
    const logger = this.loggerFor(correlationId);
    const stopServing = this.broker.serve(port1, payload.executor, payload.access, payload.signal, logger);
    try {
      return await this.pool.run(`${payload.executor}-executor`, { ...payload.job, port: port2 }, { signal: hardStop.signal, transferList: [port2] });
    } finally {
      payload.signal.removeEventListener('abort', onAbort);
      if (hardTimer) clearTimeout(hardTimer);
      stopServing();
    }
  }
}
