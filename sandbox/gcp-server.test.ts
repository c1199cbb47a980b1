import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { imageFor, stableHex, writeSandboxFaults } from './sandbox-state.ts';
import { loadRecordedTools } from './server-kit.ts';
import { callJson, callText, connectSandbox, gcloud, makeStateDir, removeStateDir, waitFor, type SandboxConnection } from './sandbox-testing.ts';

interface TrafficEntry {
  revisionName?: string;
  percent?: number;
  tag?: string;
  url?: string;
  latestRevision?: boolean;
}
interface KnativeService {
  metadata: { name: string };
  status: {
    url: string;
    conditions: Array<{ type: string; status: string }>;
    latestReadyRevisionName: string;
    latestCreatedRevisionName: string;
    traffic: TrafficEntry[];
  };
  spec: { traffic: TrafficEntry[]; template: { spec: { containers: Array<{ image: string }> } } };
}
interface KnativeRevision {
  metadata: { name: string; creationTimestamp: string };
  spec: { containers: Array<{ image: string }> };
  status: { conditions: Array<{ type: string; status: string }> };
}
interface LogEntry {
  insertId: string;
  severity: string;
  timestamp: string;
  textPayload?: string;
  resource: { type: string; labels: Record<string, string> };
}

const REGION = '--region=us-central1';

let stateDir: string;
let gcp: SandboxConnection;
let github: SandboxConnection;

beforeAll(async () => {
  stateDir = makeStateDir();
  [gcp, github] = await Promise.all([connectSandbox('gcp', stateDir), connectSandbox('github', stateDir)]);
});

afterAll(async () => {
  await Promise.all([gcp.close(), github.close()]);
  removeStateDir(stateDir);
});

/** The JSON a successful gcloud command printed on stdout. */
function stdoutJson<T>(answer: { text: string; isError: boolean }): T {
  expect(answer.isError).toBe(false);
  expect(answer.text).not.toContain('STDERR:\nERROR');
  return JSON.parse(answer.text.split('\nSTDERR:\n')[0] ?? '') as T;
}

async function describeService(project: string, service: string): Promise<KnativeService> {
  return stdoutJson<KnativeService>(await gcloud(gcp.client, 'run', 'services', 'describe', service, REGION, `--project=${project}`, '--format=json'));
}

async function listRevisions(project: string, service: string): Promise<KnativeRevision[]> {
  return stdoutJson<KnativeRevision[]>(await gcloud(gcp.client, 'run', 'revisions', 'list', `--service=${service}`, REGION, `--project=${project}`, '--format=json'));
}

function percentOf(service: KnativeService, revision: string): number {
  return service.status.traffic.filter((entry) => entry.revisionName === revision).reduce((sum, entry) => sum + (entry.percent ?? 0), 0);
}

/** Builds an image with build.yml and waits until the run has pushed it. */
async function build(repo: string, image: string): Promise<void> {
  await callJson(github.client, 'actions_run_trigger', { method: 'run_workflow', owner: 'acme', repo, workflow_id: 'build.yml', ref: 'main', inputs: { image } });
  await waitFor(async () => {
    const runs = await callJson<{ workflow_runs: Array<{ status: string; conclusion?: string }> }>(github.client, 'actions_list', {
      method: 'list_workflow_runs',
      owner: 'acme',
      repo,
      resource_id: 'build.yml',
      workflow_runs_filter: { event: 'workflow_dispatch' },
    });
    const newest = runs.workflow_runs[0];
    return newest?.status === 'completed' ? newest : undefined;
  });
}

describe('sandbox Google Cloud server', () => {
  it('lists the recorded cloud-run-mcp tools and gcloud-mcp run_gcloud_command with their recorded input schemas', async () => {
    const { tools } = await gcp.client.listTools();
    const recorded = [...loadRecordedTools('cloud-run-mcp.json'), ...loadRecordedTools('gcloud-mcp.json')];
    expect(tools.map((tool) => tool.name)).toEqual(recorded.map((tool) => tool.name));
    for (const tool of recorded) expect(tools.find((candidate) => candidate.name === tool.name)?.inputSchema).toEqual(tool.inputSchema);
  });

  it('describes a seeded service as a ready Knative Service whose newest of two revisions serves 100%', async () => {
    const service = await describeService('acme-staging', 'payments');
    expect(service.metadata.name).toBe('payments');
    expect(service.status.url).toMatch(/^https:\/\/payments-[a-z0-9]{10}-uc\.a\.run\.app$/);
    expect(service.status.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('True');
    expect(service.status.latestReadyRevisionName).toMatch(/^payments-00002-[a-z]{3}$/);
    expect(service.status.traffic).toEqual([{ latestRevision: true, percent: 100, revisionName: service.status.latestReadyRevisionName }]);
    const revisions = await listRevisions('acme-staging', 'payments');
    expect(revisions.map((revision) => revision.metadata.name)).toEqual([service.status.latestReadyRevisionName, expect.stringMatching(/^payments-00001-[a-z]{3}$/)]);
    expect(revisions[0]?.spec.containers[0]?.image).toBe(imageFor('acme-staging', 'payments', stableHex('acme/payments#commit#3')));
  });

  it('answers a failing gcloud command with stdout plus an STDERR block and no isError, as gcloud-mcp does', async () => {
    const answer = await gcloud(gcp.client, 'run', 'services', 'describe', 'nope', REGION, '--project=acme-prod', '--format=json');
    expect(answer).toMatchObject({ isError: false, text: '\nSTDERR:\nERROR: (gcloud.run.services.describe) Cannot find service [nope]\n' });
    const unknownTraffic = await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'api', '--to-revisions=api-09999-zzz=100', REGION, '--project=acme-prod');
    expect(unknownTraffic.isError).toBe(false);
    expect(unknownTraffic.text).toContain("ERROR: (gcloud.run.services.update-traffic) Revision 'api-09999-zzz' does not exist");
    const oldest = (await listRevisions('acme-prod', 'web')).at(-1)?.metadata.name ?? '';
    const tooMuch = await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'web', `--to-revisions=LATEST=80,${oldest}=30`, REGION, '--project=acme-prod');
    expect(tooMuch).toMatchObject({ isError: false, text: expect.stringContaining('ERROR: (gcloud.run.services.update-traffic) Invalid argument [--to-revisions]: the total traffic percent 110 exceeds 100.') });
    expect(percentOf(await describeService('acme-prod', 'web'), (await describeService('acme-prod', 'web')).status.latestReadyRevisionName)).toBe(100);
    const unsupported = await gcloud(gcp.client, 'compute', 'instances', 'list', '--project=acme-prod');
    expect(unsupported).toMatchObject({ isError: false });
    expect(unsupported.text).toMatch(/^\nSTDERR:\nERROR: \(gcloud\.compute\.instances\.list\) /);
  });

  it('refuses pipes and redirection before running anything, as gcloud-mcp does', async () => {
    const piped = await gcloud(gcp.client, 'run', 'services', 'list', '--project=acme-prod', '|', 'grep', 'api');
    expect(piped.isError).toBe(true);
    expect(piped.text).toContain('UnrecognizedArgumentsError: unrecognized arguments:\n  |\n  grep\n  api');
    const redirected = await gcloud(gcp.client, 'run', 'services', 'list', '--project=acme-prod', '>', 'out.json');
    expect(redirected.isError).toBe(true);
  });

  it('refuses parameters that break the recorded input schema with a JSON-RPC InvalidParams error', async () => {
    await expect(gcp.client.callTool({ name: 'run_gcloud_command', arguments: { args: 'run services list' } })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await expect(gcp.client.callTool({ name: 'deploy_container_image', arguments: { project: 'acme-dev', imageUrl: 'x', extra: true } })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
    });
  });

  it('fails to deploy an image no build pushed, in plain text and without a serving revision', async () => {
    const image = 'us-docker.pkg.dev/acme-dev/checkout/checkout:0000000';
    const answer = await callText(gcp.client, 'deploy_container_image', { project: 'acme-dev', region: 'us-central1', service: 'checkout', imageUrl: image });
    expect(answer.isError).toBe(false);
    expect(answer.text).toMatch(/^Error deploying to Cloud Run: Revision 'checkout-\d+' is not ready and cannot serve traffic\. Image 'us-docker\.pkg\.dev\/acme-dev\/checkout\/checkout:0000000' not found\.$/);
    const service = await describeService('acme-dev', 'checkout');
    expect(service.status.latestReadyRevisionName).toMatch(/^checkout-00002-/);
    expect(percentOf(service, service.status.latestReadyRevisionName)).toBe(100);
    expect(service.status.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('False');
    const gcloudDeploy = await gcloud(gcp.client, 'run', 'deploy', 'checkout', `--image=${image}`, REGION, '--project=acme-dev');
    expect(gcloudDeploy.isError).toBe(false);
    expect(gcloudDeploy.text).toContain(`ERROR: (gcloud.run.deploy) Revision 'checkout-00004-`);
  });

  it('deploys an image a build.yml run pushed with deploy_container_image, reporting progress as log messages', async () => {
    const image = imageFor('acme-dev', 'web', stableHex('acme/web#commit#4'));
    await build('web', image);
    const before = gcp.logMessages.length;
    const answer = await callText(gcp.client, 'deploy_container_image', { project: 'acme-dev', region: 'us-central1', service: 'web', imageUrl: image });
    const url = (await describeService('acme-dev', 'web')).status.url;
    expect(answer).toMatchObject({
      isError: false,
      text: `Cloud Run service web deployed in project acme-dev\nCloud Console: https://console.cloud.google.com/run/detail/us-central1/web?project=acme-dev\nService URL: ${url}`,
    });
    const progress = gcp.logMessages.slice(before).map((message) => message.data);
    expect(progress).toContain('Image URL: ' + image);
    expect(progress.at(-1)).toBe('Deployment Completed Successfully');
    const service = await describeService('acme-dev', 'web');
    expect(service.spec.template.spec.containers[0]?.image).toBe(image);
    expect(percentOf(service, service.status.latestReadyRevisionName)).toBe(100);
    expect(service.status.latestReadyRevisionName).toMatch(/^web-\d{13}$/);
  });

  it('deploys a canary with no traffic, splits 10/90, and rolls back by revision and forward to latest', async () => {
    const image = imageFor('acme-prod', 'api', stableHex('acme/api#commit#4'));
    await build('api', image);
    const stable = (await describeService('acme-prod', 'api')).status.latestReadyRevisionName;
    const deploy = await gcloud(gcp.client, 'run', 'deploy', 'api', `--image=${image}`, '--no-traffic', '--tag=canary', REGION, '--project=acme-prod');
    expect(deploy.isError).toBe(false);
    expect(deploy.text).toMatch(/Service \[api\] revision \[api-00003-[a-z]{3}\] has been deployed and is serving 0 percent of traffic\./);
    const afterDeploy = await describeService('acme-prod', 'api');
    const canary = afterDeploy.status.latestReadyRevisionName;
    expect(canary).toMatch(/^api-00003-/);
    expect(percentOf(afterDeploy, stable)).toBe(100);
    expect(afterDeploy.status.traffic.find((entry) => entry.tag === 'canary')).toMatchObject({ revisionName: canary, url: expect.stringMatching(/^https:\/\/canary---api-/) });

    const split = await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'api', `--to-revisions=${canary}=10,${stable}=90`, REGION, '--project=acme-prod');
    expect(split.text).toContain(`10%  ${canary}`);
    const afterSplit = await describeService('acme-prod', 'api');
    expect([percentOf(afterSplit, canary), percentOf(afterSplit, stable)]).toEqual([10, 90]);

    const rollback = await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'api', `--to-revisions=${stable}=100`, REGION, '--project=acme-prod');
    expect(rollback.isError).toBe(false);
    const afterRollback = await describeService('acme-prod', 'api');
    expect([percentOf(afterRollback, canary), percentOf(afterRollback, stable)]).toEqual([0, 100]);

    await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'api', '--to-latest', REGION, '--project=acme-prod');
    const afterLatest = await describeService('acme-prod', 'api');
    expect(afterLatest.status.traffic.find((entry) => entry.latestRevision === true)).toMatchObject({ revisionName: canary, percent: 100 });
  });

  it('logs the errors a faulty canary throws in proportion to its error rate and traffic share', async () => {
    writeSandboxFaults(stateDir, { revisionErrorRate: { 'acme-staging/worker/next': 0.5 } });
    try {
      const image = imageFor('acme-staging', 'worker', stableHex('acme/worker#commit#4'));
      await build('worker', image);
      const stable = (await describeService('acme-staging', 'worker')).status.latestReadyRevisionName;
      await gcloud(gcp.client, 'run', 'deploy', 'worker', `--image=${image}`, '--no-traffic', '--tag=canary', REGION, '--project=acme-staging');
      const canary = (await describeService('acme-staging', 'worker')).status.latestReadyRevisionName;
      await gcloud(gcp.client, 'run', 'services', 'update-traffic', 'worker', `--to-revisions=${canary}=10,${stable}=90`, REGION, '--project=acme-staging');
      // The canary watch: five simulated minutes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const read = async (revision: string): Promise<LogEntry[]> =>
        stdoutJson<LogEntry[]>(
          await gcloud(
            gcp.client,
            'logging',
            'read',
            `resource.type="cloud_run_revision" AND resource.labels.service_name="worker" AND resource.labels.revision_name="${revision}" AND severity>=ERROR`,
            '--freshness=10m',
            '--limit=50',
            '--format=json',
            '--project=acme-staging',
          ),
        );
      const canaryErrors = await read(canary);
      expect(canaryErrors.length).toBeGreaterThan(5);
      expect(canaryErrors.every((entry) => entry.severity === 'ERROR' && entry.resource.labels['revision_name'] === canary)).toBe(true);
      expect(canaryErrors[0]?.resource).toMatchObject({ type: 'cloud_run_revision', labels: { service_name: 'worker', location: 'us-central1', project_id: 'acme-staging' } });
      const timestamps = canaryErrors.map((entry) => Date.parse(entry.timestamp));
      expect([...timestamps].sort((a, b) => b - a)).toEqual(timestamps);
      expect((await read(stable)).length).toBeLessThanOrEqual(5);
      const unknownTerm = await gcloud(gcp.client, 'logging', 'read', 'jsonPayload.message:"boom"', '--project=acme-staging', '--format=json');
      expect(unknownTerm.isError).toBe(false);
      expect(unknownTerm.text).toContain('ERROR: (gcloud.logging.read) INVALID_ARGUMENT:');
    } finally {
      writeSandboxFaults(stateDir, {});
    }
  });

  it('abandons a deploy whose call is cancelled and creates no revision', async () => {
    const slow = await connectSandbox('gcp', stateDir, 0.01);
    try {
      const image = imageFor('acme-prod', 'checkout', stableHex('acme/checkout#commit#3'));
      const before = await listRevisions('acme-prod', 'checkout');
      const controller = new AbortController();
      const call = callText(slow.client, 'deploy_container_image', { project: 'acme-prod', region: 'us-central1', service: 'checkout', imageUrl: image }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('kill switch')), 200);
      await expect(call).rejects.toThrow();
      // A deploy takes 1.2 s at this time scale: wait past it, then check nothing landed.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await listRevisions('acme-prod', 'checkout')).map((revision) => revision.metadata.name)).toEqual(before.map((revision) => revision.metadata.name));
    } finally {
      await slow.close();
    }
  });

  it('makes a call slow when the fault knobs give its tool latency, and the wait is cancellable', async () => {
    writeSandboxFaults(stateDir, { latencyMs: { list_projects: 400 } });
    try {
      const started = Date.now();
      await callText(gcp.client, 'list_projects', {});
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      const controller = new AbortController();
      const call = callText(gcp.client, 'list_projects', {}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(call).rejects.toThrow();
    } finally {
      writeSandboxFaults(stateDir, {});
    }
  });

  it('lets several processes open a fresh state directory at once and see each other’s writes', async () => {
    const fresh = makeStateDir();
    const servers = await Promise.all([connectSandbox('gcp', fresh), connectSandbox('gcp', fresh), connectSandbox('github', fresh)]);
    try {
      const [first, second] = servers;
      if (first === undefined || second === undefined) throw new Error('servers did not start');
      for (const server of [first, second]) {
        const { text } = await callText(server.client, 'list_projects', {});
        expect(text).toBe('Available GCP Projects:\n- acme-dev\n- acme-prod\n- acme-staging');
      }
      const image = imageFor('acme-dev', 'api', stableHex('acme/api#commit#3'));
      await gcloud(first.client, 'run', 'deploy', 'api', `--image=${image}`, REGION, '--project=acme-dev');
      const seen = stdoutJson<KnativeService>(await gcloud(second.client, 'run', 'services', 'describe', 'api', REGION, '--project=acme-dev', '--format=json'));
      expect(seen.status.latestReadyRevisionName).toMatch(/^api-00003-/);
      const listed = await callText(second.client, 'list_services', { project: 'acme-dev' });
      expect(listed.text.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(5);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      removeStateDir(fresh);
    }
  });
});
