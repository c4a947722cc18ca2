// `npm run bench scale`: what each per-turn, per-job and per-start cost of the coordinator is
// on ledgers of 1k, 10k and 50k experiments populated the way a campaign leaves them
// (scale-populate.ts). The targets (issue 16, at 50k on 2 cores) are printed beside the
// figures; nothing here asserts them.
import { spawn, spawnSync } from 'node:child_process';
import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTurnContext } from '../../bots/researcher/context.js';
import { ResearchDesk } from '../../src/campaign/research-desk.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { ExperimentQueue } from '../../src/queue/port.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { populate, SCALE_AGENTS, SCALE_TASKS } from './scale-populate.js';
import type { QueueListener } from '../../src/queue/port.js';
import { toyVault } from '../pipeline/oracle.js';

const SIZES = (process.env.AAR_BENCH_SCALE_SIZES ?? '1000,10000,50000').split(',').map(Number);
const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

// Nothing runs: enqueued jobs are only remembered, every job the ledger has unfinished reads as
// running (the reconcile tick compares and leaves it), and the bench hands results to the
// pipeline as the queue's `completed` event would.
function benchQueue(): { queue: ExperimentQueue; completed: (jobId: string, raw: unknown) => void } {
  let listener: QueueListener | undefined;
  const queue = {
    kind: 'memory',
    enqueue: async () => ({ jobId: '', added: true }),
    outcome: async () => ({ state: 'active' }),
    subscribe: (l: QueueListener) => ((listener = l), () => (listener = undefined)),
    counts: async () => ({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }),
    workers: async () => [],
    close: async () => {},
  } as unknown as ExperimentQueue;
  return { queue, completed: (jobId, raw) => listener?.completed?.(jobId, raw) };
}

const toy = toyVault(2000);
const toyBaselines = new FixedBaselines(Object.fromEntries(SCALE_TASKS.map((t) => [t, toy.baselines.get('toy')])));

function timed<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}

async function timedAsync<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

/** Milliseconds from starting `aar forum` to its first answer of GET /api/state, and the answer's size. */
async function forumStart(home: string, timeoutMs: number): Promise<{ ms: number; bytes: number } | string> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'forum'], { env: { ...process.env, AAR_HOME: home, AAR_FORUM_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('no URL')), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', () => reject(new Error(`exited: ${out}`)));
    });
    const res = await fetch(`${url}/api/state`);
    const body = await res.text();
    return { ms: performance.now() - t0, bytes: body.length };
  } catch (err) {
    return `not started in ${timeoutMs / 1000} s (${(err as Error).message.slice(0, 80)})`;
  } finally {
    child.kill('SIGKILL');
  }
}

function cli(home: string, args: string[], timeoutMs: number): { ms: number } | string {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, AAR_HOME: home }, encoding: 'utf8', timeout: timeoutMs });
  if (r.error || r.status !== 0) return `failed or over ${timeoutMs / 1000} s`;
  return { ms: performance.now() - t0 };
}

const fmt = (x: { ms: number } | string) => (typeof x === 'string' ? x : x.ms >= 1000 ? `${(x.ms / 1000).toFixed(2)} s` : `${x.ms.toFixed(1)} ms`);

export async function benchScale(log: (line: string) => void = console.log): Promise<void> {
  log('coordinator costs on populated ledgers (9 agents, 4 tasks, 5 seeds, 2 messages, 3% near-duplicates per experiment):');
  const home = mkdtempSync(join(tmpdir(), 'aar-scale-'));
  const path = join(home, 'ledger.sqlite');
  let have = 0;
  for (const size of SIZES) {
    const ledger = Ledger.open(path);
    const fill = timed(() => populate(ledger, have, size - have));
    have = size;
    const records = new ForumRecords(ledger);
    const scores = new ScoreDesk(ledger, new ScoreBudget({ perHour: 1e9, mode: 'refuse' }));
    const { queue, completed } = benchQueue();
    const pipeline = new Pipeline({ ledger, queue, vaultFor: () => toy.vault, baselines: toyBaselines });
    pipeline.start();
    const desk = new ResearchDesk({ ledger, records, pipeline, scores, tasks: SCALE_TASKS, agents: SCALE_AGENTS });
    const ada = desk.forAgent('ada');
    // The first turn after a start reads what is kept per ledger in grouped queries; later turns
    // read what changed since (here: one more experiment, all its seeds scored).
    const context = timed(() => buildTurnContext(ada, 12_000));
    const board = timed(() => ada.leaderboard('spam'));
    // Three later turns, each after one more experiment: the median is printed (one turn on a busy machine is noise).
    const later = [0, 1, 2].map(() => {
      populate(ledger, have, 1);
      have += 1;
      return { context: timed(() => buildTurnContext(ada, 12_000)), board: timed(() => ada.leaderboard('spam')) };
    });
    const median = (xs: { ms: number }[]) => [...xs].sort((a, b) => a.ms - b.ms)[1];
    const contextWarm = median(later.map((l) => l.context));
    const boardWarm = median(later.map((l) => l.board));
    // One experiment through the pipeline: its proposal, then each seed's result recorded and
    // scored (the last one also runs the experiment's checks), then a tick with its jobs in flight.
    const propose = () => pipeline.submit({ task: 'spam', method: { name: 'aux-conf', labels: 'soft', labelSmoothing: 0 }, seeds: [1, 2, 3, 4, 5], agent: 'ada', hypothesis: 'bench' });
    const scoreAll = (id: string) => {
      const ms = [1, 2, 3, 4, 5].map((seed) => timed(() => completed(`${id}-s${seed}`, { student: { ids: toy.ids, classes: toy.truth.map((c, k) => (k % 4 === 0 ? 1 - c : c)) } })).ms);
      if (!ledger.isFinished(id)) throw new Error('bench: the submitted experiment was not scored');
      return ms;
    };
    const submit = await timedAsync(propose);
    const reconcile = await timedAsync(() => pipeline.recover());
    const unfinished = timed(() => ledger.unfinishedJobs());
    // The first experiment after a start pays for compiling the code paths and first reads; an
    // overnight campaign pays what the ones after it cost: both are printed.
    const firstJobs = scoreAll(submit.value);
    const perJob = scoreAll(await propose());
    const contextAfter = timed(() => buildTurnContext(ada, 12_000));
    await pipeline.stop();
    const rss = process.memoryUsage().rss;
    ledger.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(path).size;
    ledger.close();
    const status = cli(home, ['status', '--json'], 120_000);
    const report = cli(home, ['report', '--out', join(home, 'report')], 600_000);
    const forum = await forumStart(home, 120_000);
    const mean4 = (ms: number[]) => ms.slice(0, 4).reduce((a, b) => a + b, 0) / 4;
    const jobs = mean4(perJob);
    log(
      `  ${String(size).padStart(6)} experiments (populated in ${(fill.ms / 1000).toFixed(1)} s): turn context first ${fmt(context)} (${context.value.tokens} tokens), next (median of 3) ${fmt(contextWarm)}, after a scored experiment ${fmt(contextAfter)}; ` +
        `leaderboard first ${fmt(board)}, next ${fmt(boardWarm)}; proposal ${fmt(submit)}; per scored job ${jobs.toFixed(1)} ms (the experiment's last ${perJob[4].toFixed(1)} ms; first experiment after start ${mean4(firstJobs).toFixed(1)} / ${firstJobs[4].toFixed(1)} ms); ` +
        `reconcile tick ${fmt(reconcile)} with 5 jobs in flight (unfinishedJobs ${fmt(unfinished)}); aar status ${fmt(status)}; aar report ${fmt(report)}; ` +
        `forum start to first state ${typeof forum === 'string' ? forum : `${fmt(forum)} (${(forum.bytes / 1024).toFixed(0)} KB)`}; ` +
        `bench process RSS ${(rss / 2 ** 20).toFixed(0)} MB; ledger ${(bytes / size / 1024).toFixed(2)} KiB (${Math.round(bytes / size)} bytes) per experiment`,
    );
  }
  log('  targets at 50k (issue 16): turn context <= 50 ms, leaderboard <= 50 ms, forum first state <= 2 s, per scored job <= 5 ms, reconcile tick <= 20 ms, aar status <= 1 s, aar report <= 30 s, <= 10 KB (KiB) per experiment');
}

if (import.meta.url === `file://${process.argv[1]}`) await benchScale();
