/**
 * The one typed contract between the core and its front ends (Electron window over IPC, the
 * HTTP API of `hey-ops serve`, the CLI): each channel's argument and result schemas.
 *
 * Main registers every channel through one `handle()` that checks the sender and parses the
 * arguments with these schemas; the preload exposes one verb per channel; the renderer imports
 * the preload's type. Nothing here is kept in sync by hand.
 */
import { z } from 'zod';
import {
  ApprovalRequestSchema,
  BudgetSchema,
  ChannelSchema,
  IntentKindSchema,
  KillSwitchEventSchema,
  OperationReportSchema,
  OperationStatusSchema,
  TargetSchema,
} from './messages.ts';

export const RunCommandRequestSchema = z
  .object({
    text: z.string().trim().min(1, 'say or type a command').max(2000),
    dryRun: z.boolean().default(false),
    /** false: do not wait for an approval by hand; return the pending report with its id. */
    wait: z.boolean().default(true),
    /** The user has already answered yes to the read-back of this command. */
    confirmed: z.boolean().default(false),
  })
  .strict();
export type RunCommandRequest = z.input<typeof RunCommandRequestSchema>;

export const DecideRequestSchema = z
  .object({
    approvalId: z.string().trim().min(1, 'an approval id is required'),
    /** The plan hash the person was shown; approving a different plan fails. */
    planHash: z.string().nullable().default(null),
    reason: z.string().max(500).nullable().default(null),
  })
  .strict();
export type DecideRequest = z.input<typeof DecideRequestSchema>;

export const KillRequestSchema = z
  .object({
    reason: z.string().max(500).nullable().default(null),
  })
  .strict();
export type KillRequest = z.input<typeof KillRequestSchema>;

export const OperationSummarySchema = z
  .object({
    operationId: z.string(),
    correlationId: z.string(),
    kind: IntentKindSchema,
    target: TargetSchema,
    status: OperationStatusSchema,
    utterance: z.string(),
    requestedBy: z.string(),
    headline: z.string().nullable(),
    approvalId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();
export type OperationSummary = z.infer<typeof OperationSummarySchema>;

export const CoreStatusSchema = z
  .object({
    killSwitch: z.object({ engaged: z.boolean(), by: z.string().nullable(), at: z.string().nullable(), reason: z.string().nullable() }).strict(),
    inFlight: z.number().int().min(0),
    maxInFlight: z.number().int().min(1),
    deployBudget: BudgetSchema,
    rollbackBudget: BudgetSchema,
    pendingApprovals: z.array(ApprovalRequestSchema),
    running: z.array(OperationSummarySchema),
    sandbox: z.boolean(),
  })
  .strict();
export type CoreStatus = z.infer<typeof CoreStatusSchema>;

export const HistoryRequestSchema = z
  .object({ limit: z.number().int().min(1).max(500).default(20) })
  .strict();

/**
 * Request channels: name → { channel, args, result }. `args` is the schema of the single
 * argument; results are parsed on the receiving side too.
 */
export const IPC = {
  runCommand: { channel: 'heyops:run-command', args: RunCommandRequestSchema, result: OperationReportSchema },
  approve: { channel: 'heyops:approve', args: DecideRequestSchema, result: OperationReportSchema },
  deny: { channel: 'heyops:deny', args: DecideRequestSchema, result: OperationReportSchema },
  engageKillSwitch: { channel: 'heyops:engage-kill-switch', args: KillRequestSchema, result: KillSwitchEventSchema },
  releaseKillSwitch: { channel: 'heyops:release-kill-switch', args: KillRequestSchema, result: KillSwitchEventSchema },
  getStatus: { channel: 'heyops:get-status', args: z.object({}).strict(), result: CoreStatusSchema },
  getHistory: { channel: 'heyops:get-history', args: HistoryRequestSchema, result: z.array(OperationSummarySchema) },
} as const;
export type IpcName = keyof typeof IPC;

/** Events from main to the renderer: name → { channel, payload }. */
export const IPC_EVENTS = {
  onDidReport: { channel: 'heyops:on-did-report', payload: OperationReportSchema },
  onDidRequestApproval: { channel: 'heyops:on-did-request-approval', payload: ApprovalRequestSchema },
  onDidChangeKillSwitch: { channel: 'heyops:on-did-change-kill-switch', payload: KillSwitchEventSchema },
} as const;
export type IpcEventName = keyof typeof IPC_EVENTS;

/** Every channel carries this prefix; the preload refuses any other. */
export const IPC_PREFIX = 'heyops:';

/** Who is acting, and through what; the core takes this with every decision. */
export const ActorSchema = z.object({ user: z.string().min(1), channel: ChannelSchema }).strict();
export type Actor = z.infer<typeof ActorSchema>;

/**
 * The core as its front ends see it. The Electron shell, `hey-ops serve` and the CLI all drive
 * one implementation of this (main/core/hey-ops-core.ts).
 */
export interface HeyOpsService {
  runCommand(request: RunCommandRequest, actor: Actor): Promise<z.infer<typeof OperationReportSchema>>;
  approve(request: DecideRequest, actor: Actor): Promise<z.infer<typeof OperationReportSchema>>;
  deny(request: DecideRequest, actor: Actor): Promise<z.infer<typeof OperationReportSchema>>;
  engageKillSwitch(request: KillRequest, actor: Actor): Promise<z.infer<typeof KillSwitchEventSchema>>;
  releaseKillSwitch(request: KillRequest, actor: Actor): Promise<z.infer<typeof KillSwitchEventSchema>>;
  getStatus(): Promise<CoreStatus>;
  getHistory(request: z.input<typeof HistoryRequestSchema>): Promise<OperationSummary[]>;
}
