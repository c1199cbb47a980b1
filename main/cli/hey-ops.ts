/**
 * `hey-ops`: the command line of the headless core. Every subcommand drives the same core as
 * the app, prints a human answer (or JSON with --json) on stdout, logs JSON lines to
 * $HEY_OPS_HOME/logs/hey-ops.log (stderr too with --verbose), and exits non-zero with one clear
 * message on bad input.
 *
 * Exit codes: 0 done (or dry run, or waiting for approval with --no-wait); 1 the operation
 * failed, was cancelled, denied or expired; 2 bad input or configuration; 3 refused by a
 * safety rule or a question back (answer it and run again).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { HeyOpsError } from '../../common/errors.ts';
import type { Actor, CoreStatus, OperationSummary } from '../../common/ipc.ts';
import type { OperationReport, OperationStatus } from '../../common/messages.ts';
import { defaultHome } from '../core/config-loader.ts';
import { createHeyOpsCore, currentUser, type HeyOpsCore } from '../core/hey-ops-core.ts';

const USAGE = `Usage: hey-ops <command> [options]

Commands:
  parse "<text>"             Show the intent Hey Ops hears in a command
  run "<text>"               Plan, check and carry out a command
      --dry-run                only show the plan; change nothing, spend no budget
      --no-wait                do not wait for an approval; print its id and exit
      --yes                    answer yes to the read-back of a low-confidence command
  approve <id>               Approve a pending production change (by hand)
      --plan-hash <sha256>     refuse unless the plan is exactly this one
  deny <id> [--reason "…"]   Deny a pending change; nothing is changed
  kill [--reason "…"]        Engage the kill switch: stop everything now
  kill --release             Release the kill switch (by hand only)
  status                     Kill switch, operations in flight, budgets, pending approvals
  history [--limit N]        Recent operations

Options for every command:
  --json                     Machine-readable output on stdout
  --verbose                  Also write the JSON logs to stderr
  -h, --help                 This text

Environment: HEY_OPS_HOME (state and config folder), HEY_OPS_TIME_SCALE (sandbox time factor).`;

const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

function exitCodeFor(status: OperationStatus): number {
  switch (status) {
    case 'succeeded':
    case 'dry_run':
    case 'pending_approval':
    case 'queued':
    case 'approved':
    case 'running':
    case 'planned':
      return EXIT.ok;
    case 'refused':
    case 'needs_input':
      return EXIT.refused;
    default:
      return EXIT.failed;
  }
}

interface Output {
  json: boolean;
  out(text: string): void;
}

function printReport(report: OperationReport, output: Output): number {
  if (output.json) output.out(JSON.stringify(report, null, 2));
  else output.out(report.text.trim() === '' ? report.headline : report.text);
  return exitCodeFor(report.status);
}

function printStatus(status: CoreStatus, output: Output): void {
  if (output.json) {
    output.out(JSON.stringify(status, null, 2));
    return;
  }
  const kill = status.killSwitch.engaged ? `ENGAGED by ${status.killSwitch.by ?? '?'} at ${status.killSwitch.at ?? '?'}${status.killSwitch.reason ? ` (${status.killSwitch.reason})` : ''}` : 'released';
  const lines = [
    `Kill switch: ${kill}`,
    `In flight: ${status.inFlight} of ${status.maxInFlight}`,
    `Deploy budget: ${status.deployBudget.used} of ${status.deployBudget.limit} used in the window`,
    `Rollback budget: ${status.rollbackBudget.used} of ${status.rollbackBudget.limit} used in the window`,
    `Servers: ${status.sandbox ? 'embedded sandbox (no credentials needed)' : 'configured in mcp.json'}`,
  ];
  if (status.pendingApprovals.length === 0) lines.push('Pending approvals: none');
  else {
    lines.push('Pending approvals:');
    for (const approval of status.pendingApprovals) {
      lines.push(`  ${approval.id}  ${approval.summary}  risk ${approval.risk}  by ${approval.requestedBy}  expires ${approval.expiresAt}`);
    }
  }
  for (const op of status.running) lines.push(`Running: ${op.operationId.slice(0, 8)}  ${op.utterance}`);
  output.out(lines.join('\n'));
}

function printHistory(history: OperationSummary[], output: Output): void {
  if (output.json) {
    output.out(JSON.stringify(history, null, 2));
    return;
  }
  if (history.length === 0) {
    output.out('No operations yet.');
    return;
  }
  for (const op of history) {
    const target = [op.target.service, op.target.environment].filter(Boolean).join(' → ');
    output.out(`${op.createdAt}  ${op.status.padEnd(16)} ${op.kind.padEnd(8)} ${target.padEnd(24)} ${op.headline ?? op.utterance}`);
  }
}

async function withCore<T>(home: string, verbose: boolean, body: (core: HeyOpsCore) => Promise<T>): Promise<T> {
  const logDir = join(home, 'logs');
  mkdirSync(logDir, { recursive: true });
  const file = pino.destination({ dest: join(logDir, 'hey-ops.log'), sync: true, mkdir: true });
  const destination = verbose ? pino.multistream([{ stream: file }, { stream: pino.destination({ dest: 2, sync: true }) }]) : file;
  const core = await createHeyOpsCore({ home, logger: { destination } });
  try {
    return await body(core);
  } finally {
    await core.close();
  }
}

export async function main(argv: readonly string[], io: { out(text: string): void; err(text: string): void } = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'dry-run': { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        release: { type: 'boolean', default: false },
        reason: { type: 'string' },
        'plan-hash': { type: 'string' },
        limit: { type: 'string' },
      },
    });
  } catch (error) {
    io.err(`hey-ops: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (command === undefined && !values.help ? io.err : io.out)(USAGE);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  const output: Output = { json: values.json, out: io.out };
  const actor: Actor = { user: currentUser(), channel: 'cli' };
  const home = defaultHome();
  const text = rest.join(' ').trim();
  const needText = (what: string): string => {
    if (text === '') throw new HeyOpsError('INVALID_INPUT', `${what} needs a command in quotes, e.g. hey-ops ${command} "deploy api to staging"`);
    return text;
  };
  const needId = (): string => {
    const id = rest[0];
    if (id === undefined || rest.length > 1) throw new HeyOpsError('INVALID_INPUT', `${command} needs exactly one approval id, e.g. hey-ops ${command} 3f2a9c1b (see hey-ops status)`);
    return id;
  };

  try {
    switch (command) {
      case 'parse': {
        const commandText = needText('parse');
        const intent = await withCore(home, values.verbose, (core) => core.parseCommand(commandText, actor));
        if (output.json) output.out(JSON.stringify(intent, null, 2));
        else {
          const target = [intent.service ?? '?', intent.environment ?? '?'].join(' → ');
          output.out(`${intent.kind}${intent.kind === 'unknown' ? '' : ` ${target}`}${intent.dryRun ? ' (dry run)' : ''}${intent.ref ? ` @ ${intent.ref}` : ''}  confidence ${intent.confidence.toFixed(2)}`);
          if (intent.question) output.out(intent.question);
        }
        return EXIT.ok;
      }
      case 'run': {
        const commandText = needText('run');
        return await withCore(home, values.verbose, async (core) =>
          printReport(await core.runCommand({ text: commandText, dryRun: values['dry-run'], wait: !values['no-wait'], confirmed: values.yes }, actor), output),
        );
      }
      case 'approve':
      case 'deny': {
        const approvalId = needId();
        return await withCore(home, values.verbose, async (core) => {
          const request = { approvalId, planHash: values['plan-hash'] ?? null, reason: values.reason ?? null };
          const report = command === 'approve' ? await core.approve(request, actor) : await core.deny(request, actor);
          const code = printReport(report, output);
          // A denial that took effect is a success of `deny`.
          return command === 'deny' && report.status === 'denied' ? EXIT.ok : code;
        });
      }
      case 'kill': {
        if (rest.length > 0) throw new HeyOpsError('INVALID_INPUT', 'kill takes no words; use --reason "…" to say why');
        return await withCore(home, values.verbose, async (core) => {
          const event = values.release ? await core.releaseKillSwitch({ reason: values.reason ?? null }, actor) : await core.engageKillSwitch({ reason: values.reason ?? null }, actor);
          if (output.json) output.out(JSON.stringify(event, null, 2));
          else output.out(event.engaged ? `Kill switch ENGAGED by ${event.by}: running operations are stopping, no change will start until hey-ops kill --release.` : `Kill switch released by ${event.by}.`);
          return EXIT.ok;
        });
      }
      case 'status':
        return await withCore(home, values.verbose, async (core) => {
          printStatus(await core.getStatus(), output);
          return EXIT.ok;
        });
      case 'history': {
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HeyOpsError('INVALID_INPUT', `--limit must be a whole number from 1 to 500 (got "${values.limit}")`);
        return await withCore(home, values.verbose, async (core) => {
          printHistory(await core.getHistory({ limit }), output);
          return EXIT.ok;
        });
      }
      default:
        io.err(`hey-ops: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (error) {
    const heyOps = error instanceof HeyOpsError ? error : null;
    const message = error instanceof Error ? error.message : String(error);
    if (output.json) io.out(JSON.stringify({ error: { code: heyOps?.code ?? 'INTERNAL', message } }, null, 2));
    io.err(`hey-ops: ${message}`);
    if (heyOps === null) return EXIT.failed;
    if (['INVALID_INPUT', 'CONFIG_INVALID', 'APPROVAL_NOT_FOUND', 'INVALID_MESSAGE'].includes(heyOps.code)) return EXIT.usage;
    if (['APPROVAL_EXPIRED', 'APPROVAL_ALREADY_DECIDED', 'APPROVAL_PLAN_MISMATCH', 'APPROVAL_NOT_ALLOWED', 'KILL_SWITCH_ENGAGED', 'BUDGET_EXHAUSTED'].includes(heyOps.code)) return EXIT.refused;
    return EXIT.failed;
  }
}

