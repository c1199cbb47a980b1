/**
 * The sandbox's shared state: GitHub repositories, workflows and runs, Cloud Run services with
 * revisions and traffic, and the fault knobs — one SQLite file in the state directory.
 *
 * Several Hey Ops processes (each with its own pair of sandbox server processes) may share one
 * state directory at once, so everything lives in SQLite (WAL mode, a generous busy timeout,
 * `BEGIN IMMEDIATE` around every write) rather than in memory or in JSON files. Nothing runs in
 * the background: a workflow run's status and a revision's log entries are computed from stored
 * timestamps when they are read, so any process sees the same answer at the same moment.
 *
 * Time: every stored timestamp is real wall-clock milliseconds. Simulated durations (a 5-minute
 * test suite, a 2-minute deploy) are multiplied by the time scale when they are stored or waited
 * for; durations that arrive in commands (`--freshness=10m`) are simulated durations too.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import { DEFAULT_TIME_SCALE } from '../common/config.ts';
import { HeyOpsError, describeZodIssues } from '../common/errors.ts';

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

/** Environment variable naming the state directory (required by both servers). */
export const SANDBOX_DIR_ENV = 'HEY_OPS_SANDBOX_DIR';
/** Environment variable holding the factor on simulated durations. */
export const TIME_SCALE_ENV = 'HEY_OPS_TIME_SCALE';
/** The SQLite file inside the state directory. */
export const STATE_FILE = 'sandbox.sqlite';
/** The fault knobs file inside the state directory, re-read on every tool call. */
export const FAULTS_FILE = 'faults.json';

/** Parses HEY_OPS_TIME_SCALE; absent means the default, anything else must be a positive number. */
export function parseTimeScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIME_SCALE;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1000) {
    throw new HeyOpsError('CONFIG_INVALID', `${TIME_SCALE_ENV} must be a positive number (got "${raw}")`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Fault knobs
// ---------------------------------------------------------------------------------------------

const CONCLUSIONS = ['success', 'failure', 'cancelled', 'timed_out'] as const;
export type Conclusion = (typeof CONCLUSIONS)[number];

/**
 * `faults.json` in the state directory. Tests write it (with `writeSandboxFaults`) to make the
 * sandbox misbehave; the servers read it on every call, so a change applies to the next call.
 */
export const SandboxFaultsSchema = z
  .object({
    /** "owner/repo:workflow.yml" → the conclusion runs dispatched from now on will end with. */
    workflowConclusion: z
      .record(z.string().regex(/^[\w.-]+\/[\w.-]+:[\w.-]+$/, 'keys are "owner/repo:workflow.yml"'), z.enum(CONCLUSIONS))
      .default({}),
    /**
     * "project/service/<revision>" → the fraction of requests that log an ERROR. The revision
     * part may be "next": every revision created while the key is present gets that rate.
     */
    revisionErrorRate: z
      .record(z.string().regex(/^[\w.-]+\/[\w.-]+\/[\w.-]+$/, 'keys are "project/service/revision-or-next"'), z.number().min(0).max(1))
      .default({}),
    /** Tool name → extra real milliseconds every call of that tool waits first (cancellable). */
    latencyMs: z.record(z.string().min(1), z.number().int().min(0).max(600_000)).default({}),
    /**
     * Reproduce gcloud-mcp 0.5.3's bug (googleapis/gcloud-mcp#385): an argument containing a
     * space is split before gcloud sees it, so `logging read '<filter with spaces>'` fails.
     */
    gcloudSplitsArgsWithSpaces: z.boolean().default(false),
  })
  .strict();
/** What a test writes: every knob is optional. */
export type SandboxFaults = z.input<typeof SandboxFaultsSchema>;
/** What the servers read: every knob present. */
export type ResolvedSandboxFaults = z.output<typeof SandboxFaultsSchema>;

/** Writes `faults.json` atomically (write + rename), so a server never reads half a file. */
export function writeSandboxFaults(stateDir: string, faults: SandboxFaults): void {
  const parsed = SandboxFaultsSchema.safeParse(faults);
  if (!parsed.success) {
    throw new HeyOpsError('CONFIG_INVALID', `sandbox faults are invalid: ${describeZodIssues(parsed.error.issues)}`);
  }
  mkdirSync(stateDir, { recursive: true });
  const target = path.join(stateDir, FAULTS_FILE);
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(faults, null, 2)}\n`);
  renameSync(temporary, target);
}

/** Reads `faults.json`; a missing file means no faults, an invalid one is CONFIG_INVALID. */
export function readSandboxFaults(stateDir: string): ResolvedSandboxFaults {
  const file = path.join(stateDir, FAULTS_FILE);
  if (!existsSync(file)) return SandboxFaultsSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HeyOpsError('CONFIG_INVALID', `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = SandboxFaultsSchema.safeParse(raw);
  if (!parsed.success) throw new HeyOpsError('CONFIG_INVALID', `${file} is invalid: ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// The default catalog
// ---------------------------------------------------------------------------------------------

export const SANDBOX_OWNER = 'acme';
export const SANDBOX_SERVICES = ['api', 'web', 'payments', 'checkout', 'worker'] as const;
export const SANDBOX_PROJECTS = ['acme-dev', 'acme-staging', 'acme-prod'] as const;
export const SANDBOX_REGION = 'us-central1';
/** The GitHub user the sandbox token belongs to (get_me, workflow_dispatch actor). */
export const SANDBOX_USER = { login: 'heyops-sandbox', id: 190_412_377, name: 'Hey Ops Sandbox' } as const;
/** The gcloud account deploys are attributed to. */
export const SANDBOX_GCLOUD_ACCOUNT = 'heyops-sandbox@acme.example';

interface WorkflowJobSpec {
  readonly name: string;
  /** Share of the run's in-progress time this job takes; jobs run one after another. */
  readonly share: number;
  readonly commands: readonly string[];
}
export interface WorkflowSpec {
  readonly file: string;
  readonly name: string;
  /** Simulated length of a run, queue time included. */
  readonly simMs: number;
  /** workflow_dispatch inputs the workflow declares. */
  readonly inputs: Readonly<Record<string, { readonly required: boolean }>>;
  readonly jobs: readonly WorkflowJobSpec[];
}

/** The three workflows every sandbox repository has. */
export const SANDBOX_WORKFLOWS: readonly WorkflowSpec[] = [
  {
    file: 'ci.yml',
    name: 'CI',
    simMs: 30_000,
    inputs: {},
    jobs: [
      { name: 'lint', share: 0.3, commands: ['npm ci', 'npm run lint'] },
      { name: 'coverage', share: 0.4, commands: ['npm run test:coverage -- --threshold=80'] },
      { name: 'security-scan', share: 0.3, commands: ['npm audit --audit-level=high'] },
    ],
  },
  {
    file: 'tests.yml',
    name: 'Tests',
    simMs: 300_000,
    inputs: {},
    jobs: [
      { name: 'unit-tests', share: 0.55, commands: ['npm ci', 'npm test'] },
      { name: 'integration-tests', share: 0.45, commands: ['docker compose up -d postgres redis', 'npm run test:integration'] },
    ],
  },
  {
    file: 'build.yml',
    name: 'Build',
    simMs: 180_000,
    // `sha` pins the commit built (a dispatch can only name a branch or tag, which may move).
    inputs: { image: { required: true }, sha: { required: false } },
    jobs: [{ name: 'build-and-push', share: 1, commands: ['git checkout "$SHA"', 'docker build -t "$IMAGE" .', 'docker push "$IMAGE"'] }],
  },
];

/** Simulated length of a Cloud Run deploy (revision creation through routing). */
export const DEPLOY_SIM_MS = 120_000;
/** Simulated length of a traffic update. */
export const TRAFFIC_UPDATE_SIM_MS = 10_000;
/** Requests per simulated second a service receives at 100% traffic. */
export const REQUESTS_PER_SIM_SECOND = 2;
/** Share of requests that log an ERROR on a healthy revision. */
export const DEFAULT_ERROR_RATE = 0.002;

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The people who wrote the seeded commits. */
export const SANDBOX_AUTHORS = [
  { name: 'Dana Okafor', email: 'dana.okafor@acme.example', login: 'dokafor', id: 5_120_331 },
  { name: 'Lee Park', email: 'lee.park@acme.example', login: 'leepark', id: 7_884_102 },
  { name: 'Sam Rivera', email: 'sam.rivera@acme.example', login: 'srivera', id: 3_301_877 },
] as const;

/** Commits on main, oldest first; `daysAgo` places them before the seeded revisions that run them. */
const COMMIT_TEMPLATES: ReadonlyArray<{ message: (service: string) => string; files: readonly string[]; daysAgo: number }> = [
  { message: (s) => `Initial ${s} service`, files: ['package.json', 'src/index.ts', 'Dockerfile'], daysAgo: 30 },
  { message: () => 'Add /healthz endpoint and readiness probe', files: ['src/health.ts', 'src/index.ts'], daysAgo: 16 },
  { message: () => 'Fix connection pool leak under sustained load', files: ['src/db/pool.ts', 'test/db/pool.test.ts'], daysAgo: 4 },
  { message: () => 'Bump dependencies and tighten request timeouts', files: ['package.json', 'package-lock.json', 'src/http/client.ts'], daysAgo: 1 },
];

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers
// ---------------------------------------------------------------------------------------------

/** SHA-1 hex of a string: deterministic 40-hex commit SHAs, ids and names. */
export function stableHex(input: string): string {
  return createHash('sha1').update(input).digest('hex');
}

function stableInt(input: string, modulo: number): number {
  return Number.parseInt(stableHex(input).slice(0, 12), 16) % modulo;
}

function stableLetters(input: string, count: number): string {
  const hex = stableHex(input);
  let out = '';
  for (let i = 0; i < count; i++) out += String.fromCharCode(97 + (Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 26));
  return out;
}

/** The 12-digit project number Cloud Run uses as the Knative namespace. */
export function projectNumber(project: string): string {
  return String(100_000_000_000 + stableInt(`project-number:${project}`, 899_999_999_999));
}

/** The per-project hash in `https://SERVICE-HASH-uc.a.run.app`. */
export function projectUrlHash(project: string): string {
  return BigInt(`0x${stableHex(`url-hash:${project}`).slice(0, 16)}`).toString(36).padStart(10, 'a').slice(0, 10);
}

const REGION_CODES: Readonly<Record<string, string>> = {
  'us-central1': 'uc',
  'us-east1': 'ue',
  'us-west1': 'uw',
  'europe-west1': 'ew',
  'asia-northeast1': 'an',
};

/** `https://api-<hash>-uc.a.run.app`; a tag adds `canary---` in front. */
export function serviceUrl(project: string, region: string, service: string, tag?: string): string {
  const code = REGION_CODES[region] ?? 'uc';
  const host = `${service}-${projectUrlHash(project)}-${code}.a.run.app`;
  return tag === undefined ? `https://${host}` : `https://${tag}---${host}`;
}

export function imageFor(project: string, service: string, sha: string): string {
  return `us-docker.pkg.dev/${project}/${service}/${service}:${sha.slice(0, 7)}`;
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export interface RepoRecord {
  readonly fullName: string;
  readonly id: number;
  readonly defaultBranch: string;
  readonly createdMs: number;
}

export interface CommitRecord {
  readonly repo: string;
  readonly sha: string;
  readonly branch: string;
  readonly seq: number;
  readonly message: string;
  readonly author: { readonly name: string; readonly email: string; readonly login: string; readonly id: number };
  readonly dateMs: number;
  readonly files: ReadonlyArray<{ readonly filename: string; readonly additions: number; readonly deletions: number; readonly status: string }>;
}

export interface TagRecord {
  readonly repo: string;
  readonly name: string;
  readonly commitSha: string;
  readonly tagSha: string;
  readonly message: string;
  readonly dateMs: number;
}

export interface ReleaseRecord {
  readonly repo: string;
  readonly id: number;
  readonly tagName: string;
  readonly name: string;
  readonly body: string;
  readonly publishedMs: number;
  readonly authorLogin: string;
}

export interface WorkflowRecord {
  readonly repo: string;
  readonly id: number;
  readonly file: string;
  readonly name: string;
  readonly createdMs: number;
  readonly spec: WorkflowSpec;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type InputValue = string | number | boolean;

export interface StepView {
  readonly number: number;
  readonly name: string;
  readonly status: RunStatus;
  readonly conclusion: Conclusion | 'skipped' | null;
  readonly startedMs: number;
  readonly completedMs: number;
}

export interface JobView {
  readonly id: number;
  readonly runId: number;
  readonly name: string;
  readonly status: RunStatus;
  readonly conclusion: Conclusion | null;
  readonly createdMs: number;
  readonly startedMs: number;
  readonly completedMs: number;
  /** Simulated length, for usage reports. */
  readonly simMs: number;
  readonly steps: readonly StepView[];
  readonly commands: readonly string[];
}

export interface RunView {
  readonly id: number;
  readonly repo: string;
  readonly workflowFile: string;
  readonly workflowId: number;
  readonly name: string;
  readonly displayTitle: string;
  readonly event: string;
  readonly headBranch: string;
  readonly headSha: string;
  readonly headMessage: string;
  readonly actor: string;
  readonly inputs: Readonly<Record<string, InputValue>> | null;
  readonly runNumber: number;
  readonly runAttempt: number;
  readonly createdMs: number;
  readonly attemptMs: number;
  readonly status: RunStatus;
  readonly conclusion: Conclusion | null;
  readonly updatedMs: number;
  /** Simulated length of the whole run. */
  readonly simMs: number;
  readonly jobs: readonly JobView[];
}

export interface TrafficTarget {
  readonly revisionName?: string;
  readonly latestRevision?: boolean;
  readonly percent: number;
  readonly tag?: string;
}

/** A traffic target with `latestRevision` resolved to a name, as `status.traffic` shows it. */
export interface ResolvedTrafficTarget {
  readonly revisionName: string;
  readonly latestRevision: boolean;
  readonly percent: number;
  readonly tag?: string;
}

export interface RevisionRecord {
  readonly project: string;
  readonly region: string;
  readonly service: string;
  readonly name: string;
  readonly generation: number;
  readonly image: string;
  readonly createdMs: number;
  readonly ready: boolean;
  /** Why the revision is not ready (null when ready). */
  readonly message: string | null;
  readonly errorRate: number;
  readonly uid: string;
  readonly creator: string;
}

export interface ServiceRecord {
  readonly project: string;
  readonly region: string;
  readonly name: string;
  readonly uid: string;
  readonly createdMs: number;
  readonly creator: string;
  readonly lastModifier: string;
  readonly updatedMs: number;
  readonly generation: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly traffic: readonly TrafficTarget[];
  /** Newest first. */
  readonly revisions: readonly RevisionRecord[];
  readonly latestCreatedRevision: RevisionRecord | null;
  readonly latestReadyRevision: RevisionRecord | null;
  readonly resolvedTraffic: readonly ResolvedTrafficTarget[];
}

export const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface LogEntryRecord {
  readonly insertId: string;
  readonly timestampMs: number;
  readonly severity: Severity;
  readonly kind: 'request' | 'stderr';
  readonly project: string;
  readonly region: string;
  readonly service: string;
  readonly revision: string;
  readonly textPayload?: string;
  readonly httpRequest?: {
    readonly requestMethod: string;
    readonly requestUrl: string;
    readonly status: number;
    readonly responseSize: string;
    readonly latency: string;
    readonly userAgent: string;
    readonly remoteIp: string;
  };
}

export interface LogQuery {
  readonly project: string;
  readonly serviceName?: string;
  readonly revisionName?: string;
  readonly location?: string;
  readonly configurationName?: string;
  readonly severity?: { readonly op: '=' | '>=' | '>' | '<=' | '<'; readonly level: Severity };
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
}

/** A GitHub REST failure: the status, the request it answered and GitHub's message. */
export class GitHubApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly apiPath: string;

  constructor(status: number, method: string, apiPath: string, message: string) {
    super(message);
    this.name = 'GitHubApiError';
    this.status = status;
    this.method = method;
    this.apiPath = apiPath;
  }
}

/** A Cloud Run / gcloud failure with the text gcloud would print after `ERROR: (gcloud.x) `. */
export class CloudRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudRunError';
  }
}

// ---------------------------------------------------------------------------------------------
// Rows as SQLite returns them
// ---------------------------------------------------------------------------------------------

interface RunRow {
  id: number;
  repo: string;
  workflow_file: string;
  workflow_id: number;
  name: string;
  display_title: string;
  event: string;
  head_branch: string;
  head_sha: string;
  actor: string;
  inputs: string | null;
  run_number: number;
  run_attempt: number;
  created_ms: number;
  attempt_ms: number;
  queue_ms: number;
  run_ms: number;
  sim_ms: number;
  conclusion: Conclusion;
  cancelled_ms: number | null;
}

interface ServiceRow {
  project: string;
  region: string;
  name: string;
  uid: string;
  created_ms: number;
  creator: string;
  last_modifier: string;
  updated_ms: number;
  generation: number;
  labels: string;
  traffic: string;
}

interface RevisionRow {
  project: string;
  region: string;
  service: string;
  name: string;
  generation: number;
  image: string;
  created_ms: number;
  ready: number;
  message: string | null;
  error_rate: number;
  uid: string;
  creator: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repos (full_name TEXT PRIMARY KEY, id INTEGER NOT NULL, default_branch TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS commits (
  repo TEXT NOT NULL, sha TEXT NOT NULL, branch TEXT NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL,
  author TEXT NOT NULL, date_ms INTEGER NOT NULL, files TEXT NOT NULL, PRIMARY KEY (repo, sha));
CREATE TABLE IF NOT EXISTS tags (
  repo TEXT NOT NULL, name TEXT NOT NULL, commit_sha TEXT NOT NULL, tag_sha TEXT NOT NULL, message TEXT NOT NULL,
  date_ms INTEGER NOT NULL, PRIMARY KEY (repo, name));
CREATE TABLE IF NOT EXISTS releases (
  repo TEXT NOT NULL, id INTEGER NOT NULL, tag_name TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
  published_ms INTEGER NOT NULL, author_login TEXT NOT NULL, PRIMARY KEY (repo, id));
CREATE TABLE IF NOT EXISTS workflows (
  repo TEXT NOT NULL, id INTEGER NOT NULL, file TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL,
  PRIMARY KEY (repo, file));
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, repo TEXT NOT NULL, workflow_file TEXT NOT NULL, workflow_id INTEGER NOT NULL,
  name TEXT NOT NULL, display_title TEXT NOT NULL, event TEXT NOT NULL, head_branch TEXT NOT NULL,
  head_sha TEXT NOT NULL, actor TEXT NOT NULL, inputs TEXT, run_number INTEGER NOT NULL,
  run_attempt INTEGER NOT NULL, created_ms INTEGER NOT NULL, attempt_ms INTEGER NOT NULL,
  queue_ms INTEGER NOT NULL, run_ms INTEGER NOT NULL, sim_ms INTEGER NOT NULL, conclusion TEXT NOT NULL,
  cancelled_ms INTEGER);
CREATE INDEX IF NOT EXISTS runs_by_repo ON runs (repo, created_ms);
CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, pushed_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, number TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (
  project TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL, created_ms INTEGER NOT NULL,
  creator TEXT NOT NULL, last_modifier TEXT NOT NULL, updated_ms INTEGER NOT NULL, generation INTEGER NOT NULL,
  labels TEXT NOT NULL, traffic TEXT NOT NULL, PRIMARY KEY (project, region, name));
CREATE TABLE IF NOT EXISTS revisions (
  project TEXT NOT NULL, region TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL, generation INTEGER NOT NULL,
  image TEXT NOT NULL, created_ms INTEGER NOT NULL, ready INTEGER NOT NULL, message TEXT, error_rate REAL NOT NULL,
  uid TEXT NOT NULL, creator TEXT NOT NULL, PRIMARY KEY (project, region, name));
CREATE TABLE IF NOT EXISTS traffic_history (
  project TEXT NOT NULL, region TEXT NOT NULL, service TEXT NOT NULL, at_ms INTEGER NOT NULL, allocation TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS traffic_history_by_service ON traffic_history (project, region, service, at_ms);
`;

const FIRST_RUN_ID = 17_300_000_001;

/**
 * Loads node:sqlite on first use rather than at import: the app imports this module (through
 * sandbox-servers) without ever opening a database, and loading node:sqlite prints Node 22's
 * "SQLite is an experimental feature" warning, which would land in every CLI run and, from the
 * server processes, in the user's terminal. That one known warning is dropped; others pass.
 */
function loadSqlite(): typeof import('node:sqlite') {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('SQLite is an experimental feature')) return;
    (emitWarning as (warning: string | Error, ...rest: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

// ---------------------------------------------------------------------------------------------
// The state
// ---------------------------------------------------------------------------------------------

export interface SandboxStateOptions {
  readonly timeScale: number;
  /** Wall clock; tests may pin it. */
  readonly now?: () => number;
}

/** One process's handle on the shared state directory. */
export class SandboxState {
  readonly stateDir: string;
  readonly timeScale: number;
  private readonly db: DatabaseSync;
  private readonly clock: () => number;

  private constructor(stateDir: string, db: DatabaseSync, options: SandboxStateOptions) {
    this.stateDir = stateDir;
    this.db = db;
    this.timeScale = options.timeScale;
    this.clock = options.now ?? Date.now;
  }

  /** Opens (creating and seeding on first use, idempotently and race-safely) the state in `stateDir`. */
  static open(stateDir: string, options: SandboxStateOptions): SandboxState {
    mkdirSync(stateDir, { recursive: true });
    const { DatabaseSync: Database } = loadSqlite();
    const db = new Database(path.join(stateDir, STATE_FILE), { timeout: 15_000 });
    db.exec('PRAGMA busy_timeout = 15000');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(SCHEMA);
    const state = new SandboxState(stateDir, db, options);
    state.seedOnce();
    return state;
  }

  close(): void {
    this.db.close();
  }

  now(): number {
    return this.clock();
  }

  /** A simulated duration as real milliseconds. */
  scaled(simMs: number): number {
    return Math.max(0, Math.round(simMs * this.timeScale));
  }

  faults(): ResolvedSandboxFaults {
    return readSandboxFaults(this.stateDir);
  }

  /** Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`: writers queue on SQLite's lock, readers never block. */
  private write<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private all<T>(sql: string, ...params: Array<string | number | null>): T[] {
    return this.db.prepare(sql).all(...params) as unknown as T[];
  }

  private get<T>(sql: string, ...params: Array<string | number | null>): T | undefined {
    return this.db.prepare(sql).get(...params) as unknown as T | undefined;
  }

  private run(sql: string, ...params: Array<string | number | null>): void {
    this.db.prepare(sql).run(...params);
  }

  // -------------------------------------------------------------------------------------------
  // Seeding
  // -------------------------------------------------------------------------------------------

  private seedOnce(): void {
    this.write(() => {
      if (this.get<{ value: string }>(`SELECT value FROM meta WHERE key = 'seeded_at'`) !== undefined) return;
      const t0 = this.now();
      this.seedGitHub(t0);
      this.seedCloudRun(t0);
      this.run(`INSERT INTO meta (key, value) VALUES ('seeded_at', ?)`, String(t0));
    });
  }

  private seedGitHub(t0: number): void {
    SANDBOX_SERVICES.forEach((service, repoIndex) => {
      const repo = `${SANDBOX_OWNER}/${service}`;
      this.run(`INSERT INTO repos VALUES (?, ?, 'main', ?)`, repo, 700_120_000 + repoIndex * 17, t0 - 400 * DAY);
      const shas: string[] = [];
      COMMIT_TEMPLATES.forEach((template, index) => {
        const seq = index + 1;
        const sha = stableHex(`${repo}#commit#${seq}`);
        shas.push(sha);
        const author = SANDBOX_AUTHORS[(repoIndex + index) % SANDBOX_AUTHORS.length] ?? SANDBOX_AUTHORS[0];
        const files = template.files.map((filename, fileIndex) => ({
          filename,
          additions: 3 + stableInt(`${sha}:${filename}:+`, 60),
          deletions: index === 0 ? 0 : stableInt(`${sha}:${filename}:-`, 25),
          status: index === 0 || (fileIndex === 0 && seq === 2) ? 'added' : 'modified',
        }));
        this.run(
          `INSERT INTO commits VALUES (?, ?, 'main', ?, ?, ?, ?, ?)`,
          repo,
          sha,
          seq,
          template.message(service),
          JSON.stringify(author),
          t0 - template.daysAgo * DAY - repoIndex * HOUR,
          JSON.stringify(files),
        );
      });
      const tags: Array<[string, number]> = [
        ['v1.0.0', 1],
        ['v1.1.0', 2],
      ];
      tags.forEach(([name, shaIndex], tagIndex) => {
        const commitSha = shas[shaIndex] ?? '';
        const date = t0 - (COMMIT_TEMPLATES[shaIndex]?.daysAgo ?? 1) * DAY + 2 * HOUR;
        this.run(`INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?)`, repo, name, commitSha, stableHex(`${repo}#tag#${name}`), `Release ${name}`, date);
        this.run(
          `INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?)`,
          repo,
          180_400_000 + repoIndex * 100 + tagIndex,
          name,
          `${service} ${name}`,
          tagIndex === 0 ? `First stable release of ${service}.` : `Connection pool fix and health checks for ${service}.`,
          date + HOUR,
          SANDBOX_AUTHORS[tagIndex % SANDBOX_AUTHORS.length]?.login ?? 'dokafor',
        );
      });
      SANDBOX_WORKFLOWS.forEach((spec, workflowIndex) => {
        this.run(`INSERT INTO workflows VALUES (?, ?, ?, ?, ?)`, repo, 61_700_000 + repoIndex * 10 + workflowIndex, spec.file, spec.name, t0 - 300 * DAY);
      });
      // The head commit's push-triggered CI run, long finished and green.
      const headSha = shas[shas.length - 1] ?? '';
      const head = this.getCommit(repo, headSha);
      const ci = SANDBOX_WORKFLOWS[0];
      if (head !== undefined && ci !== undefined) {
        const created = head.dateMs + 20_000;
        this.run(
          `INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, 'push', 'main', ?, ?, NULL, 1, 1, ?, ?, ?, ?, ?, 'success', NULL)`,
          FIRST_RUN_ID + repoIndex,
          repo,
          ci.file,
          61_700_000 + repoIndex * 10,
          ci.name,
          head.message.split('\n')[0] ?? head.message,
          headSha,
          head.author.login,
          created,
          created,
          Math.round(ci.simMs * 0.1),
          Math.round(ci.simMs * 0.9),
          ci.simMs,
        );
      }
    });
  }

  private seedCloudRun(t0: number): void {
    for (const project of SANDBOX_PROJECTS) {
      this.run(`INSERT INTO projects VALUES (?, ?)`, project, projectNumber(project));
      for (const service of SANDBOX_SERVICES) {
        const repo = `${SANDBOX_OWNER}/${service}`;
        const creator = `ci-deployer@${project}.iam.gserviceaccount.com`;
        const revisionTimes = [t0 - 14 * DAY, t0 - 2 * DAY];
        const names: string[] = [];
        revisionTimes.forEach((createdMs, index) => {
          const generation = index + 1;
          const name = gcloudRevisionName(project, service, generation);
          names.push(name);
          const image = imageFor(project, service, stableHex(`${repo}#commit#${generation + 1}`));
          this.run(`INSERT OR IGNORE INTO images VALUES (?, ?)`, image, createdMs - HOUR);
          this.run(
            `INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?)`,
            project,
            SANDBOX_REGION,
            service,
            name,
            generation,
            image,
            createdMs,
            DEFAULT_ERROR_RATE,
            uuidFrom(`revision:${project}/${name}`),
            creator,
          );
          this.run(`INSERT INTO traffic_history VALUES (?, ?, ?, ?, ?)`, project, SANDBOX_REGION, service, createdMs, JSON.stringify({ [name]: 100 }));
        });
        this.run(
          `INSERT INTO services VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          project,
          SANDBOX_REGION,
          service,
          uuidFrom(`service:${project}/${service}`),
          t0 - 30 * DAY,
          creator,
          creator,
          revisionTimes[1] ?? t0,
          3,
          JSON.stringify({ 'cloud.googleapis.com/location': SANDBOX_REGION }),
          JSON.stringify([{ latestRevision: true, percent: 100 }] satisfies TrafficTarget[]),
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // GitHub: repositories and git data
  // -------------------------------------------------------------------------------------------

  getRepo(fullName: string): RepoRecord | undefined {
    const row = this.get<{ full_name: string; id: number; default_branch: string; created_ms: number }>(
      `SELECT * FROM repos WHERE full_name = ?`,
      fullName,
    );
    return row === undefined ? undefined : { fullName: row.full_name, id: row.id, defaultBranch: row.default_branch, createdMs: row.created_ms };
  }

  /** Commits of a branch, newest first. */
  listCommits(repo: string, branch: string): CommitRecord[] {
    return this.all<CommitRowRaw>(`SELECT * FROM commits WHERE repo = ? AND branch = ? ORDER BY seq DESC`, repo, branch).map(toCommit);
  }

  getCommit(repo: string, sha: string): CommitRecord | undefined {
    const row = this.get<CommitRowRaw>(`SELECT * FROM commits WHERE repo = ? AND sha = ?`, repo, sha);
    return row === undefined ? undefined : toCommit(row);
  }

  listBranches(repo: string): Array<{ name: string; sha: string }> {
    return this.all<{ branch: string; sha: string }>(
      `SELECT branch, sha FROM commits c WHERE repo = ? AND seq = (SELECT MAX(seq) FROM commits WHERE repo = c.repo AND branch = c.branch) ORDER BY branch`,
      repo,
    ).map((row) => ({ name: row.branch, sha: row.sha }));
  }

  /** Tags, newest first. */
  listTags(repo: string): TagRecord[] {
    return this.all<TagRowRaw>(`SELECT * FROM tags WHERE repo = ? ORDER BY date_ms DESC`, repo).map(toTag);
  }

  getTag(repo: string, name: string): TagRecord | undefined {
    const row = this.get<TagRowRaw>(`SELECT * FROM tags WHERE repo = ? AND name = ?`, repo, name);
    return row === undefined ? undefined : toTag(row);
  }

  /** Releases, newest first. */
  listReleases(repo: string): ReleaseRecord[] {
    return this.all<ReleaseRowRaw>(`SELECT * FROM releases WHERE repo = ? ORDER BY published_ms DESC`, repo).map(toRelease);
  }

  /**
   * Resolves what GitHub accepts as a commit-ish: a full or abbreviated SHA, a branch, a tag, or
   * `refs/heads/x` / `refs/tags/x`. Returns the commit and, for branches and tags, the ref name.
   */
  resolveCommitish(repo: string, ref: string): { commit: CommitRecord; branch?: string; tag?: string } | undefined {
    const branchName = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
    const branchHead = this.get<CommitRowRaw>(`SELECT * FROM commits WHERE repo = ? AND branch = ? ORDER BY seq DESC LIMIT 1`, repo, branchName);
    if (branchHead !== undefined && !ref.startsWith('refs/tags/')) return { commit: toCommit(branchHead), branch: branchName };
    const tagName = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : ref;
    const tag = this.getTag(repo, tagName);
    if (tag !== undefined) {
      const commit = this.getCommit(repo, tag.commitSha);
      if (commit !== undefined) return { commit, tag: tag.name };
    }
    if (/^[0-9a-f]{4,40}$/i.test(ref)) {
      const rows = this.all<CommitRowRaw>(`SELECT * FROM commits WHERE repo = ? AND sha LIKE ?`, repo, `${ref.toLowerCase()}%`);
      if (rows.length === 1 && rows[0] !== undefined) return { commit: toCommit(rows[0]) };
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // GitHub: workflows and runs
  // -------------------------------------------------------------------------------------------

  listWorkflows(repo: string): WorkflowRecord[] {
    return this.all<{ repo: string; id: number; file: string; name: string; created_ms: number }>(
      `SELECT * FROM workflows WHERE repo = ? ORDER BY id`,
      repo,
    ).flatMap((row) => {
      const spec = SANDBOX_WORKFLOWS.find((candidate) => candidate.file === row.file);
      return spec === undefined ? [] : [{ repo: row.repo, id: row.id, file: row.file, name: row.name, createdMs: row.created_ms, spec }];
    });
  }

  /** A workflow by numeric id or by file name (`tests.yml`, or `.github/workflows/tests.yml`). */
  findWorkflow(repo: string, idOrFile: string): WorkflowRecord | undefined {
    const file = idOrFile.replace(/^\.github\/workflows\//, '');
    return this.listWorkflows(repo).find((workflow) => String(workflow.id) === idOrFile || workflow.file === file);
  }

  /** Runs, newest first, with status computed for this moment. */
  listRuns(repo: string, filter: { workflowId?: number; branch?: string; event?: string; status?: string; actor?: string } = {}): RunView[] {
    const now = this.now();
    return this.all<RunRow>(`SELECT * FROM runs WHERE repo = ? ORDER BY created_ms DESC, id DESC`, repo)
      .filter((row) => filter.workflowId === undefined || row.workflow_id === filter.workflowId)
      .filter((row) => filter.branch === undefined || row.head_branch === filter.branch)
      .filter((row) => filter.event === undefined || row.event === filter.event)
      .filter((row) => filter.actor === undefined || row.actor === filter.actor)
      .map((row) => this.viewRun(row, now))
      .filter((view) => filter.status === undefined || view.status === filter.status || view.conclusion === filter.status);
  }

  getRun(repo: string, id: number): RunView | undefined {
    const row = this.get<RunRow>(`SELECT * FROM runs WHERE repo = ? AND id = ?`, repo, id);
    return row === undefined ? undefined : this.viewRun(row, this.now());
  }

  /** The job with this id (job ids are `runId * 10 + n`). */
  getJob(repo: string, jobId: number): { run: RunView; job: JobView } | undefined {
    const run = this.getRun(repo, Math.floor(jobId / 10));
    const job = run?.jobs.find((candidate) => candidate.id === jobId);
    return run === undefined || job === undefined ? undefined : { run, job };
  }

  /**
   * workflow_dispatch: validates like GitHub (404 unknown workflow, 422 unknown ref or bad
   * inputs) and records a run whose conclusion is fixed now from the fault knobs.
   */
  dispatchWorkflow(repo: string, workflowIdOrFile: string, ref: string, inputs: Record<string, unknown> | undefined, actor: string): RunView {
    const apiPath = `/repos/${repo}/actions/workflows/${workflowIdOrFile}/dispatches`;
    if (this.getRepo(repo) === undefined) throw new GitHubApiError(404, 'POST', apiPath, 'Not Found');
    const workflow = this.findWorkflow(repo, workflowIdOrFile);
    if (workflow === undefined) throw new GitHubApiError(404, 'POST', apiPath, 'Not Found');
    const resolved = this.resolveCommitish(repo, ref);
    if (resolved === undefined || (resolved.branch === undefined && resolved.tag === undefined)) {
      throw new GitHubApiError(422, 'POST', apiPath, `No ref found for: ${ref}`);
    }
    const given = inputs ?? {};
    const unexpected = Object.keys(given).filter((key) => !(key in workflow.spec.inputs));
    if (unexpected.length > 0) throw new GitHubApiError(422, 'POST', apiPath, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    for (const [key, declared] of Object.entries(workflow.spec.inputs)) {
      const value = given[key];
      if (declared.required && (value === undefined || value === '')) throw new GitHubApiError(422, 'POST', apiPath, `Required input '${key}' not provided`);
    }
    const cleanInputs: Record<string, InputValue> = {};
    for (const [key, value] of Object.entries(given)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new GitHubApiError(422, 'POST', apiPath, `For 'properties/${key}', ${JSON.stringify(value)} is not a string.`);
      }
      cleanInputs[key] = value;
    }
    const conclusion = this.faults().workflowConclusion[`${repo}:${workflow.file}`] ?? 'success';
    const headBranch = resolved.branch ?? resolved.tag ?? ref;
    return this.write(() => {
      const now = this.now();
      const maxId = this.get<{ id: number | null }>(`SELECT MAX(id) AS id FROM runs`)?.id ?? FIRST_RUN_ID - 1;
      const id = Math.max(maxId, FIRST_RUN_ID - 1) + 1;
      const runNumber = (this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM runs WHERE repo = ? AND workflow_id = ?`, repo, workflow.id)?.n ?? 0) + 1;
      const queueSim = Math.min(5_000, workflow.spec.simMs * 0.1);
      this.run(
        `INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, 'workflow_dispatch', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, NULL)`,
        id,
        repo,
        workflow.file,
        workflow.id,
        workflow.name,
        workflow.name,
        headBranch,
        resolved.commit.sha,
        actor,
        JSON.stringify(cleanInputs),
        runNumber,
        now,
        now,
        this.scaled(queueSim),
        this.scaled(workflow.spec.simMs - queueSim),
        workflow.spec.simMs,
        conclusion,
      );
      const row = this.get<RunRow>(`SELECT * FROM runs WHERE id = ?`, id);
      if (row === undefined) throw new Error(`run ${id} vanished`);
      return this.viewRun(row, now);
    });
  }

  /** Cancels a run that has not completed (409 for a completed one, as GitHub answers). */
  cancelRun(repo: string, id: number): RunView {
    const apiPath = `/repos/${repo}/actions/runs/${id}/cancel`;
    return this.write(() => {
      const row = this.get<RunRow>(`SELECT * FROM runs WHERE repo = ? AND id = ?`, repo, id);
      if (row === undefined) throw new GitHubApiError(404, 'POST', apiPath, 'Not Found');
      const now = this.now();
      if (this.viewRun(row, now).status === 'completed') throw new GitHubApiError(409, 'POST', apiPath, 'Cannot cancel a workflow run that is completed.');
      this.run(`UPDATE runs SET cancelled_ms = ? WHERE id = ?`, now, id);
      return this.viewRun({ ...row, cancelled_ms: now }, now);
    });
  }

  /** Starts a new attempt of a completed run (403 while it is still running). */
  rerunRun(repo: string, id: number, failedJobsOnly: boolean): RunView {
    const apiPath = `/repos/${repo}/actions/runs/${id}/${failedJobsOnly ? 'rerun-failed-jobs' : 'rerun'}`;
    return this.write(() => {
      const row = this.get<RunRow>(`SELECT * FROM runs WHERE repo = ? AND id = ?`, repo, id);
      if (row === undefined) throw new GitHubApiError(404, 'POST', apiPath, 'Not Found');
      const now = this.now();
      const view = this.viewRun(row, now);
      if (view.status !== 'completed') throw new GitHubApiError(403, 'POST', apiPath, 'This workflow is already running');
      if (failedJobsOnly && view.conclusion === 'success') throw new GitHubApiError(403, 'POST', apiPath, 'This workflow run cannot be retried');
      const conclusion = this.faults().workflowConclusion[`${repo}:${row.workflow_file}`] ?? 'success';
      this.run(`UPDATE runs SET run_attempt = run_attempt + 1, attempt_ms = ?, cancelled_ms = NULL, conclusion = ? WHERE id = ?`, now, conclusion, id);
      const updated = this.get<RunRow>(`SELECT * FROM runs WHERE id = ?`, id);
      if (updated === undefined) throw new Error(`run ${id} vanished`);
      return this.viewRun(updated, now);
    });
  }

  /** True when the image was seeded or a build.yml run that pushed it has succeeded. */
  isImagePushed(image: string): boolean {
    if (this.get<{ url: string }>(`SELECT url FROM images WHERE url = ?`, image) !== undefined) return true;
    const now = this.now();
    return this.all<RunRow>(`SELECT * FROM runs WHERE workflow_file = 'build.yml' AND json_extract(inputs, '$.image') = ?`, image)
      .map((row) => this.viewRun(row, now))
      .some((view) => view.status === 'completed' && view.conclusion === 'success');
  }

  private viewRun(row: RunRow, now: number): RunView {
    const spec = SANDBOX_WORKFLOWS.find((candidate) => candidate.file === row.workflow_file);
    const queueEnd = row.attempt_ms + row.queue_ms;
    const end = queueEnd + row.run_ms;
    const cancelledAt = row.cancelled_ms !== null && row.cancelled_ms < end ? row.cancelled_ms : null;
    let status: RunStatus;
    let conclusion: Conclusion | null = null;
    let updatedMs: number;
    if (cancelledAt !== null && now >= cancelledAt) {
      status = 'completed';
      conclusion = 'cancelled';
      updatedMs = cancelledAt;
    } else if (now < queueEnd) {
      status = 'queued';
      updatedMs = row.attempt_ms;
    } else if (now < end) {
      status = 'in_progress';
      updatedMs = queueEnd;
    } else {
      status = 'completed';
      conclusion = row.conclusion;
      updatedMs = end;
    }
    const jobs: JobView[] = [];
    let jobStart = queueEnd;
    const jobSpecs = spec?.jobs ?? [];
    jobSpecs.forEach((jobSpec, index) => {
      const jobEnd = index === jobSpecs.length - 1 ? end : jobStart + Math.round(row.run_ms * jobSpec.share);
      const isLast = index === jobSpecs.length - 1;
      const plannedConclusion: Conclusion = isLast ? row.conclusion : 'success';
      jobs.push(viewJob(row, index, jobSpec, jobStart, jobEnd, plannedConclusion, cancelledAt, now));
      jobStart = jobEnd;
    });
    const head = this.getCommit(row.repo, row.head_sha);
    return {
      id: row.id,
      repo: row.repo,
      workflowFile: row.workflow_file,
      workflowId: row.workflow_id,
      name: row.name,
      displayTitle: row.display_title,
      event: row.event,
      headBranch: row.head_branch,
      headSha: row.head_sha,
      headMessage: head?.message ?? '',
      actor: row.actor,
      inputs: row.inputs === null ? null : (JSON.parse(row.inputs) as Record<string, InputValue>),
      runNumber: row.run_number,
      runAttempt: row.run_attempt,
      createdMs: row.created_ms,
      attemptMs: row.attempt_ms,
      status,
      conclusion,
      updatedMs,
      simMs: row.sim_ms,
      jobs,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Cloud Run
  // -------------------------------------------------------------------------------------------

  listProjects(): string[] {
    return this.all<{ id: string }>(`SELECT id FROM projects ORDER BY id`).map((row) => row.id);
  }

  hasProject(project: string): boolean {
    return this.get<{ id: string }>(`SELECT id FROM projects WHERE id = ?`, project) !== undefined;
  }

  listServices(project: string, region?: string): ServiceRecord[] {
    const rows =
      region === undefined
        ? this.all<ServiceRow>(`SELECT * FROM services WHERE project = ? ORDER BY region, name`, project)
        : this.all<ServiceRow>(`SELECT * FROM services WHERE project = ? AND region = ? ORDER BY name`, project, region);
    return rows.map((row) => this.toService(row));
  }

  getService(project: string, region: string, name: string): ServiceRecord | undefined {
    const row = this.get<ServiceRow>(`SELECT * FROM services WHERE project = ? AND region = ? AND name = ?`, project, region, name);
    return row === undefined ? undefined : this.toService(row);
  }

  private toService(row: ServiceRow): ServiceRecord {
    const revisions = this.all<RevisionRow>(
      `SELECT * FROM revisions WHERE project = ? AND region = ? AND service = ? ORDER BY generation DESC`,
      row.project,
      row.region,
      row.name,
    ).map(toRevision);
    const traffic = JSON.parse(row.traffic) as TrafficTarget[];
    const latestReady = revisions.find((revision) => revision.ready) ?? null;
    return {
      project: row.project,
      region: row.region,
      name: row.name,
      uid: row.uid,
      createdMs: row.created_ms,
      creator: row.creator,
      lastModifier: row.last_modifier,
      updatedMs: row.updated_ms,
      generation: row.generation,
      labels: JSON.parse(row.labels) as Record<string, string>,
      traffic,
      revisions,
      latestCreatedRevision: revisions[0] ?? null,
      latestReadyRevision: latestReady,
      resolvedTraffic: resolveTraffic(traffic, latestReady?.name ?? null),
    };
  }

  /**
   * Creates a revision (and the service, when it does not exist yet) at the end of a deploy.
   * A ready revision is routed as Knative routes it: a `latestRevision` target follows it, and
   * with `noTraffic` the targets that followed the old latest are pinned to it by name first.
   * A failed revision (image missing) is recorded but never routed.
   */
  createRevision(input: {
    project: string;
    region: string;
    service: string;
    image: string;
    /** Explicit name (cloud-run-mcp names revisions `service-<epoch ms>`); else gcloud's `svc-0000N-abc`. */
    revisionName?: string;
    noTraffic: boolean;
    tag?: string;
    actor: string;
    labels?: Record<string, string>;
    failure?: (revisionName: string) => string;
  }): { service: ServiceRecord; revision: RevisionRecord; createdService: boolean } {
    const faults = this.faults();
    return this.write(() => {
      const now = this.now();
      const existing = this.get<ServiceRow>(
        `SELECT * FROM services WHERE project = ? AND region = ? AND name = ?`,
        input.project,
        input.region,
        input.service,
      );
      const createdService = existing === undefined;
      if (existing === undefined) {
        this.run(
          `INSERT INTO services VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
          input.project,
          input.region,
          input.service,
          uuidFrom(`service:${input.project}/${input.service}:${now}`),
          now,
          input.actor,
          input.actor,
          now,
          JSON.stringify({ 'cloud.googleapis.com/location': input.region }),
          JSON.stringify([{ latestRevision: true, percent: 100 }] satisfies TrafficTarget[]),
        );
      }
      const before = this.getService(input.project, input.region, input.service);
      if (before === undefined) throw new Error('service vanished');
      const generation = (before.revisions[0]?.generation ?? 0) + 1;
      const name = input.revisionName ?? gcloudRevisionName(input.project, input.service, generation);
      const failureMessage = input.failure?.(name) ?? null;
      const errorRate =
        faults.revisionErrorRate[`${input.project}/${input.service}/${name}`] ??
        faults.revisionErrorRate[`${input.project}/${input.service}/next`] ??
        DEFAULT_ERROR_RATE;
      this.run(
        `INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        input.project,
        input.region,
        input.service,
        name,
        generation,
        input.image,
        now,
        failureMessage === null ? 1 : 0,
        failureMessage,
        errorRate,
        uuidFrom(`revision:${input.project}/${name}:${now}`),
        input.actor,
      );
      let traffic = [...before.traffic];
      if (failureMessage === null) {
        if (input.noTraffic && before.latestReadyRevision !== null) {
          const pinned = before.latestReadyRevision.name;
          traffic = traffic.map((target) => (target.latestRevision === true ? withoutLatest(target, pinned) : target));
        }
        if (input.tag !== undefined) traffic = moveTag(traffic, input.tag, name);
      }
      const labels = { ...before.labels, ...(input.labels ?? {}) };
      this.run(
        `UPDATE services SET traffic = ?, labels = ?, generation = generation + 1, updated_ms = ?, last_modifier = ? WHERE project = ? AND region = ? AND name = ?`,
        JSON.stringify(traffic),
        JSON.stringify(labels),
        now,
        input.actor,
        input.project,
        input.region,
        input.service,
      );
      const after = this.getService(input.project, input.region, input.service);
      const revision = after?.revisions.find((candidate) => candidate.name === name);
      if (after === undefined || revision === undefined) throw new Error('revision vanished');
      if (failureMessage === null) this.recordTraffic(after, now);
      return { service: after, revision, createdService };
    });
  }

  /**
   * gcloud's update-traffic: `latest` sends everything to the latest ready revision; `targets`
   * (by revision name, LATEST, or tag) set those percentages, and what they leave of 100 goes
   * to the other targets in proportion to what they had. Tags stay where they are.
   */
  updateTraffic(
    project: string,
    region: string,
    serviceName: string,
    change: { kind: 'latest' } | { kind: 'targets'; targets: ReadonlyArray<{ revision?: string; tag?: string; percent: number }> },
    actor: string,
  ): ServiceRecord {
    return this.write(() => {
      const service = this.getService(project, region, serviceName);
      if (service === undefined) throw new CloudRunError(`Cannot find service [${serviceName}]`);
      const tagged = service.traffic.filter((target) => target.tag !== undefined).map((target) => ({ ...target, percent: 0 }));
      let traffic: TrafficTarget[];
      if (change.kind === 'latest') {
        traffic = [{ latestRevision: true, percent: 100 }, ...tagged];
      } else {
        const wanted = new Map<string, number>();
        for (const target of change.targets) {
          const key = this.trafficKey(service, target);
          wanted.set(key, (wanted.get(key) ?? 0) + target.percent);
        }
        const specified = [...wanted.values()].reduce((sum, percent) => sum + percent, 0);
        if (specified > 100) throw new CloudRunError(`Invalid argument [--to-revisions]: the total traffic percent ${specified} exceeds 100.`);
        const others = service.resolvedTraffic.filter((target) => target.percent > 0 && !wanted.has(target.latestRevision ? 'LATEST' : target.revisionName));
        const remainder = 100 - specified;
        if (remainder > 0 && others.length === 0) {
          throw new CloudRunError(`Invalid argument [--to-revisions]: the traffic percents add up to ${specified}, not 100, and no other revision is serving traffic to take the rest.`);
        }
        const shares = largestRemainder(remainder, others.map((target) => target.percent));
        others.forEach((target, index) => {
          const key = target.latestRevision ? 'LATEST' : target.revisionName;
          wanted.set(key, (wanted.get(key) ?? 0) + (shares[index] ?? 0));
        });
        traffic = [...wanted.entries()]
          .filter(([, percent]) => percent > 0)
          .map(([key, percent]) => (key === 'LATEST' ? { latestRevision: true, percent } : { revisionName: key, percent }));
        for (const target of tagged) {
          const index = traffic.findIndex((candidate) => candidate.revisionName === target.revisionName && candidate.tag === undefined && target.revisionName !== undefined);
          const current = traffic[index];
          if (current !== undefined) traffic[index] = { ...current, tag: target.tag ?? '' };
          else traffic.push(target);
        }
      }
      const now = this.now();
      this.run(
        `UPDATE services SET traffic = ?, generation = generation + 1, updated_ms = ?, last_modifier = ? WHERE project = ? AND region = ? AND name = ?`,
        JSON.stringify(traffic),
        now,
        actor,
        project,
        region,
        serviceName,
      );
      const after = this.getService(project, region, serviceName);
      if (after === undefined) throw new Error('service vanished');
      this.recordTraffic(after, now);
      return after;
    });
  }

  private trafficKey(service: ServiceRecord, target: { revision?: string; tag?: string }): string {
    if (target.tag !== undefined) {
      const tagged = service.traffic.find((candidate) => candidate.tag === target.tag);
      if (tagged === undefined) throw new CloudRunError(`Invalid argument [--to-tags]: tag [${target.tag}] does not exist on service [${service.name}].`);
      if (tagged.latestRevision === true) return 'LATEST';
      return tagged.revisionName ?? 'LATEST';
    }
    const name = target.revision ?? 'LATEST';
    if (name === 'LATEST') return 'LATEST';
    const revision = service.revisions.find((candidate) => candidate.name === name);
    if (revision === undefined) {
      throw new CloudRunError(`Revision '${name}' does not exist or is deleted. Update all traffic to route to currently available revisions.`);
    }
    if (!revision.ready) throw new CloudRunError(`Revision '${name}' is not ready and cannot serve traffic. ${revision.message ?? ''}`.trim());
    return name;
  }

  private recordTraffic(service: ServiceRecord, atMs: number): void {
    const allocation: Record<string, number> = {};
    for (const target of service.resolvedTraffic) {
      if (target.percent > 0) allocation[target.revisionName] = (allocation[target.revisionName] ?? 0) + target.percent;
    }
    this.run(`INSERT INTO traffic_history VALUES (?, ?, ?, ?, ?)`, service.project, service.region, service.name, atMs, JSON.stringify(allocation));
  }

  // -------------------------------------------------------------------------------------------
  // Cloud Logging, synthesised
  // -------------------------------------------------------------------------------------------

  /**
   * Log entries of Cloud Run revisions, newest first. They are synthesised deterministically:
   * each revision receives REQUESTS_PER_SIM_SECOND × its traffic share (from the traffic
   * history) requests, and its error rate of them log an ERROR. Entry k of a stream sits where
   * the stream's cumulative count reaches k, so two reads of the same window see the same
   * entries with the same insertIds.
   */
  readLogs(query: LogQuery): LogEntryRecord[] {
    if (!this.hasProject(query.project)) return [];
    const faults = this.faults();
    const services = this.listServices(query.project).filter(
      (service) =>
        (query.serviceName === undefined || service.name === query.serviceName) &&
        (query.configurationName === undefined || service.name === query.configurationName) &&
        (query.location === undefined || service.region === query.location),
    );
    const wantsSeverity = (severity: Severity): boolean => query.severity === undefined || compareSeverity(severity, query.severity.op, query.severity.level);
    const entries: LogEntryRecord[] = [];
    for (const service of services) {
      const history = this.all<{ at_ms: number; allocation: string }>(
        `SELECT at_ms, allocation FROM traffic_history WHERE project = ? AND region = ? AND service = ? ORDER BY at_ms, rowid`,
        service.project,
        service.region,
        service.name,
      ).map((row) => ({ atMs: row.at_ms, allocation: JSON.parse(row.allocation) as Record<string, number> }));
      for (const revision of service.revisions) {
        if (query.revisionName !== undefined && revision.name !== query.revisionName) continue;
        const errorRate = faults.revisionErrorRate[`${service.project}/${service.name}/${revision.name}`] ?? revision.errorRate;
        const streams: Array<{ kind: 'request' | 'stderr'; severity: Severity; perSimSecond: number }> = [
          { kind: 'request', severity: 'INFO', perSimSecond: REQUESTS_PER_SIM_SECOND },
          { kind: 'stderr', severity: 'ERROR', perSimSecond: REQUESTS_PER_SIM_SECOND * errorRate },
        ];
        for (const stream of streams) {
          if (!wantsSeverity(stream.severity) || stream.perSimSecond <= 0) continue;
          const intervals = shareIntervals(history, revision.name, query.toMs).map((interval) => ({
            ...interval,
            perMs: ((interval.percent / 100) * stream.perSimSecond) / (1000 * this.timeScale),
          }));
          for (const event of eventsInWindow(intervals, query.fromMs, query.toMs, query.limit)) {
            entries.push(synthesiseEntry(service, revision, stream.kind, stream.severity, event.k, event.atMs));
          }
        }
      }
    }
    entries.sort((a, b) => b.timestampMs - a.timestampMs || (a.insertId < b.insertId ? -1 : 1));
    return entries.slice(0, query.limit);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the state
// ---------------------------------------------------------------------------------------------

interface CommitRowRaw {
  repo: string;
  sha: string;
  branch: string;
  seq: number;
  message: string;
  author: string;
  date_ms: number;
  files: string;
}
interface TagRowRaw {
  repo: string;
  name: string;
  commit_sha: string;
  tag_sha: string;
  message: string;
  date_ms: number;
}
interface ReleaseRowRaw {
  repo: string;
  id: number;
  tag_name: string;
  name: string;
  body: string;
  published_ms: number;
  author_login: string;
}

function toCommit(row: CommitRowRaw): CommitRecord {
  return {
    repo: row.repo,
    sha: row.sha,
    branch: row.branch,
    seq: row.seq,
    message: row.message,
    author: JSON.parse(row.author) as CommitRecord['author'],
    dateMs: row.date_ms,
    files: JSON.parse(row.files) as CommitRecord['files'],
  };
}

function toTag(row: TagRowRaw): TagRecord {
  return { repo: row.repo, name: row.name, commitSha: row.commit_sha, tagSha: row.tag_sha, message: row.message, dateMs: row.date_ms };
}

function toRelease(row: ReleaseRowRaw): ReleaseRecord {
  return {
    repo: row.repo,
    id: row.id,
    tagName: row.tag_name,
    name: row.name,
    body: row.body,
    publishedMs: row.published_ms,
    authorLogin: row.author_login,
  };
}

function toRevision(row: RevisionRow): RevisionRecord {
  return {
    project: row.project,
    region: row.region,
    service: row.service,
    name: row.name,
    generation: row.generation,
    image: row.image,
    createdMs: row.created_ms,
    ready: row.ready === 1,
    message: row.message,
    errorRate: row.error_rate,
    uid: row.uid,
    creator: row.creator,
  };
}

/** gcloud's revision names: `api-00002-xkq` (generation, then three letters). */
export function gcloudRevisionName(project: string, service: string, generation: number): string {
  return `${service}-${String(generation).padStart(5, '0')}-${stableLetters(`revision:${project}/${service}/${generation}`, 3)}`;
}

function uuidFrom(input: string): string {
  const hex = stableHex(input);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const STEP_SHARES = { setup: 0.05, checkout: 0.05, setupNode: 0.1, post: 0.05, complete: 0.05 };

function viewJob(
  row: RunRow,
  index: number,
  spec: WorkflowJobSpec,
  startMs: number,
  endMs: number,
  planned: Conclusion,
  cancelledAt: number | null,
  now: number,
): JobView {
  const id = row.id * 10 + index + 1;
  const names = ['Set up job', 'Run actions/checkout@v4', 'Run actions/setup-node@v4', ...spec.commands.map((command) => `Run ${command}`), 'Post Run actions/checkout@v4', 'Complete job'];
  const mainShare = (1 - STEP_SHARES.setup - STEP_SHARES.checkout - STEP_SHARES.setupNode - STEP_SHARES.post - STEP_SHARES.complete) / spec.commands.length;
  const shares = [STEP_SHARES.setup, STEP_SHARES.checkout, STEP_SHARES.setupNode, ...spec.commands.map(() => mainShare), STEP_SHARES.post, STEP_SHARES.complete];
  const failingStep = 3 + spec.commands.length - 1;
  const steps: StepView[] = [];
  let stepStart = startMs;
  const length = endMs - startMs;
  let failedAlready = false;
  names.forEach((name, stepIndex) => {
    const stepEnd = stepIndex === names.length - 1 ? endMs : stepStart + Math.round(length * (shares[stepIndex] ?? 0));
    let status: RunStatus;
    let conclusion: StepView['conclusion'] = null;
    if (cancelledAt !== null && now >= cancelledAt && cancelledAt < stepEnd) {
      status = 'completed';
      conclusion = cancelledAt <= stepStart ? 'skipped' : 'cancelled';
    } else if (now < stepStart) status = 'queued';
    else if (now < stepEnd) status = 'in_progress';
    else {
      status = 'completed';
      if (failedAlready) conclusion = 'skipped';
      else if (planned !== 'success' && stepIndex === failingStep) {
        conclusion = planned;
        failedAlready = true;
      } else conclusion = 'success';
    }
    steps.push({ number: stepIndex + 1, name, status, conclusion, startedMs: stepStart, completedMs: stepEnd });
    stepStart = stepEnd;
  });
  let status: RunStatus;
  let conclusion: Conclusion | null = null;
  let completedMs = endMs;
  if (cancelledAt !== null && now >= cancelledAt && cancelledAt < endMs) {
    status = 'completed';
    conclusion = 'cancelled';
    completedMs = Math.max(cancelledAt, startMs);
  } else if (now < startMs) status = 'queued';
  else if (now < endMs) status = 'in_progress';
  else {
    status = 'completed';
    conclusion = planned;
  }
  return {
    id,
    runId: row.id,
    name: spec.name,
    status,
    conclusion,
    createdMs: row.attempt_ms,
    startedMs: startMs,
    completedMs,
    simMs: Math.round(row.sim_ms * 0.9 * spec.share),
    steps,
    commands: spec.commands,
  };
}

function withoutLatest(target: TrafficTarget, revisionName: string): TrafficTarget {
  return target.tag === undefined ? { revisionName, percent: target.percent } : { revisionName, percent: target.percent, tag: target.tag };
}

/** Tags are unique on a service: the tag leaves whatever had it and lands on `revisionName`. */
function moveTag(traffic: TrafficTarget[], tag: string, revisionName: string): TrafficTarget[] {
  const moved: TrafficTarget[] = [];
  for (const target of traffic) {
    if (target.tag !== tag) moved.push(target);
    else if (target.percent > 0) moved.push(target.latestRevision === true ? { latestRevision: true, percent: target.percent } : { revisionName: target.revisionName ?? '', percent: target.percent });
  }
  moved.push({ revisionName, percent: 0, tag });
  return moved;
}

/** `status.traffic`: latestRevision targets named, entries in spec order. */
export function resolveTraffic(traffic: readonly TrafficTarget[], latestReady: string | null): ResolvedTrafficTarget[] {
  return traffic.flatMap((target) => {
    const name = target.latestRevision === true ? latestReady : (target.revisionName ?? null);
    if (name === null) return [];
    const resolved: ResolvedTrafficTarget = { revisionName: name, latestRevision: target.latestRevision === true, percent: target.percent };
    return [target.tag === undefined ? resolved : { ...resolved, tag: target.tag }];
  });
}

/** Splits `total` over `weights` in whole numbers that add up to `total`. */
function largestRemainder(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((weight) => (total * weight) / sum);
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((value, index) => ({ index, fraction: value - Math.floor(value) })).sort((a, b) => b.fraction - a.fraction);
  for (const { index } of order) {
    if (left <= 0) break;
    floors[index] = (floors[index] ?? 0) + 1;
    left -= 1;
  }
  return floors;
}

function compareSeverity(severity: Severity, op: '=' | '>=' | '>' | '<=' | '<', level: Severity): boolean {
  const a = SEVERITIES.indexOf(severity);
  const b = SEVERITIES.indexOf(level);
  switch (op) {
    case '=':
      return a === b;
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
  }
}

/** The revision's traffic share as piecewise-constant intervals up to `untilMs`. */
function shareIntervals(
  history: ReadonlyArray<{ atMs: number; allocation: Record<string, number> }>,
  revisionName: string,
  untilMs: number,
): Array<{ startMs: number; endMs: number; percent: number }> {
  const intervals: Array<{ startMs: number; endMs: number; percent: number }> = [];
  history.forEach((entry, index) => {
    const next = history[index + 1];
    const endMs = Math.min(next === undefined ? untilMs : next.atMs, untilMs);
    if (endMs > entry.atMs) intervals.push({ startMs: entry.atMs, endMs, percent: entry.allocation[revisionName] ?? 0 });
  });
  return intervals;
}

/**
 * The events of a stream whose rate is piecewise constant, in [fromMs, toMs], newest first: event
 * k happens where the cumulative count reaches k.
 */
function eventsInWindow(
  intervals: ReadonlyArray<{ startMs: number; endMs: number; perMs: number }>,
  fromMs: number,
  toMs: number,
  limit: number,
): Array<{ k: number; atMs: number }> {
  const massAt = (t: number): number => {
    let mass = 0;
    for (const interval of intervals) {
      if (t <= interval.startMs) break;
      mass += (Math.min(t, interval.endMs) - interval.startMs) * interval.perMs;
    }
    return mass;
  };
  const timeOf = (k: number): number => {
    let mass = 0;
    for (const interval of intervals) {
      const gained = (interval.endMs - interval.startMs) * interval.perMs;
      if (interval.perMs > 0 && mass + gained >= k) return interval.startMs + (k - mass) / interval.perMs;
      mass += gained;
    }
    return toMs;
  };
  const low = massAt(fromMs);
  const high = massAt(toMs);
  const events: Array<{ k: number; atMs: number }> = [];
  for (let k = Math.floor(high); k > Math.floor(low) && k >= 1 && events.length < limit; k--) {
    const atMs = timeOf(k);
    if (atMs >= fromMs && atMs <= toMs) events.push({ k, atMs });
  }
  return events;
}

const ERROR_MESSAGES = [
  'Error: connect ECONNREFUSED 10.8.0.12:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (/app/dist/routes/orders.js:42:17)",
  'Unhandled rejection: Error: upstream request timed out after 30000ms',
  'Error: pool exhausted: timed out acquiring a connection after 5000ms',
];
const PATHS = ['/api/v1/orders', '/api/v1/health', '/api/v1/users/me', '/api/v1/cart', '/healthz'];

function synthesiseEntry(service: ServiceRecord, revision: RevisionRecord, kind: 'request' | 'stderr', severity: Severity, k: number, atMs: number): LogEntryRecord {
  const insertId = stableHex(`${service.project}/${revision.name}/${kind}/${k}`).slice(0, 24);
  const base = {
    insertId,
    timestampMs: Math.round(atMs),
    severity,
    kind,
    project: service.project,
    region: service.region,
    service: service.name,
    revision: revision.name,
  };
  if (kind === 'stderr') return { ...base, textPayload: ERROR_MESSAGES[k % ERROR_MESSAGES.length] ?? 'Error' };
  const requestPath = PATHS[k % PATHS.length] ?? '/';
  return {
    ...base,
    httpRequest: {
      requestMethod: k % 7 === 0 ? 'POST' : 'GET',
      requestUrl: `${serviceUrl(service.project, service.region, service.name)}${requestPath}`,
      status: 200,
      responseSize: String(200 + stableInt(insertId, 4000)),
      latency: `${(0.004 + stableInt(`${insertId}:latency`, 180) / 1000).toFixed(6)}s`,
      userAgent: 'Mozilla/5.0 (compatible; acme-client/2.3)',
      remoteIp: `203.0.113.${1 + (k % 250)}`,
    },
  };
}
