/**
 * The Hey Ops core and its composition root. The Electron shell, `hey-ops serve` and the CLI
 * each create one of these and drive it through `HeyOpsService`.
 *
 * A command's path: Utterance → Intent Parser → (read-only lookups by the executors) → Planner
 * → Safety Checker → admission in the state store → [approval by hand] → Router → executors,
 * step by step, journalled → Reporter. Every hop is an envelope on the bus carrying the
 * command's correlation id; every decision that must hold across processes is a transaction
 * in the state store.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { HeyOpsConfig } from '../../common/config.ts';
import { PRIORITY, type Priority } from '../../common/envelope.ts';
import { HeyOpsError, describeZodIssues, toErrorData } from '../../common/errors.ts';
import { formatDuration } from '../../common/format.ts';
import {
  ActorSchema,
  DecideRequestSchema,
  HistoryRequestSchema,
  KillRequestSchema,
  RunCommandRequestSchema,
  type Actor,
  type CoreStatus,
  type DecideRequest,
  type HeyOpsService,
  type KillRequest,
  type OperationSummary,
  type RunCommandRequest,
} from '../../common/ipc.ts';
import {
  KillSwitchEventSchema,
  NO_FACTS,
  StepResultSchema,
  UtteranceSchema,
  isFinalStatus,
  isMutatingAction,
  type AgentHeartbeat,
  type AgentName,
  type ApprovalRequest,
  type ErrorData,
  type Intent,
  type KillSwitchEvent,
  type OperationReport,
  type OperationStatus,
  type Plan,
  type PlanningFacts,
  type SafetyVerdict,
  type StepResult,
} from '../../common/messages.ts';
import { GCP_TOOL_ALLOWLIST } from '../../workers/agents/gcp-executor/execute-gcp-step.ts';
import { GITHUB_TOOL_ALLOWLIST } from '../../workers/agents/github-executor/execute-github-step.ts';
import { AgentPool, defaultAgentWorkerFiles } from './agent-pool.ts';
import { Agents, type CallMeta } from './agents.ts';
import { Bus, childTraceparent } from './bus.ts';
import { loadConfig } from './config-loader.ts';
import { runLocalStep, type Notifier } from './local-executor.ts';
import { createLogger, forOperation, type Logger, type LoggerOptions } from './logger.ts';
import { McpConnections } from './mcp/mcp-connections.ts';
import { ToolBroker } from './mcp/tool-broker.ts';
import { StateStore, type OperationRecord, type ProcessIdentity } from './state-store.ts';

export type { Notifier } from './local-executor.ts';

export interface CoreOptions {
  /** HEY_OPS_HOME; defaults to the environment variable, then the per-user app-data folder. */
  readonly home?: string;
  /** Bundled worker files (the Electron build); plain Node uses the `.ts` files. */
  readonly agentWorkerFiles?: Partial<Record<AgentName, string>>;
  /** Bundled sandbox server scripts (the Electron build); plain Node uses the `.ts` files. */
  readonly sandboxServerScripts?: { readonly github: string; readonly gcp: string };
  readonly notifier?: Notifier;
  readonly logger?: LoggerOptions;
  /** The LLM key, from the OS secret store (app) or the environment (headless). */
  readonly llmApiKey?: string | null;
  /** For tests: a clock. */
  readonly now?: () => Date;
  /** For tests: how often waiting processes look at the shared state. */
  readonly pollIntervalMs?: number;
}

export interface HeyOpsCore extends HeyOpsService {
  readonly config: HeyOpsConfig;
  readonly store: StateStore;
  onDidReport(listener: (report: OperationReport) => void): () => void;
  onDidRequestApproval(listener: (approval: ApprovalRequest) => void): () => void;
  onDidChangeKillSwitch(listener: (event: KillSwitchEvent) => void): () => void;
  heartbeats(): AgentHeartbeat[];
  /** Only the Intent Parser: what Hey Ops hears in a command (nothing is planned or stored). */
  parseCommand(text: string, actor: Actor): Promise<Intent>;
  /** The operation's stored report, building it if the operation ended without one. */
  operationReport(operationId: string): Promise<OperationReport | null>;
  close(): Promise<void>;
}

const EVENTS = { report: 'operation.reported', approval: 'approval.requested', kill: 'killswitch.changed' } as const;

/** Milliseconds to wait between looks at the shared state while waiting on another process. */
const DEFAULT_POLL_MS = 100;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseInput<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HeyOpsError('INVALID_INPUT', `${what}: ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Short, typeable approval ids ("hey-ops approve 3f2a9c1b"). */
function newApprovalId(): string {
  return randomBytes(4).toString('hex');
}

function priorityFor(kind: Intent['kind']): Priority {
  return kind === 'deploy' || kind === 'rollback' ? PRIORITY.change : PRIORITY.read;
}

export async function createHeyOpsCore(options: CoreOptions = {}): Promise<HeyOpsCore> {
  const config = loadConfig({
    ...(options.home === undefined ? {} : { home: options.home }),
    ...(options.sandboxServerScripts === undefined ? {} : { sandboxServerScripts: options.sandboxServerScripts }),
  });
  return new Core(config, options);
}

class Core implements HeyOpsCore {
  readonly config: HeyOpsConfig;
  readonly store: StateStore;
  private readonly logger: Logger;
  private readonly bus: Bus;
  private readonly pool: AgentPool;
  private readonly connections: McpConnections;
  private readonly agents: Agents;
  private readonly notifier: Notifier;
  private readonly identity: ProcessIdentity = { pid: process.pid, token: randomBytes(6).toString('hex') };
  private readonly now: () => Date;
  private readonly pollMs: number;
  private readonly llmApiKey: string | null;
  /** Changes (deploys, rollbacks) this process is running, by id, with what stops them. */
  private readonly running = new Map<string, AbortController>();
  private readonly inProgress = new Set<Promise<unknown>>();
  private closed = false;

  constructor(config: HeyOpsConfig, options: CoreOptions) {
    this.config = config;
    this.now = options.now ?? (() => new Date());
    this.pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.logger = createLogger(options.logger);
    this.store = new StateStore(join(config.home, 'state.db'), this.now);
    this.bus = new Bus({ maxQueued: 512, concurrency: 16, logger: this.logger });
    this.pool = new AgentPool({ ...defaultAgentWorkerFiles(), ...options.agentWorkerFiles });
    this.connections = new McpConnections(config.mcpServers, this.logger);
    const broker = new ToolBroker(
      this.connections,
      {
        github: {
          servers: config.executors.github.servers,
          allowlist: GITHUB_TOOL_ALLOWLIST,
          required: Object.fromEntries(
            GITHUB_TOOL_ALLOWLIST.map((tool) => [
              tool,
              tool.startsWith('actions_') || tool === 'get_job_logs'
                ? 'github-mcp-server needs the actions toolset: set GITHUB_TOOLSETS=default,actions (or the X-MCP-Toolsets header for the remote server).'
                : 'Check that the server is github-mcp-server with the repos toolset.',
            ]),
          ),
        },
        gcp: {
          servers: config.executors.gcp.servers,
          allowlist: GCP_TOOL_ALLOWLIST,
          required: {
            run_gcloud_command: 'Add gcloud-mcp (npx -y @google-cloud/gcloud-mcp) to the gcp executor servers.',
            deploy_container_image: 'Add cloud-run-mcp (npx -y @google-cloud/cloud-run-mcp) to the gcp executor servers.',
          },
        },
      },
      this.logger,
      () => this.store.killSwitch().engaged,
    );
    this.agents = new Agents(this.bus, this.pool, broker, (correlationId) => forOperation(this.logger, correlationId));
    this.notifier = options.notifier ?? { notify: (n) => this.logger.info({ notification: n }, n.title) };
    this.llmApiKey = options.llmApiKey ?? (config.llm ? (process.env[config.llm.apiKeyEnv] ?? null) : null);

    const interrupted = this.store.reclaimDead(this.identity, isAlive);
    if (interrupted.length > 0) {
      this.logger.warn({ operations: interrupted }, 'operations interrupted by an earlier crash were marked interrupted; none is re-run');
      // Their reports say which steps ran and which may have (journal), so a person can check.
      for (const operationId of interrupted) void this.track(this.operationReport(operationId)).catch(() => {});
    }
  }

  // -------------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------------

  onDidReport(listener: (report: OperationReport) => void): () => void {
    return this.bus.subscribe(EVENTS.report, (envelope) => listener(envelope.payload as OperationReport));
  }
  onDidRequestApproval(listener: (approval: ApprovalRequest) => void): () => void {
    return this.bus.subscribe(EVENTS.approval, (envelope) => listener(envelope.payload as ApprovalRequest));
  }
  onDidChangeKillSwitch(listener: (event: KillSwitchEvent) => void): () => void {
    return this.bus.subscribe(EVENTS.kill, (envelope) => listener(envelope.payload as KillSwitchEvent));
  }

  heartbeats(): AgentHeartbeat[] {
    return this.pool.heartbeats();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inProgress.add(promise);
    void promise.finally(() => this.inProgress.delete(promise)).catch(() => {});
    return promise;
  }

  // -------------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------------

  runCommand(requestInput: RunCommandRequest, actorInput: Actor): Promise<OperationReport> {
    if (this.closed) return Promise.reject(new HeyOpsError('INTERNAL', 'Hey Ops is shutting down'));
    return this.track(this.handleCommand(requestInput, actorInput));
  }

  async parseCommand(text: string, actorInput: Actor): Promise<Intent> {
    const request = parseInput(RunCommandRequestSchema, { text }, 'command');
    const actor = parseInput(ActorSchema, actorInput, 'actor');
    const correlationId = randomUUID();
    return this.agents.parseIntent(
      {
        text: request.text,
        catalog: this.config.catalog,
        context: this.store.conversation(actor.user),
        now: this.now().toISOString(),
        llm: this.config.llm && this.llmApiKey ? { ...this.config.llm, apiKey: this.llmApiKey } : null,
      },
      { correlationId, logger: forOperation(this.logger, correlationId) },
    );
  }

  private async handleCommand(requestInput: RunCommandRequest, actorInput: Actor): Promise<OperationReport> {
    const request = parseInput(RunCommandRequestSchema, requestInput, 'command');
    const actor = parseInput(ActorSchema, actorInput, 'actor');
    const correlationId = randomUUID();
    const logger = forOperation(this.logger, correlationId);
    const utterance = UtteranceSchema.parse({
      id: correlationId,
      text: request.text,
      source: actor.channel,
      receivedAt: this.now().toISOString(),
      transcript: null,
      user: actor.user,
    });
    logger.info({ utterance: utterance.text, source: utterance.source, user: utterance.user }, 'command received');
    // One trace per command: every envelope it causes is a span of it.
    const traceparent = childTraceparent(null);
    const meta: CallMeta = { correlationId, logger, traceparent };
    const context = this.store.conversation(actor.user);
    const parsed = await this.agents.parseIntent(
      {
        text: utterance.text,
        catalog: this.config.catalog,
        context,
        now: utterance.receivedAt,
        llm: this.config.llm && this.llmApiKey ? { ...this.config.llm, apiKey: this.llmApiKey } : null,
      },
      meta,
    );
    const intent: Intent = request.dryRun ? { ...parsed, dryRun: true } : parsed;
    logger.info({ intent: { kind: intent.kind, service: intent.service, environment: intent.environment, dryRun: intent.dryRun, confidence: intent.confidence, parser: intent.parser } }, 'intent parsed');

    const operationId = randomUUID();
    this.store.createOperation({
      id: operationId,
      correlationId,
      kind: intent.kind,
      service: intent.service,
      environment: intent.environment,
      dryRun: intent.dryRun,
      utterance: utterance.text,
      requestedBy: actor.user,
      channel: actor.channel,
      intentJson: JSON.stringify(intent),
      createdAt: utterance.receivedAt,
    });
    const opMeta: CallMeta = { correlationId, traceparent, logger: forOperation(this.logger, correlationId, operationId) };

    switch (intent.kind) {
      case 'kill': {
        await this.engageKillSwitch({ reason: `said: "${utterance.text}"` }, actor);
        return this.finishWithoutPlan(operationId, intent, 'succeeded', null, null, opMeta);
      }
      case 'approve':
      case 'deny': {
        if (intent.approvalId === null) {
          const pending = this.store.pendingApprovals();
          const question =
            pending.length === 0
              ? 'There is nothing waiting for approval.'
              : `Which one? Waiting: ${pending.map((approval) => `${approval.id} (${approval.summary})`).join(', ')}.`;
          return this.finishWithoutPlan(operationId, intent, 'needs_input', question, null, opMeta);
        }
        try {
          const decided =
            intent.kind === 'approve'
              ? await this.approve({ approvalId: intent.approvalId }, actor)
              : await this.deny({ approvalId: intent.approvalId }, actor);
          await this.finishWithoutPlan(operationId, intent, 'succeeded', null, null, opMeta);
          return decided;
        } catch (error) {
          return this.finishWithoutPlan(operationId, intent, 'refused', null, toErrorData(error), opMeta);
        }
      }
      case 'cancel': {
        const cancelled = this.cancelLatest(actor.user, operationId);
        return this.finishWithoutPlan(operationId, intent, 'succeeded', cancelled === null ? 'There was nothing of yours to cancel.' : null, null, opMeta, cancelled);
      }
      case 'unknown':
        return this.finishWithoutPlan(operationId, intent, 'needs_input', intent.question ?? "I didn't understand that. Try: deploy api to staging.", null, opMeta);
      default:
        return this.operate(operationId, intent, request, actor, opMeta);
    }
  }

  /** Ends a command that needs no plan (kill, approve, cancel, unknown) with a report. */
  private async finishWithoutPlan(
    operationId: string,
    intent: Intent,
    status: OperationStatus,
    question: string | null,
    error: ErrorData | null,
    meta: CallMeta,
    note: string | null = null,
  ): Promise<OperationReport> {
    const record = this.store.getOperation(operationId);
    const report = await this.agents.report(
      {
        operationId,
        correlationId: meta.correlationId,
        kind: intent.kind,
        target: { service: intent.service, environment: intent.environment },
        status,
        dryRun: intent.dryRun,
        plan: null,
        verdict: null,
        approval: null,
        steps: [],
        error,
        question: question ?? note,
        startedAt: record?.createdAt ?? this.now().toISOString(),
        now: this.now().toISOString(),
      },
      meta,
    );
    this.store.finishOperation(operationId, report, { refundBudget: false });
    this.bus.publish(EVENTS.report, report, { correlationId: meta.correlationId, priority: PRIORITY.read });
    return report;
  }

  /** Read-only lookups before planning, so the plan binds the exact commit and revisions. */
  private async gatherFacts(intent: Intent, meta: CallMeta): Promise<PlanningFacts> {
    const facts: PlanningFacts = { ...NO_FACTS };
    const { catalog } = this.config;
    let service = intent.service;
    let environment = intent.environment;
    if (intent.kind === 'rollback' && service === null && environment === null) {
      const last = this.store.lastSucceededDeployment();
      facts.lastDeployment = last === null ? null : { service: last.service, environment: last.environment };
      service = last?.service ?? null;
      environment = last?.environment ?? null;
    }
    const entry = service === null ? undefined : catalog.services[service];
    if (entry === undefined || service === null || environment === null) return facts;
    const where = catalog.environments[environment];
    const signal = AbortSignal.timeout(60_000);
    const fail = (error: ErrorData): void => {
      // A ref or revision that does not exist (NOT_FOUND) is a question the planner asks;
      // anything else (a dead server, a 401, a malformed answer) is the operation's failure.
      if (error.code !== 'NOT_FOUND') throw HeyOpsError.fromData(error);
    };
    if (intent.kind === 'deploy') {
      const [owner, repo] = entry.repo.split('/') as [string, string];
      const commit = await this.agents.resolveCommit({ owner, repo, ref: intent.ref ?? entry.branch }, signal, meta);
      if (commit.error) fail(commit.error);
      facts.commitSha = commit.commitSha;
      facts.commitMessage = commit.commitMessage;
    }
    if (intent.kind === 'rollback') {
      const revisions = await this.agents.resolveRevisions({ project: where.project, region: where.region, service }, signal, meta);
      if (revisions.error) fail(revisions.error);
      facts.servingRevision = revisions.servingRevision;
      facts.previousRevision = revisions.previousRevision;
    }
    return facts;
  }

  private async operate(operationId: string, intent: Intent, request: ReturnType<typeof RunCommandRequestSchema.parse>, actor: Actor, meta: CallMeta): Promise<OperationReport> {
    const priority = priorityFor(intent.kind);
    let plan: Plan;
    try {
      const facts = await this.gatherFacts(intent, meta);
      plan = await this.agents.plan(
        {
          intent,
          context: {
            catalog: this.config.catalog,
            policy: this.config.policy,
            pricing: this.config.pricing,
            facts,
            planId: operationId,
            now: this.now().toISOString(),
          },
        },
        priority,
        meta,
      );
    } catch (error) {
      return this.finishOperation(operationId, intent, 'failed', null, null, [], toErrorData(error), meta);
    }
    this.store.setOperationTarget(operationId, plan.target.service, plan.target.environment);
    this.store.setConversation(actor.user, {
      lastService: plan.target.service ?? this.store.conversation(actor.user).lastService,
      lastEnvironment: plan.target.environment,
      lastKind: intent.kind,
      updatedAt: this.now().toISOString(),
    });

    const admitted = await this.admit(operationId, plan, intent, request.confirmed, actor, priority, meta);
    if (admitted === null) {
      return this.finishOperation(operationId, intent, 'refused', plan, null, [], { code: 'STATE_CONFLICT', message: 'The safety state kept changing while this command was checked; try again.' }, meta);
    }
    const { verdict, approval } = admitted;
    meta.logger.info({ decision: verdict.decision, findings: verdict.findings.map((finding) => finding.rule), planHash: plan.hash }, 'safety verdict');

    switch (verdict.decision) {
      case 'ask':
        return this.finishOperation(operationId, intent, 'needs_input', plan, verdict, [], null, meta);
      case 'refuse':
        return this.finishOperation(operationId, intent, 'refused', plan, verdict, [], null, meta);
      case 'require_approval': {
        if (approval === null) throw new HeyOpsError('INTERNAL', 'approval verdict without an approval');
        this.bus.publish(EVENTS.approval, approval, { correlationId: meta.correlationId, priority: PRIORITY.approval });
        this.notifier.notify({
          title: `Approval needed: ${plan.summary}`,
          body: `Risk ${plan.risk}. Approve with: hey-ops approve ${approval.id} (expires ${approval.expiresAt.slice(11, 16)} UTC)`,
          approvalId: approval.id,
          urgency: 'critical',
        });
        if (!request.wait) return this.pendingReport(operationId, meta);
        return this.waitForDecisionThenRun(operationId, meta);
      }
      case 'allow':
        if (plan.dryRun) return this.finishOperation(operationId, intent, 'dry_run', plan, verdict, [], null, meta);
        return this.execute(operationId, meta);
    }
  }

  /**
   * Safety check and admission, retried while other processes change the state under us
   * (each retry reads a fresh snapshot; the verdict is committed only on the revision it saw).
   */
  private async admit(
    operationId: string,
    plan: Plan,
    intent: Intent,
    confirmed: boolean,
    actor: Actor,
    priority: Priority,
    meta: CallMeta,
  ): Promise<{ verdict: SafetyVerdict; approval: ApprovalRequest | null } | null> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const snapshot = this.store.snapshot(this.config.policy.rateLimits.windowMs);
      const verdict = await this.agents.checkSafety(
        { plan, snapshot, policy: this.config.policy, confidence: intent.confidence, serviceSource: plan.serviceSource, confirmed },
        priority,
        meta,
      );
      const approval =
        verdict.decision === 'require_approval'
          ? { id: newApprovalId(), expiresAt: new Date(Date.parse(snapshot.now) + this.config.policy.approvals.expiresAfterMs).toISOString(), requestedBy: actor.user }
          : null;
      const outcome = this.store.admit(operationId, plan, verdict, approval);
      if (outcome.ok) return { verdict, approval: outcome.approval };
      // Someone else changed the budget or the kill switch between our snapshot and commit, or
      // (rarely) the short approval id was taken: check again with a fresh snapshot and id.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 + attempt)));
    }
    return null;
  }

  private async pendingReport(operationId: string, meta: CallMeta): Promise<OperationReport> {
    const record = this.requireOperation(operationId);
    const approval = record.approvalId === null ? null : this.store.getApproval(record.approvalId);
    return this.agents.report(this.reportInput(record, 'pending_approval', [], null, approval === null ? null : { id: approval.id, expiresAt: approval.expiresAt }, meta), meta);
  }

  /** Waits (this process) until a hand decides, then runs the operation or reports the end. */
  private async waitForDecisionThenRun(operationId: string, meta: CallMeta): Promise<OperationReport> {
    for (;;) {
      this.store.expireApprovals();
      const record = this.requireOperation(operationId);
      if (record.status === 'approved') return this.execute(operationId, meta);
      if (record.status !== 'pending_approval') return this.awaitFinalReport(operationId, meta);
      await new Promise((resolve) => setTimeout(resolve, this.pollMs * 2));
    }
  }

  /**
   * Waits for an operation another process is running, and returns its report. If that process
   * dies, its operation is marked interrupted here and the wait ends with that report.
   */
  private async awaitFinalReport(operationId: string, meta: CallMeta): Promise<OperationReport> {
    for (;;) {
      this.store.reclaimDead(this.identity, isAlive);
      const report = await this.operationReport(operationId, meta);
      if (report !== null) return report;
      await new Promise((resolve) => setTimeout(resolve, this.pollMs * 2));
    }
  }

  async operationReport(operationId: string, metaInput?: CallMeta): Promise<OperationReport | null> {
    this.store.expireApprovals();
    const record = this.store.getOperation(operationId);
    if (record === null) return null;
    if (record.report !== null) return record.report;
    if (!isFinalStatus(record.status)) return null;
    // Ended without a report (expired approval, interrupted by a crash): write it now.
    const meta = metaInput ?? { correlationId: record.correlationId, logger: forOperation(this.logger, record.correlationId, operationId) };
    const steps = this.stepsFromJournal(operationId);
    const report = await this.agents.report(this.reportInput(record, record.status, steps, null, null, meta), meta);
    this.store.finishOperation(operationId, report, { refundBudget: false });
    return report;
  }

  /**
   * What the journal says each step did, for operations that ended without a report (a crash).
   * A step with a start but no result may have taken effect: it is reported as `unknown`,
   * never as "not run", so nobody re-runs a change on the strength of the report.
   */
  private stepsFromJournal(operationId: string): StepResult[] {
    const entries = this.store.journal(operationId);
    const results = new Map(entries.filter((entry) => entry.event === 'result').map((entry) => [entry.stepId, StepResultSchema.parse(entry.data.result)]));
    const steps: StepResult[] = [];
    for (const entry of entries) {
      if (entry.event !== 'start' || entry.stepId === null) continue;
      const result = results.get(entry.stepId);
      if (result !== undefined) {
        steps.push(result);
        continue;
      }
      const title = this.store.getOperation(operationId)?.plan?.steps.find((step) => step.id === entry.stepId)?.title ?? entry.stepId;
      steps.push({
        operationId,
        stepId: entry.stepId,
        title,
        status: 'unknown',
        startedAt: entry.at,
        finishedAt: null,
        durationMs: 0,
        toolCalls: [],
        output: {},
        error: { code: 'INTERNAL', message: 'the process running this step stopped before it reported; whether it took effect is unknown' },
      });
    }
    return steps;
  }

  private requireOperation(operationId: string): OperationRecord {
    const record = this.store.getOperation(operationId);
    if (record === null) throw new HeyOpsError('OPERATION_NOT_FOUND', `no operation ${operationId}`);
    return record;
  }

  private reportInput(
    record: OperationRecord,
    status: OperationStatus,
    steps: StepResult[],
    error: ErrorData | null,
    approval: { id: string; expiresAt: string } | null,
    meta: CallMeta,
  ): Record<string, unknown> {
    return {
      operationId: record.operationId,
      correlationId: meta.correlationId,
      kind: record.kind,
      target: record.target,
      status,
      dryRun: record.dryRun,
      plan: record.plan,
      verdict: record.verdict,
      approval,
      steps,
      error,
      question: record.plan?.question ?? null,
      startedAt: record.startedAt ?? record.createdAt,
      now: this.now().toISOString(),
    };
  }

  private async finishOperation(
    operationId: string,
    intent: Intent,
    status: OperationStatus,
    plan: Plan | null,
    verdict: SafetyVerdict | null,
    steps: StepResult[],
    error: ErrorData | null,
    meta: CallMeta,
  ): Promise<OperationReport> {
    const record = this.requireOperation(operationId);
    const question = status === 'needs_input' ? (plan?.question ?? verdict?.findings.find((finding) => finding.rule === 'needs_confirmation' || finding.rule === 'needs_target')?.message ?? intent.question) : null;
    const report = await this.agents.report(
      {
        operationId,
        correlationId: meta.correlationId,
        kind: intent.kind,
        target: plan?.target ?? { service: intent.service, environment: intent.environment },
        status,
        dryRun: intent.dryRun,
        plan,
        verdict,
        approval: null,
        steps,
        error,
        question,
        startedAt: record.createdAt,
        now: this.now().toISOString(),
      },
      meta,
    );
    this.store.finishOperation(operationId, report, { refundBudget: true });
    this.bus.publish(EVENTS.report, report, { correlationId: meta.correlationId, priority: PRIORITY.read });
    meta.logger.info({ status: report.status, headline: report.headline }, 'operation reported');
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Execution
  // -------------------------------------------------------------------------------------------

  /**
   * Runs an admitted (queued or approved) operation in this process: waits for an in-flight
   * slot, routes the plan, runs the steps one by one with the journal written before and after
   * each, and reports. If another process claims it first, waits for that one's report.
   */
  private async execute(operationId: string, meta: CallMeta): Promise<OperationReport> {
    const policy = this.config.policy;
    const queuedAt = this.now().getTime();
    for (;;) {
      const slot = this.store.tryAcquireSlot(operationId, this.identity, policy.maxInFlight, isAlive);
      if (slot.ok) break;
      if (slot.reason === 'not_runnable') return this.awaitFinalReport(operationId, meta);
      const record = this.requireOperation(operationId);
      if (slot.reason === 'kill_switch') {
        return this.finishExecution(record, 'cancelled', [], new HeyOpsError('KILL_SWITCH_ENGAGED', 'The kill switch is engaged; the operation was dropped before it started.').toData(), meta);
      }
      if (this.now().getTime() - queuedAt > policy.timeouts.queueMs) {
        return this.finishExecution(record, 'failed', [], new HeyOpsError('CONCURRENCY_LIMIT', `No free slot within ${formatDuration(policy.timeouts.queueMs)} (${policy.maxInFlight} operations in flight).`).toData(), meta);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }

    const record = this.requireOperation(operationId);
    const plan = record.plan;
    if (plan === null) throw new HeyOpsError('INTERNAL', `operation ${operationId} has no plan`);
    const controller = new AbortController();
    // The kill switch stops changes; reads (status, logs, cost) keep working through it.
    const mutating = plan.steps.some((step) => step.mutating);
    if (mutating) this.running.set(operationId, controller);
    const stopWatching = this.watchForStop(operationId, controller, mutating);
    const operationTimer = setTimeout(
      () => controller.abort(new HeyOpsError('OPERATION_TIMEOUT', `The operation took longer than ${formatDuration(policy.timeouts.operationMs)} and was stopped.`)),
      policy.timeouts.operationMs,
    );
    const steps: StepResult[] = [];
    let failure: ErrorData | null = null;
    try {
      const tasks = await this.agents.route(
        {
          plan,
          operationId,
          correlationId: meta.correlationId,
          stepTimeoutMs: policy.timeouts.stepMs,
          pollIntervalMs: Math.min(5_000, Math.max(20, Math.round(5_000 * this.config.timeScale))),
          timeScale: this.config.timeScale,
        },
        priorityFor(plan.kind),
        meta,
      );
      const outputs: Record<string, Record<string, unknown>> = {};
      for (const task of tasks) {
        // Read the shared state now, not at the watcher's next tick: a kill switch engaged in
        // another process a moment ago must stop this step from starting.
        this.checkForStop(operationId, controller, mutating);
        if (controller.signal.aborted) break;
        const stepMutates = isMutatingAction(task.step.params.action);
        this.store.appendJournal(operationId, task.step.id, 'intent', { action: task.step.params.action, mutating: stepMutates, executor: task.executor });
        this.store.appendJournal(operationId, task.step.id, 'start', {});
        meta.logger.info({ step: task.step.id, action: task.step.params.action, executor: task.executor }, 'step started');
        const result = await this.runStepWithTimeout({ ...task, previousOutputs: outputs }, controller.signal, plan, meta);
        const cost = this.stepCost(task.step.params.action, result);
        const priced = cost > 0 ? { ...result, output: { ...result.output, costUsd: cost } } : result;
        steps.push(priced);
        outputs[task.step.id] = priced.output;
        this.store.appendJournal(operationId, task.step.id, 'result', { status: priced.status, durationMs: priced.durationMs, result: priced });
        meta.logger.info({ step: task.step.id, status: priced.status, durationMs: priced.durationMs, toolCalls: priced.toolCalls.length, error: priced.error?.message }, 'step finished');
        if (priced.status !== 'succeeded') {
          failure = priced.error;
          break;
        }
      }
    } catch (error) {
      failure = toErrorData(error);
    } finally {
      clearTimeout(operationTimer);
      stopWatching();
      this.running.delete(operationId);
    }
    if (controller.signal.aborted && failure === null) failure = toErrorData(controller.signal.reason);
    const status: OperationStatus =
      failure === null ? 'succeeded' : failure.code === 'KILL_SWITCH_ENGAGED' || failure.code === 'CANCELLED' ? 'cancelled' : 'failed';
    return this.finishExecution(this.requireOperation(operationId), status, steps, failure, meta);
  }

  private async runStepWithTimeout(task: Parameters<Agents['executeStep']>[0], operationSignal: AbortSignal, plan: Plan, meta: CallMeta): Promise<StepResult> {
    if (task.executor === 'local') {
      return runLocalStep(task, { store: this.store, notifier: this.notifier, summary: `${plan.summary}: all steps before this one succeeded.`, now: this.now });
    }
    const step = new AbortController();
    const forward = (): void => step.abort(operationSignal.reason);
    operationSignal.addEventListener('abort', forward, { once: true });
    const timer = setTimeout(() => step.abort(new HeyOpsError('STEP_TIMEOUT', `${task.step.title} took longer than ${formatDuration(task.timeoutMs)} and was stopped.`)), task.timeoutMs);
    try {
      return await this.agents.executeStep(task, step.signal, priorityFor(plan.kind), meta);
    } finally {
      clearTimeout(timer);
      operationSignal.removeEventListener('abort', forward);
    }
  }

  /** Aborts the operation if the kill switch (changes only) or a cancel is in the shared state. */
  private checkForStop(operationId: string, controller: AbortController, mutating: boolean): void {
    if (controller.signal.aborted) return;
    const kill = this.store.killSwitch();
    if (mutating && kill.engaged) {
      controller.abort(new HeyOpsError('KILL_SWITCH_ENGAGED', `Stopped by the kill switch${kill.by ? ` (engaged by ${kill.by})` : ''}.`));
      return;
    }
    if (this.store.cancelRequested(operationId)) controller.abort(new HeyOpsError('CANCELLED', 'Cancelled on request.'));
  }

  /** Watches the shared state while a step runs, so a stop from any process reaches it. */
  private watchForStop(operationId: string, controller: AbortController, mutating: boolean): () => void {
    const timer = setInterval(() => this.checkForStop(operationId, controller, mutating), this.pollMs);
    return () => clearInterval(timer);
  }

  private stepCost(action: string, result: StepResult): number {
    const { pricing } = this.config;
    const billableMs = typeof result.output.billableMs === 'number' ? result.output.billableMs : 0;
    if (action === 'run_tests' || action === 'build_artifact') return Math.round((billableMs / 60_000) * pricing.ciMinuteUsd * 10_000) / 10_000;
    if (action === 'deploy' && result.toolCalls.some((call) => call.outcome === 'ok')) return pricing.cloudRunDeployUsd;
    return 0;
  }

  private async finishExecution(record: OperationRecord, status: OperationStatus, steps: StepResult[], error: ErrorData | null, meta: CallMeta): Promise<OperationReport> {
    let report: OperationReport;
    try {
      report = await this.agents.report(this.reportInput(record, status, steps, error, null, meta), meta);
    } catch (reportError) {
      // The operation has ended whatever the Reporter says: its slot must be freed.
      meta.logger.error({ error: toErrorData(reportError) }, 'the reporter failed; writing a plain report');
      report = plainReport(record, status, steps, error, this.now());
    }
    // Budget comes back only when no step that changes the world started — by the journal,
    // which is written before a step starts, not by what the step managed to report.
    const started = new Set(this.store.journal(record.operationId).filter((entry) => entry.event === 'start').map((entry) => entry.stepId));
    const mutated = record.plan?.steps.some((step) => step.mutating && started.has(step.id)) ?? false;
    this.store.finishOperation(record.operationId, report, { refundBudget: !mutated });
    this.bus.publish(EVENTS.report, report, { correlationId: meta.correlationId, priority: PRIORITY.read });
    meta.logger.info({ status: report.status, headline: report.headline, durationMs: report.durationMs }, 'operation reported');
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Approvals, cancel, kill switch
  // -------------------------------------------------------------------------------------------

  approve(requestInput: DecideRequest, actorInput: Actor): Promise<OperationReport> {
    return this.track(this.decide(requestInput, actorInput, 'approved'));
  }

  deny(requestInput: DecideRequest, actorInput: Actor): Promise<OperationReport> {
    return this.track(this.decide(requestInput, actorInput, 'denied'));
  }

  private async decide(requestInput: DecideRequest, actorInput: Actor, decision: 'approved' | 'denied'): Promise<OperationReport> {
    const request = parseInput(DecideRequestSchema, requestInput, 'approval');
    const actor = parseInput(ActorSchema, actorInput, 'actor');
    if (decision === 'approved' && actor.channel === 'voice') {
      throw new HeyOpsError('APPROVAL_NOT_ALLOWED', 'Approvals are given by hand, never by voice: click Approve in the window or notification, or run hey-ops approve <id>.');
    }
    const approval = this.store.decideApproval({ id: request.approvalId, decision, decidedBy: actor.user, channel: actor.channel, planHash: request.planHash, reason: request.reason });
    const record = this.requireOperation(approval.operationId);
    const meta: CallMeta = { correlationId: record.correlationId, logger: forOperation(this.logger, record.correlationId, record.operationId) };
    meta.logger.info({ approvalId: approval.id, decision, by: actor.user, channel: actor.channel }, 'approval decided');
    if (decision === 'denied') return this.finishExecution(record, 'denied', [], null, meta);
    return this.execute(record.operationId, meta);
  }

  /** Cancels the caller's newest unfinished operation; returns what was cancelled. */
  private cancelLatest(user: string, exceptId: string): string | null {
    const candidates = this.store
      .listOperations(50)
      .filter((op) => op.operationId !== exceptId && op.requestedBy === user && ['pending_approval', 'approved', 'queued', 'running'].includes(op.status));
    const target = candidates[0];
    if (!target) return null;
    if (target.status === 'pending_approval' && target.approvalId !== null) {
      this.store.decideApproval({ id: target.approvalId, decision: 'denied', decidedBy: user, channel: 'system', planHash: null, reason: 'cancelled' });
    }
    this.store.requestCancel(target.operationId);
    this.running.get(target.operationId)?.abort(new HeyOpsError('CANCELLED', 'Cancelled on request.'));
    return `Cancelled: ${target.utterance}`;
  }

  async engageKillSwitch(requestInput: KillRequest, actorInput: Actor): Promise<KillSwitchEvent> {
    const request = parseInput(KillRequestSchema, requestInput, 'kill switch');
    const actor = parseInput(ActorSchema, actorInput, 'actor');
    const state = this.store.setKillSwitch(true, actor.user, actor.channel, request.reason);
    const reason = new HeyOpsError('KILL_SWITCH_ENGAGED', `Stopped by the kill switch (engaged by ${actor.user}).`);
    for (const controller of this.running.values()) controller.abort(reason);
    const event = KillSwitchEventSchema.parse({ engaged: true, by: actor.user, channel: actor.channel, reason: request.reason, at: state.at ?? this.now().toISOString() });
    this.logger.warn({ killSwitch: event, stopped: this.running.size }, 'kill switch engaged');
    this.bus.publish(EVENTS.kill, event, { correlationId: randomUUID(), priority: PRIORITY.kill });
    return event;
  }

  async releaseKillSwitch(requestInput: KillRequest, actorInput: Actor): Promise<KillSwitchEvent> {
    const request = parseInput(KillRequestSchema, requestInput, 'kill switch');
    const actor = parseInput(ActorSchema, actorInput, 'actor');
    if (actor.channel === 'voice') {
      throw new HeyOpsError('APPROVAL_NOT_ALLOWED', 'The kill switch is released by hand only: the window, the tray, or hey-ops kill --release.');
    }
    const state = this.store.setKillSwitch(false, actor.user, actor.channel, request.reason);
    const event = KillSwitchEventSchema.parse({ engaged: false, by: actor.user, channel: actor.channel, reason: request.reason, at: state.at ?? this.now().toISOString() });
    this.logger.warn({ killSwitch: event }, 'kill switch released');
    this.bus.publish(EVENTS.kill, event, { correlationId: randomUUID(), priority: PRIORITY.kill });
    return event;
  }

  // -------------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------------

  async getStatus(): Promise<CoreStatus> {
    const policy = this.config.policy;
    const snapshot = this.store.snapshot(policy.rateLimits.windowMs);
    const kill = this.store.killSwitch();
    const budget = (acceptedAt: string[], limit: number) => ({
      used: acceptedAt.length,
      limit,
      nextReturnsAt: acceptedAt[0] === undefined ? null : new Date(Date.parse(acceptedAt[0]) + policy.rateLimits.windowMs).toISOString(),
    });
    return {
      killSwitch: { engaged: kill.engaged, by: kill.by, at: kill.at, reason: kill.reason },
      inFlight: snapshot.inFlight,
      maxInFlight: policy.maxInFlight,
      deployBudget: budget(snapshot.deployAcceptedAt, policy.rateLimits.deploysPerHour),
      rollbackBudget: budget(snapshot.rollbackAcceptedAt, policy.rateLimits.rollbacksPerHour),
      pendingApprovals: this.store.pendingApprovals(),
      running: this.store.listByStatus('running').map(toSummary),
      sandbox: this.config.sandbox,
    };
  }

  async getHistory(requestInput: { limit?: number }): Promise<OperationSummary[]> {
    const request = parseInput(HistoryRequestSchema, requestInput, 'history');
    return this.store.listOperations(request.limit).map(toSummary);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inProgress]);
    await this.connections.close();
    await this.pool.close();
    this.store.close();
    this.logger.flush();
  }
}

/** A report written without the Reporter, for when it cannot answer: plain but true. */
function plainReport(record: OperationRecord, status: OperationStatus, steps: StepResult[], error: ErrorData | null, now: Date): OperationReport {
  const target = [record.target.service, record.target.environment].filter(Boolean).join(' → ');
  const headline = `${record.kind} ${target}: ${status}${error ? ` (${error.message})` : ''}.`;
  return {
    operationId: record.operationId,
    correlationId: record.correlationId,
    kind: record.kind,
    target: record.target,
    status,
    headline,
    text: [headline, ...steps.map((step) => `  ${step.title}: ${step.status}${step.error ? ` — ${step.error.message}` : ''}`)].join('\n'),
    dryRun: record.dryRun,
    risk: record.plan?.risk ?? null,
    approvalId: record.approvalId,
    question: null,
    steps,
    findings: {},
    durationMs: Math.max(0, now.getTime() - Date.parse(record.startedAt ?? record.createdAt)),
    costUsd: steps.reduce((sum, step) => sum + (typeof step.output.costUsd === 'number' ? step.output.costUsd : 0), 0),
    error,
    createdAt: now.toISOString(),
  };
}

function toSummary(record: OperationRecord): OperationSummary {
  return {
    operationId: record.operationId,
    correlationId: record.correlationId,
    kind: record.kind,
    target: record.target,
    status: record.status,
    utterance: record.utterance,
    requestedBy: record.requestedBy,
    headline: record.headline,
    approvalId: record.approvalId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The OS user, who is the requester and approver in solo mode. */
export function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
