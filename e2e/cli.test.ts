/**
 * End to end through the real command line: each `hey-ops` invocation is a new process with
 * its own worker threads and its own sandbox MCP server processes, sharing HEY_OPS_HOME — as a
 * user in two terminals would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../main/core/state-store.ts';
import type { CoreStatus } from '../common/ipc.ts';
import type { OperationReport } from '../common/messages.ts';

const BIN = fileURLToPath(new URL('../bin/hey-ops.js', import.meta.url));
const MUTATING_TOOLS = ['actions_run_trigger', 'deploy_container_image'];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function heyOps(home: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, HEY_OPS_HOME: home, HEY_OPS_TIME_SCALE: '0.001', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function newHome(): string {
  return mkdtempSync(join(tmpdir(), 'hey-ops-e2e-'));
}

function json<T>(result: Result): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Every MCP tool call the logs recorded, per correlation id. */
function toolCallsInLog(home: string): Array<{ correlationId: string; tool: string }> {
  return readFileSync(join(home, 'logs', 'hey-ops.log'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { msg: string; tool?: string; correlationId?: string })
    .filter((entry) => entry.msg === 'tool call' || entry.msg === 'tool call failed')
    .map((entry) => ({ correlationId: entry.correlationId ?? '', tool: entry.tool ?? '' }));
}

describe('hey-ops command line', () => {
  it('deploys api to staging against the sandbox, listing each step with its tool calls and durations', async () => {
    const home = newHome();
    const result = await heyOps(home, ['run', 'deploy api to staging', '--json']);
    const report = json<OperationReport>(result);
    expect(result.code, result.stderr).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.target).toEqual({ service: 'api', environment: 'staging' });
    expect(report.headline).toMatch(/^Deployment of api to staging completed in /);
    expect(report.steps.map((step) => [step.title, step.status])).toEqual([
      ['Validate code', 'succeeded'],
      ['Run test suite', 'succeeded'],
      ['Build artifact', 'succeeded'],
      ['Deploy', 'succeeded'],
      ['Notify team', 'succeeded'],
    ]);
    const tools = report.steps.map((step) => step.toolCalls.map((call) => call.tool));
    expect(tools[0]).toEqual(expect.arrayContaining(['get_commit', 'actions_list']));
    expect(tools[1]).toEqual(expect.arrayContaining(['actions_run_trigger', 'actions_get']));
    expect(tools[3]).toEqual(expect.arrayContaining(['deploy_container_image', 'run_gcloud_command']));
    for (const step of report.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.steps[3]?.output.revision).toMatch(/^api-/);
  });

  it('prints a dry-run plan for production with approval, totals and risk, and makes no mutating call', async () => {
    const home = newHome();
    const result = await heyOps(home, ['run', 'show me what would happen if I deploy to production']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Execution Plan (DRY RUN): deploy api → production');
    expect(result.stdout).toMatch(/Step 1: Validate code \(30s\)/);
    expect(result.stdout).toMatch(/Step 4: Deploy \(\d+m\)\s+APPROVAL REQUIRED · canary 10% for 5m, full rollout if healthy/);
    expect(result.stdout).toMatch(/Total estimated time: .* · Estimated cost: \$\d+\.\d+ compute \+ \$\d+\.\d+ LLM · Risk: HIGH/);
    const calls = toolCallsInLog(home);
    expect(calls.length).toBeGreaterThan(0); // it did read the commit to plan on
    expect(calls.filter((call) => MUTATING_TOOLS.includes(call.tool))).toEqual([]);
    const history = json<Array<{ status: string }>>(await heyOps(home, ['history', '--json']));
    expect(history[0]?.status).toBe('dry_run');
    const status = json<CoreStatus>(await heyOps(home, ['status', '--json']));
    expect(status.deployBudget.used).toBe(0);
  });

  it('waits for a hand on production: approve in a new process carries it out, deny ends it without a change', async () => {
    const home = newHome();
    const pending = json<OperationReport>(await heyOps(home, ['run', 'deploy payments to production', '--no-wait', '--json']));
    expect(pending.status).toBe('pending_approval');
    expect(pending.approvalId).toMatch(/^[0-9a-f]{8}$/);
    const approvalId = pending.approvalId ?? '';

    const approved = await heyOps(home, ['approve', approvalId, '--json']);
    const done = json<OperationReport>(approved);
    expect(approved.code, approved.stderr).toBe(0);
    expect(done.operationId).toBe(pending.operationId);
    expect(done.status).toBe('succeeded');
    const deploy = done.steps.find((step) => step.title === 'Deploy');
    expect(deploy?.output.canaryRevision).toMatch(/^payments-/);
    expect(deploy?.output.rolledBack).toBe(false);

    const again = await heyOps(home, ['approve', approvalId]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already approved/);

    const second = json<OperationReport>(await heyOps(home, ['run', 'deploy payments to production', '--no-wait', '--json']));
    const denied = await heyOps(home, ['deny', second.approvalId ?? '', '--json']);
    expect(denied.code, denied.stderr).toBe(0);
    expect(json<OperationReport>(denied).status).toBe('denied');
    const mutatingForDenied = toolCallsInLog(home).filter((call) => call.correlationId === second.correlationId && MUTATING_TOOLS.includes(call.tool));
    expect(mutatingForDenied).toEqual([]);
    const status = json<CoreStatus>(await heyOps(home, ['status', '--json']));
    expect(status.deployBudget.used).toBe(1); // the denied one gave its budget back
    expect(status.pendingApprovals).toEqual([]);
  });

  it('a run waiting in one terminal is carried out once when another terminal approves it', async () => {
    const home = newHome();
    const waiting = heyOps(home, ['run', 'roll back web in production', '--json']);
    let approvalId: string | undefined;
    for (let i = 0; i < 100 && approvalId === undefined; i += 1) {
      const status = json<CoreStatus>(await heyOps(home, ['status', '--json']));
      approvalId = status.pendingApprovals[0]?.id;
      if (approvalId === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(approvalId).toBeDefined();
    const approved = json<OperationReport>(await heyOps(home, ['approve', approvalId ?? '', '--json']));
    const waited = json<OperationReport>(await waiting);
    expect(approved.status).toBe('succeeded');
    expect(waited.operationId).toBe(approved.operationId);
    expect(waited.status).toBe('succeeded');
    // Exactly one process carried out the traffic change.
    const rollbackCalls = toolCallsInLog(home).filter((call) => call.correlationId === approved.correlationId && call.tool === 'run_gcloud_command');
    const pids = new Set(
      readFileSync(join(home, 'logs', 'hey-ops.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"step started"') && line.includes(approved.correlationId))
        .map((line) => (JSON.parse(line) as { pid: number }).pid),
    );
    expect(rollbackCalls.length).toBeGreaterThan(0);
    expect(pids.size).toBe(1);
  });

  it('refuses changes after kill until kill --release, while reads keep working', async () => {
    const home = newHome();
    expect((await heyOps(home, ['kill', '--reason', 'incident 42'])).code).toBe(0);
    const refused = await heyOps(home, ['run', 'deploy api to dev', '--json']);
    expect(refused.code).toBe(3);
    expect(json<OperationReport>(refused).text).toMatch(/kill switch is engaged/);
    const read = json<OperationReport>(await heyOps(home, ['run', 'status of api in staging', '--json']));
    expect(read.status).toBe('succeeded');
    const status = json<CoreStatus>(await heyOps(home, ['status', '--json']));
    expect(status.killSwitch).toMatchObject({ engaged: true, reason: 'incident 42' });
    expect((await heyOps(home, ['kill', '--release'])).code).toBe(0);
    const after = json<OperationReport>(await heyOps(home, ['run', 'deploy api to dev', '--json']));
    expect(after.status).toBe('succeeded');
  });

  it('after a kill -9 mid-step, the next start reports the operation interrupted and the step as outcome unknown', async () => {
    const home = newHome();
    // Slow simulated time: the test workflow runs for 15 s, so the crash lands inside step 2.
    const victim = spawn(process.execPath, [BIN, 'run', 'deploy api to dev'], { env: { ...process.env, HEY_OPS_HOME: home, HEY_OPS_TIME_SCALE: '0.05' }, stdio: 'ignore' });
    const store = new StateStore(join(home, 'state.db'));
    try {
      for (let i = 0; i < 300 && !store.journal().some((entry) => entry.stepId === 'step-2' && entry.event === 'start'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(store.journal().some((entry) => entry.stepId === 'step-2' && entry.event === 'start')).toBe(true);
      victim.kill('SIGKILL');
      await new Promise((resolve) => victim.once('exit', resolve));
    } finally {
      store.close();
    }
    const history = json<Array<{ status: string; headline: string | null; operationId: string }>>(await heyOps(home, ['history', '--json']));
    expect(history[0]?.status).toBe('interrupted');
    const report = json<Array<{ headline: string | null }>>(await heyOps(home, ['history', '--json']))[0];
    expect(report?.headline).toMatch(/^Deployment of api to dev was interrupted when Hey Ops stopped during step 2 \(Run test suite\)/);
    const reader = new StateStore(join(home, 'state.db'));
    try {
      const text = reader.getOperation(history[0]?.operationId ?? '')?.report?.text ?? '';
      expect(text).toMatch(/Step 1: Validate code: succeeded/);
      expect(text).toMatch(/Step 2: Run test suite: STARTED, OUTCOME UNKNOWN/);
      expect(text).toMatch(/Step 4: Deploy: not run/);
    } finally {
      reader.close();
    }
    // Nothing re-ran it: the budget shows the one accepted deploy, and nothing is running.
    const status = json<CoreStatus>(await heyOps(home, ['status', '--json']));
    expect(status.inFlight).toBe(0);
    expect(status.deployBudget.used).toBe(1);
  });

  it('says what is wrong and exits non-zero on bad input', async () => {
    const home = newHome();
    const noText = await heyOps(home, ['run']);
    expect(noText.code).toBe(2);
    expect(noText.stderr).toMatch(/run needs a command in quotes/);
    const unknownCommand = await heyOps(home, ['deploy']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command "deploy"/);
    const unknownFlag = await heyOps(home, ['run', 'x', '--frobnicate']);
    expect(unknownFlag.code).toBe(2);
    const noApproval = await heyOps(home, ['approve', 'deadbeef']);
    expect(noApproval.code).toBe(2);
    expect(noApproval.stderr).toMatch(/no approval request "deadbeef"/);
    const question = await heyOps(home, ['run', 'deploy api', '--json']);
    expect(question.code).toBe(3);
    expect(json<OperationReport>(question).status).toBe('needs_input');
    expect(json<OperationReport>(question).question).toMatch(/environment/i);
  });

  it('parses with --json using the documented field names', async () => {
    const home = newHome();
    const result = await heyOps(home, ['parse', 'Hey Ops, please roll back payments on prod', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const intent = json<Record<string, unknown>>(result);
    expect(intent).toMatchObject({ kind: 'rollback', service: 'payments', environment: 'production', dryRun: false, ref: null });
    expect(intent.confidence).toBeGreaterThan(0.5);
  });
});
