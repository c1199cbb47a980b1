import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeyOpsError } from '../common/errors.ts';
import { FAULTS_FILE, SandboxState, imageFor, readSandboxFaults, stableHex, writeSandboxFaults } from './sandbox-state.ts';
import { makeStateDir, removeStateDir } from './sandbox-testing.ts';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

let stateDir: string;
let now: number;
let state: SandboxState;

beforeEach(() => {
  stateDir = makeStateDir();
  now = START;
  state = SandboxState.open(stateDir, { timeScale: 1, now: () => now });
});

afterEach(() => {
  state.close();
  removeStateDir(stateDir);
});

describe('SandboxState', () => {
  it('seeds the default catalog once, however many times the directory is opened', () => {
    const again = SandboxState.open(stateDir, { timeScale: 1, now: () => now + 1_000 });
    try {
      expect(again.listProjects()).toEqual(['acme-dev', 'acme-prod', 'acme-staging']);
      expect(again.listServices('acme-prod').map((service) => service.name)).toEqual(['api', 'checkout', 'payments', 'web', 'worker']);
      expect(again.listRuns('acme/api')).toHaveLength(1);
      expect(again.listCommits('acme/api', 'main')[0]?.sha).toBe(stableHex('acme/api#commit#4'));
    } finally {
      again.close();
    }
  });

  it('computes a run as queued, then in progress, then completed from its timestamps alone', () => {
    const run = state.dispatchWorkflow('acme/api', 'tests.yml', 'main', undefined, 'someone');
    expect(run.status).toBe('queued');
    now += 6_000;
    expect(state.getRun('acme/api', run.id)?.status).toBe('in_progress');
    now += 294_000;
    expect(state.getRun('acme/api', run.id)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('counts an image as pushed only once a build.yml run with that image input has succeeded', () => {
    const image = imageFor('acme-dev', 'api', stableHex('acme/api#commit#4'));
    expect(state.isImagePushed(image)).toBe(false);
    state.dispatchWorkflow('acme/api', 'build.yml', 'main', { image }, 'someone');
    now += 100_000;
    expect(state.isImagePushed(image)).toBe(false);
    now += 80_000;
    expect(state.isImagePushed(image)).toBe(true);
    expect(state.isImagePushed(imageFor('acme-dev', 'api', stableHex('acme/api#commit#3')))).toBe(true);
  });

  it('gives what a partial traffic split leaves of 100 to the revisions that were serving', () => {
    const image = imageFor('acme-prod', 'web', stableHex('acme/web#commit#3'));
    const stable = state.getService('acme-prod', 'us-central1', 'web')?.latestReadyRevision?.name;
    const { revision } = state.createRevision({ project: 'acme-prod', region: 'us-central1', service: 'web', image, noTraffic: true, tag: 'canary', actor: 'me' });
    const split = state.updateTraffic('acme-prod', 'us-central1', 'web', { kind: 'targets', targets: [{ tag: 'canary', percent: 10 }] }, 'me');
    expect(split.resolvedTraffic.map((target) => [target.revisionName, target.percent, target.tag])).toEqual([
      [revision.name, 10, 'canary'],
      [stable, 90, undefined],
    ]);
  });

  it('synthesises the same log entries for the same window on every read', () => {
    now += 3_600_000;
    const query = { project: 'acme-prod', serviceName: 'api', fromMs: now - 600_000, toMs: now, limit: 20 } as const;
    const first = state.readLogs(query);
    expect(first).toHaveLength(20);
    expect(state.readLogs(query).map((entry) => entry.insertId)).toEqual(first.map((entry) => entry.insertId));
    expect(first.every((entry, index) => index === 0 || (first[index - 1]?.timestampMs ?? 0) >= entry.timestampMs)).toBe(true);
    // A healthy revision at 100% for ten simulated minutes: about 2.4 errors among 1200 requests.
    const errors = state.readLogs({ ...query, limit: 1_000, severity: { op: '>=', level: 'ERROR' } });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(3);
  });
});

describe('sandbox faults', () => {
  it('round-trips through faults.json and rejects knobs it does not know', () => {
    writeSandboxFaults(stateDir, { workflowConclusion: { 'acme/api:tests.yml': 'failure' } });
    expect(readSandboxFaults(stateDir)).toEqual({
      workflowConclusion: { 'acme/api:tests.yml': 'failure' },
      revisionErrorRate: {},
      latencyMs: {},
      gcloudSplitsArgsWithSpaces: false,
    });
    expect(() => writeSandboxFaults(stateDir, { revisionErrorRate: { 'acme-prod/api/next': 2 } })).toThrow(HeyOpsError);
    writeFileSync(path.join(stateDir, FAULTS_FILE), JSON.stringify({ hang: true }));
    expect(() => readSandboxFaults(stateDir)).toThrow(/faults\.json is invalid: Unrecognized key: "hang"/);
  });
});
