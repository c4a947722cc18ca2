// The pipeline's figures: BullMQ throughput and overhead, scoring speed, core use of the
// in-process queue.
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/env.js';
import type { JobResult, JobSpec } from '../../src/domain/experiment.js';
import { builtinMethod } from '../../src/domain/method.js';
import { median } from '../../src/eval/stats.js';
import { BullQueue } from '../../src/queue/bullmq.js';
import { startBullWorker } from '../../src/queue/bullmq-worker.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import type { ExperimentQueue } from '../../src/queue/port.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import type { Runner } from '../../workers/runner.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { line } from './line.js';

const NONE = { ids: [], classes: [] };
const EMPTY: JobResult = { student: NONE, weak: NONE, ceiling: NONE, stats: {} };
const noop: Runner = { name: 'noop', run: async () => EMPTY };

function spec(experimentId: string, seed: number): JobSpec {
  return { experimentId, task: 'spam', seed, method: builtinMethod('naive') };
}

/** Resolves when `n` jobs have completed (or failed) on `queue`. */
function completions(queue: ExperimentQueue, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const off = queue.subscribe({
      completed: () => ++seen === n && (off(), resolve()),
      failed: (_id, _r, final) => final && ++seen === n && (off(), resolve()),
    });
  });
}

export async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function benchBullmq(redisUrl: string, spamMs: number): Promise<void> {
  const queueName = `bench-${process.pid}-${Date.now()}`;
  const queue = new BullQueue({ redisUrl, queueName, keepFinishedSeconds: 60 });
  await queue.ready();
  const worker = await startBullWorker({ redisUrl, queueName, runner: noop, concurrency: 100, stalledIntervalMs: 5000 });
  try {
    // Throughput: 5,000 no-op jobs, enqueued 200 at a time, until the last completion event.
    const n = 5000;
    const done = completions(queue, n);
    const t0 = performance.now();
    for (let start = 0; start < n; start += 200) {
      await Promise.all(Array.from({ length: Math.min(200, n - start) }, (_, i) => queue.enqueue(spec('bench-tp', start + i))));
    }
    await done;
    const seconds = (performance.now() - t0) / 1000;
    line('bullmq: no-op jobs end to end (5,000)', `${Math.round(n / seconds)} jobs/s`, 'target >= 1,000 jobs/s');
    // Overhead: one job at a time, enqueue to completion event, against a spam experiment.
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const one = completions(queue, 1);
      const t = performance.now();
      await queue.enqueue(spec('bench-lat', i));
      await one;
      latencies.push(performance.now() - t);
    }
    const overhead = median(latencies);
    line('bullmq: queue round trip per job, median of 50', `${overhead.toFixed(1)} ms`);
    line('bullmq: overhead vs a full spam experiment', `${((overhead / spamMs) * 100).toFixed(1)} %`, `target <= 5 % (spam full experiment ${spamMs.toFixed(0)} ms)`);
  } finally {
    await worker.close();
    await queue.close();
    const r = new Redis(redisUrl);
    const keys = await r.keys(`bull:${queueName}:*`);
    if (keys.length) await r.del(...keys);
    await r.del(`aar:${queueName}:workers`);
    r.disconnect();
  }
}

function benchScoring(): void {
  const n = 100_000;
  const ids = Array.from({ length: n }, (_, i) => `item-${i}`);
  const half = (from: number) => new Map(ids.slice(from, from + n / 2).map((id, i) => [id, i % 2]));
  const vault = new LabelVault('bench', 2, half(0), half(n / 2));
  // Columns in the vault's order (public then private, as the runners send them), one shared ids array.
  const preds = (flip: number) => ({ ids, classes: ids.map((_, i) => (i + (i % flip === 0 ? 1 : 0)) % 2) });
  const run = { student: preds(7), weak: preds(3), ceiling: preds(13) };
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t = performance.now();
    score(vault, run);
    times.push(performance.now() - t);
  }
  line('scoring: 100,000 predictions x 3 models, median of 11', `${median(times).toFixed(1)} ms`, 'target <= 20 ms');
}

async function benchMemoryCores(cacheDir: string, threads: number): Promise<void> {
  const queue = new MemoryQueue({ runner: new W2sRunner({ cacheDir, threads }), concurrency: threads });
  const n = 20;
  // Warm the threads (module loading, feature cache) so the batch measures training.
  const warm = completions(queue, threads);
  for (let i = 0; i < threads; i++) await queue.enqueue(spec('bench-warm', i));
  await warm;
  const done = completions(queue, n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let seed = 1; seed <= n; seed++) await queue.enqueue(spec('bench-cores', seed));
  await done;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const utilisation = (cpu.user + cpu.system) / 1000 / (wallMs * threads);
  line(`memory queue: ${n} spam experiments on ${threads} threads`, `${(wallMs / 1000).toFixed(2)} s`);
  line('memory queue: CPU utilisation of the cores during the batch', `${(utilisation * 100).toFixed(0)} %`, 'target: both cores busy');
  await queue.close();
}

export async function benchPipeline(): Promise<void> {
  const config = loadConfig();
  console.log('');
  const spam: number[] = [];
  for (const seed of [1, 2, 3, 4, 5]) {
    const t = performance.now();
    runW2s({ task: 'spam', seed, method: builtinMethod('naive'), cacheDir: config.cacheDir, cacheBaselines: false });
    spam.push(performance.now() - t);
  }
  benchScoring();
  await benchMemoryCores(config.cacheDir, config.threads);
  const redisUrl = config.redisUrl ?? 'redis://127.0.0.1:6379';
  if (await redisReachable(redisUrl)) await benchBullmq(redisUrl, median(spam));
  else line('bullmq', 'not measured', `no Redis at ${redisUrl}`);
}
