/**
 * Every message that crosses a thread, process or tool boundary in Hey Ops, as zod schemas.
 *
 * zod is the single source of truth: each `FooSchema` has its `type Foo = z.infer<...>` beside
 * it, and every boundary (bus, worker, IPC, CLI, store) parses with these. Incoming objects are
 * `.strict()` so a misspelt field is an error that names the field, not a silently dropped key.
 *
 * This module imports nothing from the app: it runs in the main process, in worker threads, in
 * the preload and in the renderer.
 */
import { z } from 'zod';

/** Deployment environments. The order is the order of risk. */
export const EnvironmentSchema = z.enum(['dev', 'staging', 'production']);
export type Environment = z.infer<typeof EnvironmentSchema>;
export const ENVIRONMENTS = EnvironmentSchema.options;

export const RiskSchema = z.enum(['LOW', 'MEDIUM', 'HIGH']);
export type Risk = z.infer<typeof RiskSchema>;

/** Where a command came from; also the channel an approval or kill switch event used. */
export const ChannelSchema = z.enum(['cli', 'window', 'tray', 'notification', 'voice', 'http', 'hotkey', 'system']);
export type Channel = z.infer<typeof ChannelSchema>;

const IsoTimeSchema = z.iso.datetime({ offset: true });
const IdSchema = z.string().min(1).max(128);

// ---------------------------------------------------------------------------------------------
// Voice and text in
// ---------------------------------------------------------------------------------------------

/** What a speech recogniser heard. Confidence is the recogniser's own, mapped to 0..1. */
export const TranscriptSchema = z
  .object({
    text: z.string(),
    confidence: z.number().min(0).max(1),
    engine: z.string().min(1),
  })
  .strict();
export type Transcript = z.infer<typeof TranscriptSchema>;

/** One command as it arrived, typed or spoken. `transcript` is present for voice only. */
export const UtteranceSchema = z
  .object({
    id: IdSchema,
    text: z.string().min(1, 'the command is empty').max(2000, 'the command is longer than 2000 characters'),
    source: ChannelSchema,
    receivedAt: IsoTimeSchema,
    transcript: TranscriptSchema.nullable().default(null),
    /** Who issued it: the OS user in solo mode. */
    user: z.string().min(1),
  })
  .strict();
export type Utterance = z.infer<typeof UtteranceSchema>;

// ---------------------------------------------------------------------------------------------
// Intent
// ---------------------------------------------------------------------------------------------

export const IntentKindSchema = z.enum([
  'deploy',
  'rollback',
  'status',
  'logs',
  'cost',
  'approve',
  'deny',
  'cancel',
  'kill',
  'unknown',
]);
export type IntentKind = z.infer<typeof IntentKindSchema>;

/** Kinds that change something in the world and therefore spend budget and may need a hand. */
export const MUTATING_KINDS: readonly IntentKind[] = ['deploy', 'rollback'];
export function isMutatingKind(kind: IntentKind): boolean {
  return MUTATING_KINDS.includes(kind);
}

/** Where a slot's value came from. The plan repeats it so a person can see what was assumed. */
export const SlotSourceSchema = z.enum(['utterance', 'context', 'default']);
export type SlotSource = z.infer<typeof SlotSourceSchema>;

/**
 * What the user asked for. Produced only by the Intent Parser (grammar or LLM): the LLM never
 * produces anything but this. `environment` is never guessed: when it is missing or unknown it
 * is null and `question` says what to ask.
 */
export const IntentSchema = z
  .object({
    kind: IntentKindSchema,
    service: z.string().min(1).nullable(),
    serviceSource: SlotSourceSchema.nullable(),
    environment: EnvironmentSchema.nullable(),
    environmentSource: SlotSourceSchema.nullable(),
    dryRun: z.boolean(),
    /** Git ref or version the user named ("deploy api v1.4.2 to staging"), else null. */
    ref: z.string().min(1).nullable(),
    /** Approval id for approve/deny ("approve 3f2a9c"), else null. */
    approvalId: z.string().min(1).nullable(),
    confidence: z.number().min(0).max(1),
    /** The question to ask back when the command cannot go ahead as it stands. */
    question: z.string().nullable(),
    /** Why the parser decided what it did (negation seen, unknown word, ...). */
    notes: z.array(z.string()),
    parser: z.enum(['grammar', 'llm']),
    /** The utterance text after normalisation (lower case, fillers and wake phrase removed). */
    normalizedText: z.string(),
  })
  .strict();
export type Intent = z.infer<typeof IntentSchema>;

/** Conversation context: what the previous commands were about, for "what about payments". */
export const ConversationContextSchema = z
  .object({
    lastService: z.string().nullable(),
    lastEnvironment: EnvironmentSchema.nullable(),
    lastKind: IntentKindSchema.nullable(),
    updatedAt: IsoTimeSchema.nullable(),
  })
  .strict();
export type ConversationContext = z.infer<typeof ConversationContextSchema>;
export const EMPTY_CONTEXT: ConversationContext = {
  lastService: null,
  lastEnvironment: null,
  lastKind: null,
  updatedAt: null,
};

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

const GithubRepoParams = { owner: z.string().min(1), repo: z.string().min(1) };
const CloudRunParams = { project: z.string().min(1), region: z.string().min(1), service: z.string().min(1) };

/**
 * The action of one plan step with the exact parameters its executor will use. The planner is
 * deterministic code: every tool argument an executor sends is derived from these fields, never
 * from free text.
 */
export const StepActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('validate_code'), ...GithubRepoParams, sha: z.string().min(7), ref: z.string() }).strict(),
  // `sha` is the commit the plan (and its approval) names: the run must test exactly that one.
  z.object({ action: z.literal('run_tests'), ...GithubRepoParams, workflow: z.string().min(1), ref: z.string().min(1), sha: z.string().min(7) }).strict(),
  z
    .object({
      action: z.literal('build_artifact'),
      ...GithubRepoParams,
      workflow: z.string().min(1),
      ref: z.string().min(1),
      sha: z.string().min(7),
      imageUrl: z.string().min(1),
    })
    .strict(),
  z
    .object({
      action: z.literal('deploy'),
      ...CloudRunParams,
      imageUrl: z.string().min(1),
      strategy: z.enum(['direct', 'canary']),
      canaryPercent: z.number().int().min(1).max(99),
      canaryWindowMs: z.number().int().min(0),
      maxCanaryErrors: z.number().int().min(0),
    })
    .strict(),
  z
    .object({
      action: z.literal('rollback'),
      ...CloudRunParams,
      /** The revision to send all traffic to; null means "the one before the serving one". */
      toRevision: z.string().min(1).nullable(),
    })
    .strict(),
  z.object({ action: z.literal('service_status'), ...CloudRunParams }).strict(),
  z.object({ action: z.literal('workflow_status'), ...GithubRepoParams, limit: z.number().int().min(1).max(20) }).strict(),
  z
    .object({
      action: z.literal('read_logs'),
      ...CloudRunParams,
      freshness: z.string().regex(/^\d+[smhd]$/),
      limit: z.number().int().min(1).max(200),
      minSeverity: z.enum(['DEFAULT', 'INFO', 'WARNING', 'ERROR']),
    })
    .strict(),
  z
    .object({
      action: z.literal('summarize_costs'),
      service: z.string().nullable(),
      sinceMs: z.number().int().min(0),
    })
    .strict(),
  z.object({ action: z.literal('notify'), channel: z.enum(['desktop']), audience: z.string() }).strict(),
]);
export type StepAction = z.infer<typeof StepActionSchema>;
export type StepActionName = StepAction['action'];

/** Actions that change the world. Dry runs never execute them; the kill switch stops them. */
export const MUTATING_ACTIONS: readonly StepActionName[] = ['run_tests', 'build_artifact', 'deploy', 'rollback'];
export function isMutatingAction(action: StepActionName): boolean {
  return MUTATING_ACTIONS.includes(action);
}

export const PlanStepSchema = z
  .object({
    id: z.string().regex(/^step-\d+$/),
    index: z.number().int().min(1),
    title: z.string().min(1),
    detail: z.string(),
    mutating: z.boolean(),
    requiresApproval: z.boolean(),
    estimatedDurationMs: z.number().int().min(0),
    estimatedCostUsd: z.number().min(0),
    params: StepActionSchema,
  })
  .strict();
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const TargetSchema = z
  .object({
    service: z.string().min(1).nullable(),
    environment: EnvironmentSchema.nullable(),
  })
  .strict();
export type Target = z.infer<typeof TargetSchema>;

/** Facts read (read-only) before planning, so the plan binds exact commits and revisions. */
export const PlanningFactsSchema = z
  .object({
    /** The commit the ref resolved to, when the plan builds code. */
    commitSha: z.string().nullable(),
    commitMessage: z.string().nullable(),
    /** The revision serving 100% (or most) traffic now, and the one before it. */
    servingRevision: z.string().nullable(),
    previousRevision: z.string().nullable(),
    /** For "roll back the last deployment": which deployment that was, from history. */
    lastDeployment: TargetSchema.nullable(),
  })
  .strict();
export type PlanningFacts = z.infer<typeof PlanningFactsSchema>;
export const NO_FACTS: PlanningFacts = {
  commitSha: null,
  commitMessage: null,
  servingRevision: null,
  previousRevision: null,
  lastDeployment: null,
};

export const PlanSchema = z
  .object({
    id: IdSchema,
    kind: IntentKindSchema,
    /** One line: "deploy payments → production". */
    summary: z.string().min(1),
    target: TargetSchema,
    serviceSource: SlotSourceSchema.nullable(),
    dryRun: z.boolean(),
    risk: RiskSchema,
    requiresApproval: z.boolean(),
    steps: z.array(PlanStepSchema),
    estimatedDurationMs: z.number().int().min(0),
    estimatedComputeCostUsd: z.number().min(0),
    estimatedLlmCostUsd: z.number().min(0),
    /** sha256 of the canonical JSON of kind, target, dryRun and every step's params. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Set when the plan cannot run as asked: the question to put to the user. */
    question: z.string().nullable(),
    createdAt: IsoTimeSchema,
  })
  .strict();
export type Plan = z.infer<typeof PlanSchema>;

// ---------------------------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------------------------

/** A rule's finding. `rule` is stable (tests and dashboards key on it); `message` is for people. */
export const SafetyFindingSchema = z
  .object({
    rule: z.enum([
      'kill_switch',
      'needs_target',
      'needs_confirmation',
      'deploy_budget',
      'rollback_budget',
      'approval',
      'read_only',
      'dry_run',
    ]),
    message: z.string(),
  })
  .strict();
export type SafetyFinding = z.infer<typeof SafetyFindingSchema>;

export const BudgetSchema = z
  .object({
    used: z.number().int().min(0),
    limit: z.number().int().min(0),
    /** When the oldest counted operation leaves the sliding window. */
    nextReturnsAt: IsoTimeSchema.nullable(),
  })
  .strict();
export type Budget = z.infer<typeof BudgetSchema>;

/**
 * The Safety Checker's decision on one plan against one revision of the safety state.
 * `allow`: run now. `require_approval`: wait for a hand. `ask`: put `question` to the user.
 * `refuse`: never, with `retryAfterMs` when waiting would help.
 */
export const SafetyVerdictSchema = z
  .object({
    planHash: z.string(),
    decision: z.enum(['allow', 'require_approval', 'ask', 'refuse']),
    findings: z.array(SafetyFindingSchema),
    retryAfterMs: z.number().int().min(0).nullable(),
    /** Whether admitting this plan spends budget (false for read-only plans and dry runs). */
    countsAgainstBudget: z.enum(['none', 'deploy', 'rollback']),
    deployBudget: BudgetSchema,
    rollbackBudget: BudgetSchema,
    /** The safety-state revision the verdict was computed on; admission re-checks it. */
    stateRevision: z.number().int().min(0),
    checkedAt: IsoTimeSchema,
  })
  .strict();
export type SafetyVerdict = z.infer<typeof SafetyVerdictSchema>;

/** The part of the persisted safety state a verdict depends on. */
export const SafetySnapshotSchema = z
  .object({
    revision: z.number().int().min(0),
    killSwitch: z.object({ engaged: z.boolean(), by: z.string().nullable(), at: IsoTimeSchema.nullable() }).strict(),
    /** Acceptance times (ISO) of operations counted in the sliding windows. */
    deployAcceptedAt: z.array(IsoTimeSchema),
    rollbackAcceptedAt: z.array(IsoTimeSchema),
    inFlight: z.number().int().min(0),
    now: IsoTimeSchema,
  })
  .strict();
export type SafetySnapshot = z.infer<typeof SafetySnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Approvals
// ---------------------------------------------------------------------------------------------

export const ApprovalRequestSchema = z
  .object({
    id: IdSchema,
    operationId: IdSchema,
    planHash: z.string(),
    summary: z.string(),
    risk: RiskSchema,
    requestedBy: z.string(),
    requestedAt: IsoTimeSchema,
    expiresAt: IsoTimeSchema,
    status: z.enum(['pending', 'approved', 'denied', 'expired']),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** A hand's answer. It names the plan hash it saw, so approving a changed plan fails. */
export const ApprovalDecisionSchema = z
  .object({
    approvalId: IdSchema,
    decision: z.enum(['approved', 'denied']),
    decidedBy: z.string().min(1),
    channel: ChannelSchema,
    /** When given, must equal the request's plan hash. */
    planHash: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .strict();
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

// ---------------------------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------------------------

export const ExecutorNameSchema = z.enum(['github', 'gcp', 'local']);
export type ExecutorName = z.infer<typeof ExecutorNameSchema>;

/** One step handed to an executor by the Router. */
export const ExecutionTaskSchema = z
  .object({
    operationId: IdSchema,
    correlationId: IdSchema,
    executor: ExecutorNameSchema,
    step: PlanStepSchema,
    timeoutMs: z.number().int().min(1),
    /** Poll interval for long-running remote work (workflow runs). */
    pollIntervalMs: z.number().int().min(1),
    /** Multiplies waits the executor itself makes (canary window); 1 against real servers. */
    timeScale: z.number().positive(),
    /** Outputs of earlier steps of the same operation, keyed by step id. */
    previousOutputs: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .strict();
export type ExecutionTask = z.infer<typeof ExecutionTaskSchema>;

/** One MCP tool call as recorded in reports and the journal (arguments already redacted). */
export const ToolCallRecordSchema = z
  .object({
    server: z.string(),
    tool: z.string(),
    args: z.record(z.string(), z.unknown()),
    startedAt: IsoTimeSchema,
    durationMs: z.number().min(0),
    outcome: z.enum(['ok', 'tool_error', 'protocol_error', 'cancelled', 'timeout']),
    /** A short description of the result or the error. */
    summary: z.string(),
  })
  .strict();
export type ToolCallRecord = z.infer<typeof ToolCallRecordSchema>;

/** Errors cross threads and processes as data, never as class instances. */
export const ErrorDataSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ErrorData = z.infer<typeof ErrorDataSchema>;

/** `unknown`: the step started but its process stopped before it reported — it may have taken effect. */
export const StepStatusSchema = z.enum(['succeeded', 'failed', 'cancelled', 'skipped', 'would_run', 'unknown']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

export const StepResultSchema = z
  .object({
    operationId: IdSchema,
    stepId: z.string(),
    title: z.string(),
    status: StepStatusSchema,
    startedAt: IsoTimeSchema.nullable(),
    finishedAt: IsoTimeSchema.nullable(),
    durationMs: z.number().min(0),
    toolCalls: z.array(ToolCallRecordSchema),
    /** What the step found or made (run id, revision, URL, ...), for later steps and the report. */
    output: z.record(z.string(), z.unknown()),
    error: ErrorDataSchema.nullable(),
  })
  .strict();
export type StepResult = z.infer<typeof StepResultSchema>;

export const OperationStatusSchema = z.enum([
  'planned',
  'pending_approval',
  'approved',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'denied',
  'expired',
  'refused',
  'needs_input',
  'dry_run',
  'interrupted',
]);
export type OperationStatus = z.infer<typeof OperationStatusSchema>;

export const FINAL_STATUSES: readonly OperationStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'denied',
  'expired',
  'refused',
  'needs_input',
  'dry_run',
  'interrupted',
];
export function isFinalStatus(status: OperationStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** The Reporter's product: what a person reads and what `--json` prints. */
export const OperationReportSchema = z
  .object({
    operationId: IdSchema,
    correlationId: IdSchema,
    kind: IntentKindSchema,
    target: TargetSchema,
    status: OperationStatusSchema,
    /** One sentence: "Deployment of api to staging completed in 4m 32s." */
    headline: z.string(),
    /** The full human report, several lines. */
    text: z.string(),
    dryRun: z.boolean(),
    risk: RiskSchema.nullable(),
    approvalId: z.string().nullable(),
    question: z.string().nullable(),
    steps: z.array(StepResultSchema),
    /** What read-only steps found (service URL, traffic, errors, costs), for status/logs/cost. */
    findings: z.record(z.string(), z.unknown()),
    durationMs: z.number().min(0),
    costUsd: z.number().min(0),
    error: ErrorDataSchema.nullable(),
    createdAt: IsoTimeSchema,
  })
  .strict();
export type OperationReport = z.infer<typeof OperationReportSchema>;

// ---------------------------------------------------------------------------------------------
// Control and health
// ---------------------------------------------------------------------------------------------

export const KillSwitchEventSchema = z
  .object({
    engaged: z.boolean(),
    by: z.string().min(1),
    channel: ChannelSchema,
    reason: z.string().nullable(),
    at: IsoTimeSchema,
  })
  .strict();
export type KillSwitchEvent = z.infer<typeof KillSwitchEventSchema>;

export const AgentNameSchema = z.enum([
  'intent-parser',
  'planner',
  'safety-checker',
  'router',
  'github-executor',
  'gcp-executor',
  'reporter',
]);
export type AgentName = z.infer<typeof AgentNameSchema>;

export const AgentHeartbeatSchema = z
  .object({
    agent: AgentNameSchema,
    threadId: z.number().int(),
    at: IsoTimeSchema,
    tasksCompleted: z.number().int().min(0),
    tasksFailed: z.number().int().min(0),
    lastLatencyMs: z.number().min(0).nullable(),
  })
  .strict();
export type AgentHeartbeat = z.infer<typeof AgentHeartbeatSchema>;
