/**
 * The core in one process against the real sandbox servers (real MCP over stdio, real worker
 * threads, real SQLite): budgets and the in-flight cap under concurrency, the kill switch in
 * the middle of a deploy, and dry runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../common/ipc.ts';
import type { OperationReport } from '../../common/messages.ts';
import { writeSandboxFaults } from '../../sandbox/sandbox-state.ts';
import { createHeyOpsCore, type HeyOpsCore } from './hey-ops-core.ts';

const actor: Actor = { user: 'tester', channel: 'cli' };
let core: HeyOpsCore | null = null;
const savedScale = process.env.HEY_OPS_TIME_SCALE;

async function start(timeScale: string): Promise<HeyOpsCore> {
  process.env.HEY_OPS_TIME_SCALE = timeScale;
  const home = mkdtempSync(join(tmpdir(), 'hey-ops-core-'));
  core = await createHeyOpsCore({ home, logger: { level: 'silent' }, pollIntervalMs: 20 });
  return core;
}

beforeEach(() => {
  core = null;
});

afterEach(async () => {
  await core?.close();
  if (savedScale === undefined) delete process.env.HEY_OPS_TIME_SCALE;
  else process.env.HEY_OPS_TIME_SCALE = savedScale;
});

describe('HeyOpsCore', () => {
  it('accepts exactly the hourly budget out of 30 concurrent deploys, never running more than 3 at once', async () => {
    const heyOps = await start('0.001');
    const services = ['api', 'web', 'payments', 'checkout', 'worker'];
    const reports = await Promise.all(
      Array.from({ length: 30 }, (_, i) => heyOps.runCommand({ text: `deploy ${services[i % services.length]} to staging` }, actor)),
    );
    const byStatus = (status: OperationReport['status']): OperationReport[] => reports.filter((report) => report.status === status);
    expect(byStatus('succeeded')).toHaveLength(10);
    expect(byStatus('refused')).toHaveLength(20);
    for (const refused of byStatus('refused')) expect(refused.text).toMatch(/deploy budget is used up \(10 of 10 in the last 1h\); the next one is possible at \d\d:\d\d UTC/);

    // The journal's slot events, in commit order, never have more than 3 open at once.
    let open = 0;
    let most = 0;
    for (const entry of heyOps.store.journal()) {
      if (entry.event === 'slot_acquired') open += 1;
      if (entry.event === 'slot_released' && ['succeeded', 'failed', 'cancelled'].includes(String(entry.data.status))) open -= 1;
      most = Math.max(most, open);
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1); // they did run concurrently
    const status = await heyOps.getStatus();
    expect(status.deployBudget.used).toBe(10);
    expect(status.inFlight).toBe(0);
  });

  it('stops a running deploy with the kill switch: the MCP call is cancelled and no later step starts', async () => {
    const heyOps = await start('0.01'); // tests 3 s, build 1.8 s, the deploy call 1.2 s
    // Hold the deploy call open for 5 s more, so the kill lands while it is surely in flight.
    writeSandboxFaults(join(heyOps.config.home, 'sandbox'), { latencyMs: { deploy_container_image: 5_000 } });
    const running = heyOps.runCommand({ text: 'deploy web to staging' }, actor);
    const deployStarted = (): boolean => heyOps.store.journal().some((entry) => entry.stepId === 'step-4' && entry.event === 'start');
    for (let i = 0; i < 1000 && !deployStarted(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(deployStarted()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // well inside the held deploy call
    const engagedAt = Date.now();
    await heyOps.engageKillSwitch({ reason: 'test' }, actor);
    const report = await running;
    expect(Date.now() - engagedAt).toBeLessThan(2000);
    expect(report.status).toBe('cancelled');
    expect(report.headline).toMatch(/kill switch/i);
    const deploy = report.steps.find((step) => step.stepId === 'step-4');
    expect(deploy?.status).toBe('cancelled');
    expect(deploy?.toolCalls.find((call) => call.tool === 'deploy_container_image')?.outcome).toBe('cancelled');
    expect(report.steps.some((step) => step.stepId === 'step-5')).toBe(false);
    // Changes had started, so the deploy keeps its place in the budget.
    expect((await heyOps.getStatus()).deployBudget.used).toBe(1);
    const refused = await heyOps.runCommand({ text: 'deploy web to dev' }, actor);
    expect(refused.status).toBe('refused');
    const read = await heyOps.runCommand({ text: 'status of web in staging' }, actor);
    expect(read.status).toBe('succeeded');
    // The cancelled deploy never took effect: staging still serves the revision it served before.
    const served = read.steps.find((step) => step.output.servingRevision !== undefined)?.output;
    expect(String(served?.latestRevision)).toBe(String(served?.servingRevision));
  });

  it('never approves by voice, refuses a different plan hash, and lets a hand approve or deny', async () => {
    const heyOps = await start('0.001');
    const pending = await heyOps.runCommand({ text: 'deploy payments to production', wait: false }, actor);
    expect(pending.status).toBe('pending_approval');
    const approvalId = pending.approvalId ?? '';
    await expect(heyOps.approve({ approvalId }, { user: 'tester', channel: 'voice' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_ALLOWED' });
    const spoken = await heyOps.runCommand({ text: `approve ${approvalId}` }, { user: 'tester', channel: 'voice' });
    expect(spoken.status).toBe('refused');
    await expect(heyOps.approve({ approvalId, planHash: 'f'.repeat(64) }, actor)).rejects.toMatchObject({ code: 'APPROVAL_PLAN_MISMATCH' });
    expect((await heyOps.getStatus()).pendingApprovals.map((approval) => approval.id)).toEqual([approvalId]);
    const denied = await heyOps.deny({ approvalId, reason: 'not today' }, actor);
    expect(denied.status).toBe('denied');
    expect(denied.steps).toEqual([]);
    expect((await heyOps.getStatus()).deployBudget.used).toBe(0);
  });

  it('plans a dry run of a production rollback without spending budget or changing anything', async () => {
    const heyOps = await start('0.001');
    const report = await heyOps.runCommand({ text: 'what would happen if I roll back payments in production' }, actor);
    expect(report.status).toBe('dry_run');
    expect(report.text).toMatch(/^Execution Plan \(DRY RUN\): roll back payments → production/);
    expect(report.text).toMatch(/APPROVAL REQUIRED/);
    expect((await heyOps.getStatus()).rollbackBudget.used).toBe(0);
  });
});
