// The pipeline's faults for `npm run bench faults`: processes killed with SIGKILL, Redis
// restarted empty or stalled, side commands beside a coordinator. Each returns one Tally.
import { loadConfig } from '../../src/config/env.js';
import { parseMethod } from '../../src/domain/method.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { openPipeline, openQueue, trustedBaselines, vaultFor, type OpenPipeline } from '../../src/pipeline/setup.js';
import { MEDIUM_METHOD, QUICK_METHOD } from '../helpers/crash-env.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';
import { StallProxy } from '../helpers/stall-proxy.js';
import { timeUntil, World, type Tally } from './fault-world.js';

const SEEDS = [1, 2, 3, 4];
const allScored = (w: World, id: string) => () => w.ledger.jobs(id).length === SEEDS.length && w.ledger.jobs(id).every((j) => j.status === 'scored');

async function coordinator(w: World, env = w.env(), reconcileMs?: number): Promise<OpenPipeline> {
  return openPipeline(loadConfig(env), () => {}, reconcileMs === undefined ? {} : { reconcileMs });
}

/** A worker killed with SIGKILL mid-job, with a second worker: time from the kill until every job is scored. */
export async function workerKilled(redisUrl: string): Promise<Tally> {
  const w = new World(redisUrl);
  let p: OpenPipeline | undefined;
  try {
    const a = await w.worker('worker A');
    await w.worker('worker B');
    p = await coordinator(w);
    const id = await p.pipeline.submit({ task: 'spam', method: parseMethod(MEDIUM_METHOD), seeds: SEEDS });
    await waitUntil('both workers are mid-job', () => w.ledger.jobs(id).filter((j) => j.status === 'started').length >= 2 && w.ledger.progress.ofExperiment(id).length >= 2, { timeoutMs: 60_000, intervalMs: 20 });
    await a.kill('SIGKILL');
    const recoveryMs = await timeUntil('every job is scored', allScored(w, id));
    return { ...w.tally(), recoveryMs };
  } finally {
    await p?.close();
    await w.close();
  }
}

/** `aar submit --wait` killed while its jobs run; `aar recover --wait` afterwards: its wall time. */
export async function coordinatorKilled(redisUrl: string): Promise<Tally> {
  const w = new World(redisUrl);
  try {
    w.ledger;
    await w.worker('worker');
    const submit = w.aar('submit --wait', ['submit', '--task', 'spam', '--method', 'naive', '--seeds', SEEDS.join(','), '--wait']);
    await waitUntil('a job has started', () => w.ledger.jobs().some((j) => j.status === 'started' || j.status === 'scored'), { timeoutMs: 60_000, intervalMs: 20 });
    await submit.kill('SIGKILL');
    const recover = await w.run('recover --wait', ['recover', '--wait']);
    return { ...w.tally({ stuck: recover ? 0 : 1 }), recoveryMs: recover?.ms };
  } finally {
    await w.close();
  }
}

/** `aar submit` killed before each seed's enqueue (a stalling proxy holds it there); one `aar recover --wait` after all. */
export async function submitKilled(redisUrl: string): Promise<Tally> {
  const w = new World(redisUrl);
  const proxy = await StallProxy.start(redisUrl);
  try {
    w.ledger;
    await w.worker('worker');
    for (const k of SEEDS) {
      const pattern = Buffer.from(`-s${k}\r\n`);
      proxy.stallWhen((chunk) => chunk.includes(pattern));
      const submit = w.aar(`submit #${k}`, ['submit', '--task', 'spam', '--method', 'naive', '--seeds', SEEDS.join(',')], w.env({ REDIS_URL: proxy.url }));
      await waitUntil(`submit #${k} stalls`, () => proxy.held() > 0 || !submit.alive(), { timeoutMs: 60_000, intervalMs: 20 });
      await submit.kill('SIGKILL');
      proxy.reset();
    }
    const recover = await w.run('recover --wait', ['recover', '--wait']);
    return { ...w.tally({ stuck: recover ? 0 : 1 }), recoveryMs: recover?.ms };
  } finally {
    await proxy.close();
    await w.close();
  }
}

/** Redis killed and started again empty while jobs wait and run: time from its return until every job is scored. */
export async function redisRestarted(): Promise<Tally> {
  const group = new ProcessGroup();
  const redis = await PrivateRedis.start(group);
  const w = new World(redis.url);
  let p: OpenPipeline | undefined;
  try {
    await w.worker('worker');
    p = await coordinator(w, w.env(), 500);
    const id = await p.pipeline.submit({ task: 'spam', method: parseMethod(QUICK_METHOD), seeds: SEEDS });
    await waitUntil('the first job is scored', () => w.ledger.jobs(id).some((j) => j.status === 'scored'), { timeoutMs: 60_000, intervalMs: 20 });
    await redis.kill();
    await redis.startServer();
    const recoveryMs = await timeUntil('every job is scored', allScored(w, id));
    return { ...w.tally(), recoveryMs };
  } finally {
    await p?.close();
    await w.close();
    await group.killAll();
  }
}

/** All Redis traffic of the coordinator and the worker held for `seconds`: time from the release until every job is scored. */
export async function redisStalled(redisUrl: string, seconds: number): Promise<Tally> {
  const w = new World(redisUrl);
  const proxy = await StallProxy.start(redisUrl);
  let p: OpenPipeline | undefined;
  try {
    const env = w.env({ REDIS_URL: proxy.url });
    await w.worker('worker', env);
    p = await coordinator(w, env, 500);
    const id = await p.pipeline.submit({ task: 'spam', method: parseMethod(QUICK_METHOD), seeds: SEEDS });
    await waitUntil('the first job is scored', () => w.ledger.jobs(id).some((j) => j.status === 'scored'), { timeoutMs: 60_000, intervalMs: 20 });
    proxy.stall();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    proxy.release();
    const recoveryMs = await timeUntil('every job is scored', allScored(w, id));
    return { ...w.tally(), recoveryMs };
  } finally {
    await p?.close();
    await proxy.close();
    await w.close();
  }
}

/** A reconcile pass stalled on Redis while another process scores its jobs, then Redis restarts empty: jobs re-run count as doubled. */
export async function reconcileStalled(): Promise<Tally> {
  const group = new ProcessGroup();
  const redis = await PrivateRedis.start(group);
  const proxy = await StallProxy.start(redis.url);
  const w = new World(redis.url);
  const queue = await openQueue(loadConfig(w.env({ REDIS_URL: proxy.url })));
  try {
    await w.worker('worker');
    const submitted = await w.run('submit', ['submit', '--task', 'spam', '--method', 'naive', '--seeds', SEEDS.join(',')]);
    if (!submitted) throw new Error('submit did not return');
    await waitUntil('the jobs are done on the worker', async () => (await queue.counts()).completed === SEEDS.length, { timeoutMs: 60_000 });
    const pipeline = new Pipeline({ ledger: w.ledger, queue, vaultFor: vaultFor(loadConfig(w.env())), baselines: trustedBaselines(loadConfig(w.env()), w.ledger) });
    proxy.stall();
    const pass = pipeline.recover();
    await waitUntil('the pass waits on Redis', () => proxy.held() > 0, { intervalMs: 20 });
    const side = await w.run('recover', ['recover']);
    await redis.kill();
    await redis.startServer();
    const started = performance.now();
    proxy.release();
    await pass;
    return { ...w.tally({ stuck: side ? 0 : 1 }), recoveryMs: performance.now() - started };
  } finally {
    await queue.close();
    await proxy.close();
    await w.close();
    await group.killAll();
  }
}

/** `aar run` with two workers while two `aar submit --wait` and an `aar recover` run beside it, twice: commands that hang count as stuck. */
export async function sideCommands(redisUrl: string): Promise<Tally> {
  const w = new World(redisUrl);
  try {
    w.ledger;
    await Promise.all([w.worker('worker A'), w.worker('worker B')]);
    const run = w.aar('aar run', ['run', '--tasks', 'spam', '--agents', '2', '--max-experiments', '6']);
    await waitUntil('the coordinator has proposed', () => w.ledger.jobs().length > 0, { timeoutMs: 60_000 });
    let hung = 0;
    for (let round = 0; round < 2; round++) {
      const exits = await Promise.all([
        w.run('submit a', ['submit', '--task', 'spam', '--method', 'naive', '--seeds', '1,2,3', '--wait'], w.env(), 90_000),
        w.run('submit b', ['submit', '--task', 'spam', '--method', 'naive', '--seeds', '1,2,3', '--wait'], w.env(), 90_000),
        w.run('recover', ['recover'], w.env(), 90_000),
      ]);
      hung += exits.filter((e) => !e).length;
    }
    await waitUntil('aar run exits', () => !run.alive(), { timeoutMs: 120_000 }).catch(() => (hung += 1));
    return { ...w.tally({ stuck: hung }), note: `${w.ledger.jobs().length} jobs, ${6 - hung} of 6 side commands returned` };
  } finally {
    await w.close();
  }
}
