/**
 * The agents' worker threads (piscina). Pure agents (parser, planner, safety checker, router,
 * reporter) share one small pool; the two executors share another whose threads each run
 * several tasks at once, because an executor step spends its time awaiting MCP calls made by
 * the main process.
 *
 * Worker files are paths: under plain Node they are the `.ts` files themselves (Node strips the
 * types); the Electron build passes the bundled files it imported with `?modulePath`.
 */
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { HeyOpsError } from '../../common/errors.ts';
import type { AgentHeartbeat, AgentName } from '../../common/messages.ts';
import { WorkerResultSchema } from '../../workers/agents/worker-result.ts';

export type AgentWorkerFiles = Readonly<Record<AgentName, string>>;

const EXECUTORS: readonly AgentName[] = ['github-executor', 'gcp-executor'];

/** The `.ts` worker files next to this repository's agents, for plain Node. */
export function defaultAgentWorkerFiles(): AgentWorkerFiles {
  const file = (name: AgentName): string => fileURLToPath(new URL(`../../workers/agents/${name}/${name}.worker.ts`, import.meta.url));
  return {
    'intent-parser': file('intent-parser'),
    planner: file('planner'),
    'safety-checker': file('safety-checker'),
    router: file('router'),
    'github-executor': file('github-executor'),
    'gcp-executor': file('gcp-executor'),
    reporter: file('reporter'),
  };
}

interface AgentStats {
  completed: number;
  failed: number;
  lastLatencyMs: number | null;
}

export interface RunOptions {
  /** Hard stop: terminates the worker thread running the task. */
  readonly signal?: AbortSignal;
  readonly transferList?: readonly MessagePort[];
}

export class AgentPool {
  private readonly files: AgentWorkerFiles;
  private readonly agents: Piscina;
  private readonly executors: Piscina;
  private readonly stats = new Map<AgentName, AgentStats>();

  constructor(files: AgentWorkerFiles) {
    this.files = files;
    // Workers inherit no execArgv surprises: type stripping is on by default in Node ≥ 22.18.
    this.agents = new Piscina({ minThreads: 1, maxThreads: 2, idleTimeout: 30_000 });
    this.executors = new Piscina({ minThreads: 1, maxThreads: 2, concurrentTasksPerWorker: 8, idleTimeout: 30_000 });
  }

  async run(agent: AgentName, input: unknown, options: RunOptions = {}): Promise<unknown> {
    const pool = EXECUTORS.includes(agent) ? this.executors : this.agents;
    const stats = this.stats.get(agent) ?? { completed: 0, failed: 0, lastLatencyMs: null };
    this.stats.set(agent, stats);
    const started = performance.now();
    try {
      const raw: unknown = await pool.run(input, {
        filename: this.files[agent],
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.transferList ? { transferList: [...options.transferList] } : {}),
      });
      const result = WorkerResultSchema.safeParse(raw);
      if (!result.success) throw new HeyOpsError('INVALID_MESSAGE', `${agent} answered in an unexpected shape`);
      if (!result.data.ok) throw HeyOpsError.fromData(result.data.error);
      stats.completed += 1;
      return result.data.value;
    } catch (error) {
      stats.failed += 1;
      if (error instanceof HeyOpsError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      // A worker that crashed or was ended (hard abort) arrives as a plain Error.
      throw new HeyOpsError(error instanceof Error && error.name === 'AbortError' ? 'CANCELLED' : 'INTERNAL', `${agent}: ${message}`);
    } finally {
      stats.lastLatencyMs = performance.now() - started;
    }
  }

  /** One heartbeat per agent that has run, for status and the dashboard. */
  heartbeats(): AgentHeartbeat[] {
    const at = new Date().toISOString();
    return [...this.stats].map(([agent, stats]) => ({
      agent,
      threadId: (EXECUTORS.includes(agent) ? this.executors : this.agents).threads[0]?.threadId ?? -1,
      at,
      tasksCompleted: stats.completed,
      tasksFailed: stats.failed,
      lastLatencyMs: stats.lastLatencyMs,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([this.agents.destroy(), this.executors.destroy()]);
  }
}
