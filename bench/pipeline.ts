/**
 * Pipeline benchmark: where a command's time goes on this machine, as medians.
 *
 *   node bench/pipeline.ts            (npm run bench)
 *
 * - grammar parse: the Intent Parser's pure function, in-process
 * - agent round trip: the same parse through the bus and a piscina worker thread
 * - dry run: a whole `run --dry-run` (parse, read-only commit lookup over MCP, plan, safety
 *   check, admission, report) against the sandbox
 * - staging deploy: a whole deploy at HEY_OPS_TIME_SCALE=0.001, with the simulated work
 *   (10m 5s of workflow and deploy time → ~0.6 s) shown beside the wall time
 *
 * Prints medians and ratios; results are recorded by hand in docs/benchmarks.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_CATALOG } from '../common/config.ts';
import { EMPTY_CONTEXT } from '../common/messages.ts';
import { createHeyOpsCore } from '../main/core/hey-ops-core.ts';
import { parseIntent } from '../workers/agents/intent-parser/parse-intent.ts';

const UTTERANCES = [
  'hey ops deploy api to staging',
  'please ship the checkout service to prod',
  'roll back payments in production',
  "what's the status of worker",
  'show me errors for web in staging',
  'what would happen if I deploy api to production',
  "don't deploy payments to production",
  'how much did the last deployment cost',
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function time(runs: number, body: (i: number) => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await body(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);

process.env.HEY_OPS_TIME_SCALE = '0.001';
const actor = { user: 'bench', channel: 'cli' as const };
const now = new Date().toISOString();

const grammar = await time(5_000, (i) => parseIntent(UTTERANCES[i % UTTERANCES.length] ?? '', { catalog: SANDBOX_CATALOG, context: EMPTY_CONTEXT, now }));
const core = await createHeyOpsCore({ home: mkdtempSync(join(tmpdir(), 'hey-ops-bench-')), logger: { level: 'silent' } });
try {
  await core.parseCommand('warm up', actor);
  const agent = await time(500, (i) => core.parseCommand(UTTERANCES[i % UTTERANCES.length] ?? '', actor));
  await core.runCommand({ text: 'deploy api to staging', dryRun: true }, actor); // connects the servers
  const dryRun = await time(30, () => core.runCommand({ text: 'deploy api to production', dryRun: true }, actor));
  const deploys = await time(5, (i) => core.runCommand({ text: `deploy ${['api', 'web', 'payments', 'checkout', 'worker'][i]} to staging` }, actor));
  const simulatedMs = (300 + 180 + 120) * 1000 * 0.001; // tests + build + deploy, scaled

  const rows: Array<[string, number, number]> = [
    ['grammar parse (in-process)', median(grammar), grammar.length],
    ['parse via bus + worker thread', median(agent), agent.length],
    ['dry run, whole pipeline', median(dryRun), dryRun.length],
    ['staging deploy, whole pipeline', median(deploys), deploys.length],
  ];
  console.log(`Hey Ops pipeline benchmark — Node ${process.versions.node}, ${new Date().toISOString()}`);
  for (const [name, value, n] of rows) console.log(`  ${name.padEnd(34)} median ${fmt(value).padStart(9)}   (n=${n})`);
  console.log(`  worker round trip / in-process parse: ${(median(agent) / median(grammar)).toFixed(0)}×`);
  console.log(`  staging deploy: ${fmt(median(deploys))} wall for ${fmt(simulatedMs)} of simulated work → overhead ${fmt(median(deploys) - simulatedMs)}`);
} finally {
  await core.close();
}
