import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { openQueue, trustedBaselines, vaultFor } from '../../src/pipeline/setup.js';
import { BullQueue } from '../../src/queue/bullmq.js';
import type { ExperimentQueue } from '../../src/queue/port.js';
import { crashEnv, dropQueue, jobEvents, MEDIUM_METHOD, scoreTally, type CrashEnv } from '../helpers/crash-env.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { ProcessGroup, waitUntil, within, type Proc } from '../helpers/processes.js';
import { StallProxy } from '../helpers/stall-proxy.js';

// A reconcile pass (Pipeline.recover) reads the ledger's unfinished jobs, then asks Redis about
// each one. Redis stalls in the middle (a proxy holds the coordinator's commands), and while it
// waits the world moves on: another process scores the jobs, or a worker finishes one. When
// the pass resumes it must act on what is true now, not on what it read before the stall.

let group: ProcessGroup;
let env: CrashEnv;
let proxy: StallProxy | undefined;
let redis: PrivateRedis | undefined;
let ledger: Ledger | undefined;
let queue: ExperimentQueue | undefined;
let direct: BullQueue | undefined;

beforeEach(() => {
  group = new ProcessGroup();
});

afterEach(async () => {
  await within(10_000, queue?.close() ?? Promise.resolve());
  await within(10_000, direct?.close() ?? Promise.resolve());
  queue = direct = undefined;
  ledger?.close();
  ledger = undefined;
  await proxy?.close();
  proxy = undefined;
  await group.killAll();
  if (!redis) await dropQueue(env.redisUrl, env.queueName);
  redis = undefined;
  env.cleanup();
});

async function startWorker(): Promise<Proc> {
  const w = group.aar('worker', ['worker', '--concurrency', '1'], env.env);
  return waitUntil('the worker is ready', () => {
    if (!w.alive()) throw new Error(`worker exited:\n${w.output()}`);
    return w.output().includes(' ready: runner w2s') && w;
  }, { timeoutMs: 30_000 });
}

/** The coordinator's side, in this process: its Redis traffic goes through the proxy; nothing listens to queue events, so only recover() collects. */
async function coordinator(log: string[]): Promise<Pipeline> {
  const config = loadConfig({ ...env.env, REDIS_URL: proxy!.url });
  ledger = Ledger.open(config.ledgerPath);
  queue = await openQueue(config);
  return new Pipeline({ ledger, queue, vaultFor: vaultFor(config), baselines: trustedBaselines(config, ledger), log: (l) => log.push(l) });
}

describe('crash: a reconcile pass that waits on a stalled Redis', () => {
  it('does not re-run jobs another process scored while it waited, even after Redis forgot them', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    redis = await PrivateRedis.start(group);
    env = crashEnv({ prefix: 'crash-reconcile', redisUrl: redis.url });
    proxy = await StallProxy.start(redis.url);
    await startWorker();
    direct = new BullQueue({ redisUrl: redis.url, queueName: env.queueName });
    await direct.ready();

    // Three jobs run to completion while no coordinator listens: the ledger still says queued.
    const submitted = await group.runAar('submit', ['submit', '--task', 'spam', '--method', 'naive', '--seeds', '1,2,3', '--json'], env.env);
    expect(submitted.code, submitted.output).toBe(0);
    const experiment = (JSON.parse(submitted.stdout.trim().split('\n').at(-1)!) as { experiment: string }).experiment;
    await waitUntil('the worker has finished the 3 jobs', async () => (await direct!.counts()).completed === 3, { timeoutMs: 60_000, context: () => group.logs() });

    const log: string[] = [];
    const pipeline = await coordinator(log);
    expect(ledger!.unfinishedJobs(experiment)).toHaveLength(3);

    // The pass takes its list and stalls on its first question to Redis.
    proxy.stall();
    const pass = pipeline.recover();
    await waitUntil('the reconcile pass is waiting on Redis', () => proxy!.held() > 0, { intervalMs: 20 });

    // Meanwhile another process collects all three, then Redis restarts empty.
    const side = await group.runAar('recover', ['recover', '--json'], env.env);
    expect(side.code, side.output).toBe(0);
    expect(ledger!.unfinishedJobs(experiment)).toEqual([]);
    await redis.kill();
    await redis.startServer();
    proxy.release();

    const report = await pass;
    expect(report.requeued, log.join('\n')).toEqual([]);
    for (const seed of [1, 2, 3]) expect(jobEvents(ledger!, experiment, jobIdOf(experiment, seed), 'requeued')).toEqual([]);
    for (const [jobId, t] of Object.entries(scoreTally(ledger!, experiment))) expect(t, jobId).toEqual({ status: 'scored', results: 1, scored: 1 });
    // Nothing was put back on the (restarted, empty) queue to run again.
    const counts = await direct.counts();
    expect(counts.waiting + counts.active + counts.delayed + counts.completed).toBe(0);
  });

  it('collects a job that finishes while the pass reads its outcome, and never records it as failed', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    env = crashEnv({ prefix: 'crash-outcome' });
    proxy = await StallProxy.start(env.redisUrl);
    await startWorker();
    direct = new BullQueue({ redisUrl: env.redisUrl, queueName: env.queueName });
    await direct.ready();

    const log: string[] = [];
    const pipeline = await coordinator(log);
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(MEDIUM_METHOD), seeds: [1] });
    const jobId = jobIdOf(experiment, 1);
    await waitUntil('the job is running', async () => (await direct!.outcome(jobId)).state === 'active', { intervalMs: 20 });

    // The pass's first command about the job goes through; the ones after it wait until the job has finished.
    const name = Buffer.from(jobId);
    proxy.stallAfter((chunk) => chunk.includes(name));
    let settled = false;
    const pass = pipeline.recover().finally(() => (settled = true));
    await waitUntil('the pass is waiting on Redis (or is done)', () => proxy!.held() > 0 || settled, { intervalMs: 20 });
    await waitUntil('the job has finished on the worker', async () => (await direct!.outcome(jobId)).state === 'completed', { timeoutMs: 60_000, context: () => group.logs() });
    proxy.release();
    await pass;

    // Whatever the pass saw, the job was never failed; the next pass scores it.
    expect(jobEvents(ledger!, experiment, jobId, 'failed'), log.join('\n')).toEqual([]);
    await pipeline.recover();
    expect(scoreTally(ledger!, experiment)).toEqual({ [jobId]: { status: 'scored', results: 1, scored: 1 } });
    expect(pipeline.report(experiment).failed).toEqual([]);
  });
});
