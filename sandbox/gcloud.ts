/**
 * A small gcloud: the `run` and `logging read` commands Hey Ops uses, answered from the sandbox
 * state with gcloud's own output (JSON printed with sorted keys and two-space indent, progress
 * and errors on stderr, `ERROR: (gcloud.<command>) …` and exit code 1 on failure).
 *
 * `runGcloud` returns what the process would have returned ({ code, stdout, stderr }), or a
 * `lintError` for what gcloud-mcp refuses before running anything (argument syntax it cannot
 * parse, shell operators). gcp-server turns these into gcloud-mcp's tool results.
 */
import { stringify as toYaml } from 'yaml';
import {
  CloudRunError,
  DEPLOY_SIM_MS,
  SANDBOX_GCLOUD_ACCOUNT,
  SEVERITIES,
  TRAFFIC_UPDATE_SIM_MS,
  projectNumber,
  serviceUrl,
  stableHex,
  type LogEntryRecord,
  type LogQuery,
  type ResolvedSandboxFaults,
  type RevisionRecord,
  type SandboxState,
  type ServiceRecord,
  type Severity,
} from './sandbox-state.ts';
import { pause } from './server-kit.ts';

export type GcloudOutcome = { readonly code: number; readonly stdout: string; readonly stderr: string } | { readonly lintError: string };

// ---------------------------------------------------------------------------------------------
// Argument parsing (what `gcloud meta lint-gcloud-commands` checks)
// ---------------------------------------------------------------------------------------------

type FlagKind = 'value' | 'bool';

interface CommandSpec {
  readonly path: readonly string[];
  readonly positionals: number;
  readonly flags: Readonly<Record<string, FlagKind>>;
}

const GLOBAL_FLAGS: Readonly<Record<string, FlagKind>> = {
  project: 'value',
  format: 'value',
  quiet: 'bool',
  verbosity: 'value',
  account: 'value',
  'log-http': 'bool',
  'user-output-enabled': 'bool',
};
const RUN_FLAGS: Readonly<Record<string, FlagKind>> = { region: 'value', platform: 'value' };

const COMMANDS: readonly CommandSpec[] = [
  { path: ['run', 'services', 'describe'], positionals: 1, flags: RUN_FLAGS },
  { path: ['run', 'services', 'list'], positionals: 0, flags: { ...RUN_FLAGS, limit: 'value' } },
  {
    path: ['run', 'services', 'update-traffic'],
    positionals: 1,
    flags: { ...RUN_FLAGS, 'to-revisions': 'value', 'to-latest': 'bool', 'to-tags': 'value', async: 'bool' },
  },
  { path: ['run', 'revisions', 'list'], positionals: 0, flags: { ...RUN_FLAGS, service: 'value', limit: 'value' } },
  { path: ['run', 'revisions', 'describe'], positionals: 1, flags: RUN_FLAGS },
  {
    path: ['run', 'deploy'],
    positionals: 1,
    flags: { ...RUN_FLAGS, image: 'value', 'no-traffic': 'bool', tag: 'value', async: 'bool', 'allow-unauthenticated': 'bool' },
  },
  { path: ['logging', 'read'], positionals: 1, flags: { freshness: 'value', limit: 'value', order: 'value' } },
];

/** Top-level groups gcloud has; anything else is an invalid choice. */
const KNOWN_GROUPS = new Set([
  'alpha', 'beta', 'app', 'artifacts', 'auth', 'builds', 'compute', 'config', 'container', 'functions', 'iam', 'logging',
  'monitoring', 'projects', 'pubsub', 'run', 'secrets', 'services', 'sql', 'storage', 'info', 'version', 'components',
]);

const SHELL_OPERATORS = new Set(['|', '||', '&&', '&', ';', '>', '>>', '<', '2>', '2>&1', '1>']);

interface ParsedCommand {
  readonly spec: CommandSpec;
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

const HELP_HINT = 'To search the help text of gcloud commands, run:\n  gcloud help -- SEARCH_TERMS';

function unrecognized(tokens: readonly string[]): string {
  return tokens.length === 1
    ? `UnrecognizedArgumentsError: unrecognized arguments: ${tokens[0]}\n${HELP_HINT}`
    : `UnrecognizedArgumentsError: unrecognized arguments:\n${tokens.map((token) => `  ${token}`).join('\n')}\n${HELP_HINT}`;
}

type ParseResult = { parsed: ParsedCommand } | { lintError: string } | { unsupported: string[] };

function parseArgs(args: readonly string[], faults: ResolvedSandboxFaults): ParseResult {
  const operatorAt = args.findIndex((arg) => SHELL_OPERATORS.has(arg) || arg.includes('$(') || arg.includes('`'));
  if (operatorAt >= 0) return { lintError: unrecognized(args.slice(operatorAt)) };
  if (faults.gcloudSplitsArgsWithSpaces) {
    const spaced = args.find((arg) => arg.includes(' '));
    if (spaced !== undefined) return { lintError: unrecognized(spaced.split(/\s+/).slice(1)) };
  }
  const words: string[] = [];
  let index = 0;
  while (index < args.length && !(args[index] ?? '').startsWith('-')) words.push(args[index++] ?? '');
  const group = words[0];
  if (group === undefined) return { lintError: `ArgumentError: a command group is required (for example "run services describe").\n${HELP_HINT}` };
  if (!KNOWN_GROUPS.has(group)) return { lintError: `InvalidChoiceError: Invalid choice: '${group}'.\n${HELP_HINT}` };
  const spec = COMMANDS.filter((candidate) => candidate.path.every((part, i) => words[i] === part)).sort((a, b) => b.path.length - a.path.length)[0];
  if (spec === undefined) return { unsupported: words };
  const positionals = words.slice(spec.path.length);
  const flags = new Map<string, string | true>();
  const extra: string[] = [];
  const allowed = { ...GLOBAL_FLAGS, ...spec.flags };
  for (; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '-q') {
      flags.set('quiet', true);
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = allowed[name];
    if (kind === undefined) {
      extra.push(arg);
      continue;
    }
    if (kind === 'bool') {
      if (eq >= 0) return { lintError: `ArgumentError: argument --${name}: ignored explicit argument '${arg.slice(eq + 1)}'\n${HELP_HINT}` };
      flags.set(name, true);
      continue;
    }
    if (eq >= 0) flags.set(name, arg.slice(eq + 1));
    else {
      const value = args[index + 1];
      if (value === undefined) return { lintError: `ArgumentError: argument --${name}: expected one argument\n${HELP_HINT}` };
      flags.set(name, value);
      index++;
    }
  }
  if (positionals.length > spec.positionals) extra.unshift(...positionals.slice(spec.positionals));
  if (extra.length > 0) return { lintError: unrecognized(extra) };
  return { parsed: { spec, positionals: positionals.slice(0, spec.positionals), flags } };
}

// ---------------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------------

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function valueAt(resource: unknown, fieldPath: string): unknown {
  let current: unknown = resource;
  for (const part of fieldPath.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** gcloud's printers for `--format`: json, yaml (the default) and value(field, …). */
function render(resources: unknown, format: string | undefined, isList: boolean): string {
  const kind = (format ?? 'yaml').trim();
  if (kind === 'json' || kind.startsWith('json(')) return `${JSON.stringify(sortKeys(resources), null, 2)}\n`;
  const valueMatch = /^value\((.*)\)$/.exec(kind);
  if (valueMatch !== null) {
    const fields = (valueMatch[1] ?? '').split(',').map((field) => field.trim()).filter((field) => field !== '');
    const rows = (isList ? (resources as unknown[]) : [resources]).map((resource) =>
      fields
        .map((field) => {
          const value = valueAt(resource, field);
          if (value === undefined || value === null) return '';
          if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(';');
          return typeof value === 'object' ? JSON.stringify(value) : String(value);
        })
        .join('\t'),
    );
    return rows.length === 0 ? '' : `${rows.join('\n')}\n`;
  }
  if (kind === 'yaml' || kind.startsWith('yaml(')) {
    if (!isList) return toYaml(sortKeys(resources));
    return (resources as unknown[]).map((resource) => `---\n${toYaml(sortKeys(resource))}`).join('');
  }
  throw new CloudRunError(`Format [${kind}] is not supported by the Hey Ops sandbox; use json, yaml or value(...).`);
}

// ---------------------------------------------------------------------------------------------
// Knative objects, as `gcloud run … --format=json` prints them
// ---------------------------------------------------------------------------------------------

/** Knative timestamps carry microseconds. */
function knativeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function containerSpec(project: string, image: string): Record<string, unknown> {
  return {
    containerConcurrency: 80,
    containers: [
      {
        image,
        ports: [{ containerPort: 8080, name: 'http1' }],
        resources: { limits: { cpu: '1000m', memory: '512Mi' } },
        startupProbe: { failureThreshold: 1, periodSeconds: 240, tcpSocket: { port: 8080 }, timeoutSeconds: 240 },
      },
    ],
    serviceAccountName: `${projectNumber(project)}-compute@developer.gserviceaccount.com`,
    timeoutSeconds: 300,
  };
}

/** A traffic target as the v1 API returns it: proto3 JSON leaves out a percent of 0. */
function trafficJson(target: { revisionName?: string; latestRevision?: boolean; percent: number; tag?: string }, url?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (target.latestRevision === true) out['latestRevision'] = true;
  if (target.percent > 0) out['percent'] = target.percent;
  if (target.revisionName !== undefined) out['revisionName'] = target.revisionName;
  if (target.tag !== undefined) out['tag'] = target.tag;
  if (url !== undefined) out['url'] = url;
  return out;
}

function condition(type: string, ready: boolean, atMs: number, failure?: { reason: string; message: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { lastTransitionTime: knativeTime(atMs), status: ready ? 'True' : 'False', type };
  if (!ready && failure !== undefined) Object.assign(out, { message: failure.message, reason: failure.reason });
  return out;
}

/** `gcloud run services describe --format=json`: a serving.knative.dev/v1 Service. */
export function knativeService(service: ServiceRecord): Record<string, unknown> {
  const namespace = projectNumber(service.project);
  const url = serviceUrl(service.project, service.region, service.name);
  const latestCreated = service.latestCreatedRevision;
  const ready = latestCreated === null || latestCreated.ready;
  const failure = latestCreated !== null && !latestCreated.ready ? { reason: 'RevisionFailed', message: latestCreated.message ?? 'Revision failed' } : undefined;
  const templateMetadata: Record<string, unknown> = {
    annotations: { 'autoscaling.knative.dev/maxScale': '100', 'run.googleapis.com/client-name': 'gcloud', 'run.googleapis.com/startup-cpu-boost': 'true' },
    labels: { 'run.googleapis.com/startupProbeType': 'Default' },
  };
  if (latestCreated !== null && !/-\d{5}-[a-z]{3}$/.test(latestCreated.name)) templateMetadata['name'] = latestCreated.name;
  const status: Record<string, unknown> = {
    address: { url },
    conditions: [condition('Ready', ready, service.updatedMs, failure), condition('ConfigurationsReady', ready, service.updatedMs, failure), condition('RoutesReady', true, service.updatedMs)],
    observedGeneration: service.generation,
    traffic: service.resolvedTraffic.map((target) => trafficJson(target, target.tag === undefined ? undefined : serviceUrl(service.project, service.region, service.name, target.tag))),
    url,
  };
  if (latestCreated !== null) status['latestCreatedRevisionName'] = latestCreated.name;
  if (service.latestReadyRevision !== null) status['latestReadyRevisionName'] = service.latestReadyRevision.name;
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      annotations: {
        'run.googleapis.com/client-name': 'gcloud',
        'run.googleapis.com/ingress': 'all',
        'run.googleapis.com/ingress-status': 'all',
        'run.googleapis.com/operation-id': uuidLike(`${service.uid}:${service.generation}`),
        'run.googleapis.com/urls': JSON.stringify([`https://${service.name}-${namespace}.${service.region}.run.app`, url]),
        'serving.knative.dev/creator': service.creator,
        'serving.knative.dev/lastModifier': service.lastModifier,
      },
      creationTimestamp: knativeTime(service.createdMs),
      generation: service.generation,
      labels: { ...service.labels },
      name: service.name,
      namespace,
      resourceVersion: Buffer.from(stableHex(`${service.uid}:${service.generation}`).slice(0, 12)).toString('base64'),
      selfLink: `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/${service.name}`,
      uid: service.uid,
    },
    spec: {
      template: { metadata: templateMetadata, spec: containerSpec(service.project, latestCreated?.image ?? 'us-docker.pkg.dev/cloudrun/container/hello') },
      traffic: service.traffic.map((target) => trafficJson(target)),
    },
    status,
  };
}

/** `gcloud run revisions list --format=json` entries: serving.knative.dev/v1 Revisions. */
export function knativeRevision(service: ServiceRecord, revision: RevisionRecord): Record<string, unknown> {
  const namespace = projectNumber(service.project);
  const serving = service.resolvedTraffic.some((target) => target.revisionName === revision.name && target.percent > 0);
  const labels: Record<string, string> = {
    'cloud.googleapis.com/location': service.region,
    'serving.knative.dev/configuration': service.name,
    'serving.knative.dev/configurationGeneration': String(revision.generation),
    'serving.knative.dev/service': service.name,
    'serving.knative.dev/serviceUid': service.uid,
  };
  if (serving) labels['serving.knative.dev/route'] = service.name;
  const failure = revision.ready ? undefined : { reason: 'ContainerMissing', message: revision.message ?? 'Revision failed' };
  const status: Record<string, unknown> = {
    conditions: [
      condition('Ready', revision.ready, revision.createdMs, failure),
      condition('ContainerHealthy', revision.ready, revision.createdMs, failure),
      condition('ResourcesAvailable', true, revision.createdMs),
    ],
    logUrl: `https://console.cloud.google.com/logs/viewer?project=${service.project}&resource=cloud_run_revision/service_name/${service.name}/revision_name/${revision.name}&advancedFilter=resource.type%3D%22cloud_run_revision%22%0Aresource.labels.service_name%3D%22${service.name}%22%0Aresource.labels.revision_name%3D%22${revision.name}%22`,
    observedGeneration: 1,
  };
  if (revision.ready) status['imageDigest'] = `${revision.image.replace(/:[^/:]+$/, '')}@sha256:${stableHex(revision.image)}${stableHex(`${revision.image}#2`).slice(0, 24)}`;
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      annotations: {
        'autoscaling.knative.dev/maxScale': '100',
        'run.googleapis.com/client-name': 'gcloud',
        'serving.knative.dev/creator': revision.creator,
      },
      creationTimestamp: knativeTime(revision.createdMs),
      generation: 1,
      labels,
      name: revision.name,
      namespace,
      ownerReferences: [{ apiVersion: 'serving.knative.dev/v1', blockOwnerDeletion: true, controller: true, kind: 'Configuration', name: service.name, uid: service.uid }],
      resourceVersion: Buffer.from(stableHex(revision.uid).slice(0, 12)).toString('base64'),
      selfLink: `/apis/serving.knative.dev/v1/namespaces/${namespace}/revisions/${revision.name}`,
      uid: revision.uid,
    },
    spec: containerSpec(service.project, revision.image),
    status,
  };
}

function uuidLike(input: string): string {
  const hex = stableHex(input);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A LogEntry as `gcloud logging read --format=json` prints it. */
export function logEntryJson(entry: LogEntryRecord): Record<string, unknown> {
  const timestamp = new Date(entry.timestampMs).toISOString().replace(/Z$/, `${String(stableHex(entry.insertId).charCodeAt(0) % 10)}41Z`);
  const out: Record<string, unknown> = {
    insertId: entry.insertId,
    labels: { instanceId: `00f46b9285${stableHex(`${entry.revision}:instance`).slice(0, 54)}` },
    logName: `projects/${entry.project}/logs/run.googleapis.com%2F${entry.kind === 'request' ? 'requests' : 'stderr'}`,
    receiveTimestamp: new Date(entry.timestampMs + 87).toISOString().replace(/Z$/, '512Z'),
    resource: {
      labels: {
        configuration_name: entry.service,
        location: entry.region,
        project_id: entry.project,
        revision_name: entry.revision,
        service_name: entry.service,
      },
      type: 'cloud_run_revision',
    },
    severity: entry.severity,
    timestamp,
  };
  if (entry.textPayload !== undefined) out['textPayload'] = entry.textPayload;
  if (entry.httpRequest !== undefined) {
    out['httpRequest'] = { ...entry.httpRequest, protocol: 'HTTP/1.1', serverIp: '216.239.32.53' };
    out['trace'] = `projects/${entry.project}/traces/${stableHex(`${entry.insertId}:trace`).slice(0, 32)}`;
    out['spanId'] = stableHex(`${entry.insertId}:span`).slice(0, 16);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The logging filter
// ---------------------------------------------------------------------------------------------

const RESOURCE_LABELS = ['service_name', 'revision_name', 'location', 'project_id', 'configuration_name'] as const;

type FilterOp = '=' | '>=' | '>' | '<=' | '<';

interface ParsedFilter {
  resourceType?: string;
  labels: Partial<Record<(typeof RESOURCE_LABELS)[number], string>>;
  severity?: { op: FilterOp; level: Severity };
  fromMs?: number;
  toMs?: number;
}

const SUPPORTED_FILTER =
  'resource.type="…", resource.labels.{service_name,revision_name,location,project_id,configuration_name}="…", severity<op>LEVEL and timestamp<op>"RFC 3339", joined with AND';

/** Parses AND-joined `field="value"` / `severity>=LEVEL` / `timestamp>="…"` terms. */
export function parseLoggingFilter(filter: string): ParsedFilter | { error: string } {
  const parsed: ParsedFilter = { labels: {} };
  let position = 0;
  const syntaxError = (token: string): { error: string } => ({
    error: `INVALID_ARGUMENT: Unparseable filter: syntax error at line 1, column ${position + 1}, token '${token}'`,
  });
  const skipSpace = (): void => {
    while (position < filter.length && /\s/.test(filter[position] ?? '')) position++;
  };
  let expectTerm = true;
  let terms = 0;
  for (skipSpace(); position < filter.length; skipSpace()) {
    const word = /^[A-Za-z_][\w.]*/.exec(filter.slice(position))?.[0];
    if (word === 'AND') {
      if (expectTerm) return syntaxError('AND');
      position += 3;
      expectTerm = true;
      continue;
    }
    if (word === undefined) return syntaxError(filter[position] ?? '');
    if (word === 'OR' || word === 'NOT') return { error: `INVALID_ARGUMENT: The Hey Ops sandbox cannot evaluate [${word}] in a filter; supported: ${SUPPORTED_FILTER}.` };
    const termStart = position;
    position += word.length;
    skipSpace();
    const op = /^(>=|<=|!=|=~|!~|=|>|<|:)/.exec(filter.slice(position))?.[0];
    if (op === undefined) return syntaxError(filter[position] ?? '<EOF>');
    position += op.length;
    skipSpace();
    let value: string;
    if (filter[position] === '"') {
      const match = /^"((?:[^"\\]|\\.)*)"/.exec(filter.slice(position));
      if (match === null) return syntaxError('"');
      value = (match[1] ?? '').replace(/\\(.)/g, '$1');
      position += match[0].length;
    } else {
      const match = /^[^\s()]+/.exec(filter.slice(position));
      if (match === null) return syntaxError(filter[position] ?? '<EOF>');
      value = match[0];
      position += match[0].length;
    }
    const term = filter.slice(termStart, position);
    const unsupported = { error: `INVALID_ARGUMENT: The Hey Ops sandbox cannot evaluate the filter term [${term}]; supported: ${SUPPORTED_FILTER}.` };
    if (word === 'resource.type' && op === '=') parsed.resourceType = value;
    else if (word.startsWith('resource.labels.') && op === '=' && (RESOURCE_LABELS as readonly string[]).includes(word.slice('resource.labels.'.length))) {
      parsed.labels[word.slice('resource.labels.'.length) as (typeof RESOURCE_LABELS)[number]] = value;
    } else if (word === 'severity' && (op === '=' || op === '>=' || op === '>' || op === '<=' || op === '<')) {
      const level = value.toUpperCase();
      if (!(SEVERITIES as readonly string[]).includes(level)) return { error: `INVALID_ARGUMENT: Invalid severity [${value}]: expected one of ${SEVERITIES.join(', ')}.` };
      parsed.severity = { op, level: level as Severity };
    } else if (word === 'timestamp' && (op === '>=' || op === '>' || op === '<=' || op === '<')) {
      const at = Date.parse(value);
      if (Number.isNaN(at)) return { error: `INVALID_ARGUMENT: Invalid timestamp [${value}] in filter.` };
      if (op === '>=' || op === '>') parsed.fromMs = Math.max(parsed.fromMs ?? -Infinity, op === '>' ? at + 1 : at);
      else parsed.toMs = Math.min(parsed.toMs ?? Infinity, op === '<' ? at - 1 : at);
    } else return unsupported;
    expectTerm = false;
    terms++;
  }
  if (expectTerm && terms > 0) return syntaxError('<EOF>');
  return parsed;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** gcloud durations (`10m`, `1h30m`, `2d`) as milliseconds, or undefined when malformed. */
export function parseGcloudDuration(raw: string): number | undefined {
  const parts = [...raw.toLowerCase().matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== raw.toLowerCase()) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * (DURATION_UNITS[part[2] ?? 's'] ?? 0), 0);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

interface CommandContext {
  readonly state: SandboxState;
  readonly parsed: ParsedCommand;
  readonly signal: AbortSignal;
}

/** A command failure: gcloud prints `progress` lines, then `ERROR: (gcloud.x) message`, and exits 1. */
class Failure extends Error {
  readonly progress: readonly string[];

  constructor(message: string, progress: readonly string[] = []) {
    super(message);
    this.progress = progress;
  }
}

function flag(context: CommandContext, name: string): string | undefined {
  const value = context.parsed.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function requireProject(context: CommandContext): string {
  const project = flag(context, 'project') ?? process.env['CLOUDSDK_CORE_PROJECT'];
  if (project === undefined || project === '') {
    throw new Failure(
      'The required property [project] is not currently set.\nIt can be set on a per-command basis by re-running your command with the [--project] flag.\n\nYou may set it for your current workspace by running:\n\n  $ gcloud config set project VALUE\n\nor it can be set temporarily by the environment variable [CLOUDSDK_CORE_PROJECT]',
    );
  }
  if (!context.state.hasProject(project)) {
    throw new Failure(`PERMISSION_DENIED: Permission denied on resource project ${project}. This command is authenticated as ${SANDBOX_GCLOUD_ACCOUNT} which is the active account specified by the [core/account] property.`);
  }
  return project;
}

function requireRegion(context: CommandContext): string {
  const region = flag(context, 'region') ?? process.env['CLOUDSDK_RUN_REGION'];
  if (region === undefined || region === '') {
    throw new Failure(
      'Missing required argument [--region]: You must specify a region. Either use the `--region` flag or set the run/region property.',
    );
  }
  return region;
}

function requireService(context: CommandContext, project: string, region: string, name: string): ServiceRecord {
  const service = context.state.getService(project, region, name);
  if (service === undefined) throw new Failure(`Cannot find service [${name}]`);
  return service;
}

function limitOf(context: CommandContext): number | undefined {
  const raw = flag(context, 'limit');
  if (raw === undefined) return undefined;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new Failure(`argument --limit: Value must be greater than or equal to 1; received: ${raw}`);
  return limit;
}

function trafficLines(service: ServiceRecord): string {
  const lines = service.resolvedTraffic.map((target) => {
    const percent = `${target.percent}%`.padEnd(5);
    const name = target.latestRevision ? `LATEST (currently ${target.revisionName})` : target.revisionName;
    const tag = target.tag === undefined ? '' : `\n        ${target.tag}: ${serviceUrl(service.project, service.region, service.name, target.tag)}`;
    return `  ${percent}${name}${tag}`;
  });
  return `Traffic:\n${lines.join('\n')}`;
}

async function runDeploy(context: CommandContext): Promise<{ stdout: string; stderr: string }> {
  const serviceName = context.parsed.positionals[0];
  if (serviceName === undefined) throw new Failure('Missing required argument [SERVICE]: name of the service to deploy (the sandbox cannot prompt).');
  const image = flag(context, 'image');
  if (image === undefined) throw new Failure('The Hey Ops sandbox deploys container images only: pass --image=IMAGE (deploying from source is not simulated).');
  const project = requireProject(context);
  const region = requireRegion(context);
  const noTraffic = context.parsed.flags.get('no-traffic') === true;
  const tag = flag(context, 'tag');
  if (tag !== undefined && !/^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$/.test(tag)) throw new Failure(`Invalid argument [--tag]: tag [${tag}] must be lowercase letters, digits and hyphens.`);
  const existing = context.state.getService(project, region, serviceName);
  if (existing === undefined && noTraffic) throw new Failure('--no-traffic not supported when creating a new service.');
  const progress = [
    `Deploying container to Cloud Run service [${serviceName}] in project [${project}] region [${region}]`,
    existing === undefined ? 'Deploying new service...' : 'Deploying...',
  ];
  const pushed = context.state.isImagePushed(image);
  await pause(context.state.scaled(pushed ? DEPLOY_SIM_MS * 0.85 : DEPLOY_SIM_MS * 0.5), context.signal);
  const { service, revision } = context.state.createRevision({
    project,
    region,
    service: serviceName,
    image,
    noTraffic,
    ...(tag === undefined ? {} : { tag }),
    actor: SANDBOX_GCLOUD_ACCOUNT,
    ...(pushed ? {} : { failure: (name: string) => `Revision '${name}' is not ready and cannot serve traffic. Image '${image}' not found.` }),
  });
  if (!revision.ready) {
    progress.push('Creating Revision.........failed', 'Deployment failed');
    throw new Failure(revision.message ?? 'Deployment failed', progress);
  }
  progress.push('Creating Revision.......................done');
  await pause(context.state.scaled(DEPLOY_SIM_MS * 0.15), context.signal);
  progress.push('Routing traffic.....done', 'Done.');
  const percent = service.resolvedTraffic.filter((target) => target.revisionName === revision.name).reduce((sum, target) => sum + target.percent, 0);
  progress.push(`Service [${serviceName}] revision [${revision.name}] has been deployed and is serving ${percent} percent of traffic.`);
  if (percent > 0) progress.push(`Service URL: ${serviceUrl(project, region, serviceName)}`);
  else if (tag !== undefined) progress.push(`The revision can be reached directly at ${serviceUrl(project, region, serviceName, tag)}`);
  return { stdout: '', stderr: `${progress.join('\n')}\n` };
}

function parseTrafficPairs(raw: string, flagName: string): Array<{ key: string; percent: number }> {
  return raw.split(',').map((pair) => {
    const match = /^([^=]+)=(\d+)$/.exec(pair.trim());
    const percent = Number(match?.[2]);
    if (match === null || !Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new Failure(`Invalid argument [--${flagName}]: [${pair}] is not of the form KEY=PERCENT with PERCENT an integer from 0 to 100.`);
    }
    return { key: match[1] ?? '', percent };
  });
}

async function runUpdateTraffic(context: CommandContext): Promise<{ stdout: string; stderr: string }> {
  const serviceName = context.parsed.positionals[0];
  if (serviceName === undefined) throw new Failure('Missing required argument [SERVICE].');
  const project = requireProject(context);
  const region = requireRegion(context);
  requireService(context, project, region, serviceName);
  const toLatest = context.parsed.flags.get('to-latest') === true;
  const toRevisions = flag(context, 'to-revisions');
  const toTags = flag(context, 'to-tags');
  const chosen = [toLatest, toRevisions !== undefined, toTags !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new Failure('Exactly one of (--to-latest | --to-revisions | --to-tags) must be specified.');
  const change =
    toLatest
      ? ({ kind: 'latest' } as const)
      : {
          kind: 'targets' as const,
          targets:
            toRevisions !== undefined
              ? parseTrafficPairs(toRevisions, 'to-revisions').map((pair) => ({ revision: pair.key, percent: pair.percent }))
              : parseTrafficPairs(toTags ?? '', 'to-tags').map((pair) => ({ tag: pair.key, percent: pair.percent })),
        };
  await pause(context.state.scaled(TRAFFIC_UPDATE_SIM_MS), context.signal);
  let updated: ServiceRecord;
  try {
    updated = context.state.updateTraffic(project, region, serviceName, change, SANDBOX_GCLOUD_ACCOUNT);
  } catch (error) {
    if (error instanceof CloudRunError) throw new Failure(error.message, ['Updating traffic...', 'Routing traffic.....failed', 'Updating traffic failed']);
    throw error;
  }
  const stderr = ['Updating traffic...', 'Routing traffic.....done', 'Done.', `URL: ${serviceUrl(project, region, serviceName)}`, trafficLines(updated)].join('\n');
  return { stdout: '', stderr: `${stderr}\n` };
}

function runLoggingRead(context: CommandContext): { stdout: string; stderr: string } {
  const project = requireProject(context);
  const filter = parseLoggingFilter(context.parsed.positionals[0] ?? '');
  if ('error' in filter) throw new Failure(filter.error);
  const freshnessRaw = flag(context, 'freshness') ?? '1d';
  const freshness = parseGcloudDuration(freshnessRaw);
  if (freshness === undefined) throw new Failure(`argument --freshness: Failed to parse duration: ${freshnessRaw}`);
  const order = (flag(context, 'order') ?? 'desc').toLowerCase();
  if (order !== 'asc' && order !== 'desc') throw new Failure(`argument --order: Invalid choice: '${order}'. Valid choices are [asc, desc].`);
  const limit = limitOf(context) ?? 1_000;
  const now = context.state.now();
  const fromMs = Math.max(now - context.state.scaled(freshness), filter.fromMs ?? -Infinity);
  const toMs = Math.min(now, filter.toMs ?? Infinity);
  let entries: LogEntryRecord[] = [];
  if ((filter.resourceType ?? 'cloud_run_revision') === 'cloud_run_revision' && (filter.labels.project_id ?? project) === project && toMs > fromMs) {
    const query: LogQuery = {
      project,
      fromMs,
      toMs,
      limit,
      ...(filter.labels.service_name === undefined ? {} : { serviceName: filter.labels.service_name }),
      ...(filter.labels.revision_name === undefined ? {} : { revisionName: filter.labels.revision_name }),
      ...(filter.labels.location === undefined ? {} : { location: filter.labels.location }),
      ...(filter.labels.configuration_name === undefined ? {} : { configurationName: filter.labels.configuration_name }),
      ...(filter.severity === undefined ? {} : { severity: filter.severity }),
    };
    entries = context.state.readLogs(query);
  }
  if (order === 'asc') entries = [...entries].reverse();
  return { stdout: render(entries.map(logEntryJson), flag(context, 'format'), true), stderr: '' };
}

async function execute(context: CommandContext): Promise<{ stdout: string; stderr: string }> {
  const format = flag(context, 'format');
  switch (context.parsed.spec.path.join(' ')) {
    case 'run services describe': {
      const project = requireProject(context);
      const region = requireRegion(context);
      const service = requireService(context, project, region, context.parsed.positionals[0] ?? '');
      return { stdout: render(knativeService(service), format, false), stderr: '' };
    }
    case 'run services list': {
      const project = requireProject(context);
      const services = context.state.listServices(project, flag(context, 'region')).slice(0, limitOf(context));
      const stderr = services.length === 0 && format !== 'json' ? 'Listed 0 items.\n' : '';
      return { stdout: render(services.map(knativeService), format, true), stderr };
    }
    case 'run revisions list': {
      const project = requireProject(context);
      const region = requireRegion(context);
      const serviceName = flag(context, 'service');
      const services = serviceName === undefined ? context.state.listServices(project, region) : [context.state.getService(project, region, serviceName)].filter((s) => s !== undefined);
      const revisions = services
        .flatMap((service) => service.revisions.map((revision) => ({ service, revision })))
        .sort((a, b) => b.revision.createdMs - a.revision.createdMs)
        .slice(0, limitOf(context))
        .map(({ service, revision }) => knativeRevision(service, revision));
      const stderr = revisions.length === 0 && format !== 'json' ? 'Listed 0 items.\n' : '';
      return { stdout: render(revisions, format, true), stderr };
    }
    case 'run revisions describe': {
      const project = requireProject(context);
      const region = requireRegion(context);
      const name = context.parsed.positionals[0] ?? '';
      for (const service of context.state.listServices(project, region)) {
        const revision = service.revisions.find((candidate) => candidate.name === name);
        if (revision !== undefined) return { stdout: render(knativeRevision(service, revision), format, false), stderr: '' };
      }
      throw new Failure(`Cannot find revision [${name}]`);
    }
    case 'run deploy':
      return runDeploy(context);
    case 'run services update-traffic':
      return runUpdateTraffic(context);
    case 'logging read':
      return runLoggingRead(context);
    default:
      throw new Failure(`Command [${context.parsed.spec.path.join(' ')}] is not simulated.`);
  }
}

/** Runs one gcloud command line (without the leading `gcloud`) against the sandbox state. */
export async function runGcloud(state: SandboxState, args: readonly string[], faults: ResolvedSandboxFaults, signal: AbortSignal): Promise<GcloudOutcome> {
  const parsed = parseArgs(args, faults);
  if ('lintError' in parsed) return { lintError: parsed.lintError };
  if ('unsupported' in parsed) {
    const name = `gcloud.${parsed.unsupported.join('.')}`;
    return {
      code: 1,
      stdout: '',
      stderr: `ERROR: (${name}) The Hey Ops sandbox does not simulate [gcloud ${parsed.unsupported.join(' ')}]. Simulated: ${COMMANDS.map((command) => `gcloud ${command.path.join(' ')}`).join(', ')}.\n`,
    };
  }
  const name = `gcloud.${parsed.parsed.spec.path.join('.')}`;
  try {
    const { stdout, stderr } = await execute({ state, parsed: parsed.parsed, signal });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof Failure || error instanceof CloudRunError) {
      const before = error instanceof Failure && error.progress.length > 0 ? `${error.progress.join('\n')}\n` : '';
      return { code: 1, stdout: '', stderr: `${before}ERROR: (${name}) ${error.message}\n` };
    }
    throw error;
  }
}
