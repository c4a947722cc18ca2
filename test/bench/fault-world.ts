// What every fault scenario of `npm run bench faults` runs in: its own AAR_HOME (ledger), queue
// name and processes (the built CLI, dist/src/cli.js), and the tally read from the ledger after.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { dropQueue } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';

/** One run of one fault: what the ledger (or Slack) says afterwards. */
export interface Tally {
  /** Seeds (or posts) that were proposed and never scored (delivered). */
  lost: number;
  /** Jobs scored, or run again after their score, more than once; posts delivered twice. */
  doubled: number;
  /** Jobs left unfinished, experiments never finished, commands that did not return. */
  stuck: number;
  /** From the fault (or the restart after it) until everything is done; undefined when not measured. */
  recoveryMs?: number;
  /** Anything else worth a figure (calls made to Slack). */
  note?: string;
}

const CLI = path.resolve('dist/src/cli.js');

/** The feature cache every scenario shares (built once; `npm start` uses the same one). */
export function benchCacheDir(): string {
  if (process.env.AAR_CACHE_DIR) return path.resolve(process.env.AAR_CACHE_DIR);
  return existsSync('.aar/test-cache') ? path.resolve('.aar/test-cache') : path.resolve('.aar/cache');
}

export class World {
  readonly home = mkdtempSync(path.join(tmpdir(), 'aar-bench-fault-'));
  readonly group = new ProcessGroup();
  readonly queueName = `aar-bench-fault-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly ledgerPath = path.join(this.home, 'ledger.sqlite');
  private opened?: Ledger;

  /** Without a Redis URL the processes run with the in-process queue. */
  constructor(readonly redisUrl?: string) {}

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      AAR_HOME: this.home,
      AAR_CACHE_DIR: benchCacheDir(),
      AAR_QUEUE: this.queueName,
      AAR_STALLED_INTERVAL_MS: '1000',
      AAR_RECONCILE_MS: '500',
      AAR_THREADS: '1',
      AAR_FORUM_PORT: '0',
      ...extra,
    };
    for (const k of Object.keys(e)) if (/^(ANTHROPIC_|SLACK_)/.test(k) && !(k in extra)) delete e[k];
    if (this.redisUrl && !('REDIS_URL' in extra)) e.REDIS_URL = this.redisUrl;
    else if (!this.redisUrl) delete e.REDIS_URL;
    return e;
  }

  /** The ledger, opened by this process (first, so children never race on its creation). */
  get ledger(): Ledger {
    this.opened ??= Ledger.open(this.ledgerPath);
    return this.opened;
  }

  aar(name: string, args: string[], env = this.env()): Proc {
    return this.group.spawn(name, process.execPath, [CLI, ...args], { env, cwd: process.cwd() });
  }

  /** Runs to the end; undefined when it did not return within `timeoutMs` (then it is killed). */
  async run(name: string, args: string[], env = this.env(), timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; ms: number } | undefined> {
    const started = performance.now();
    const p = this.aar(name, args, env);
    const timer = setTimeout(() => void p.kill(), timeoutMs);
    const exit = await p.exited;
    clearTimeout(timer);
    return exit.signal === 'SIGKILL' ? undefined : { code: exit.code, stdout: p.stdout(), ms: performance.now() - started };
  }

  async worker(name: string, env = this.env()): Promise<Proc> {
    const w = this.aar(name, ['worker', '--concurrency', '1'], env);
    return waitUntil(`${name} is ready`, () => {
      if (!w.alive()) throw new Error(`${name} exited:\n${w.output()}`);
      return w.output().includes(' ready: runner w2s') && w;
    }, { timeoutMs: 60_000 });
  }

  /** Lost, doubled and stuck, from the ledger: every proposed seed should be scored exactly once. */
  tally(extra: { stuck?: number; doubled?: number } = {}): Omit<Tally, 'recoveryMs'> {
    const db = this.ledger.db;
    const experiments = db.prepare('SELECT id, seeds FROM experiments').all() as { id: string; seeds: string }[];
    let lost = 0;
    let unfinishedExperiments = 0;
    for (const e of experiments) {
      const scored = new Set((db.prepare('SELECT seed FROM results WHERE experiment_id = ?').all(e.id) as { seed: number }[]).map((r) => r.seed));
      lost += (JSON.parse(e.seeds) as number[]).filter((s) => !scored.has(s)).length;
      if (!this.ledger.isFinished(e.id)) unfinishedExperiments++;
    }
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const scoredTwice = count("SELECT COUNT(*) AS n FROM (SELECT job_id FROM events WHERE kind = 'scored' GROUP BY job_id HAVING COUNT(*) > 1)");
    // A job put back on the queue after its score runs again: counted as doubled work.
    const rerun = count("SELECT COUNT(*) AS n FROM events q JOIN events s ON s.job_id = q.job_id AND s.kind = 'scored' WHERE q.kind = 'requeued' AND q.seq > s.seq");
    const stuck = this.ledger.unfinishedJobs().length + unfinishedExperiments;
    return { lost, doubled: scoredTwice + rerun + (extra.doubled ?? 0), stuck: stuck + (extra.stuck ?? 0) };
  }

  async close(): Promise<void> {
    await this.group.killAll();
    this.opened?.close();
    if (this.redisUrl) await dropQueue(this.redisUrl, this.queueName);
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Milliseconds until `check` holds, polling every 50 ms (throws past `timeoutMs`). */
export async function timeUntil(what: string, check: () => unknown | Promise<unknown>, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  await waitUntil(what, check, { timeoutMs, intervalMs: 50 });
  return performance.now() - started;
}
