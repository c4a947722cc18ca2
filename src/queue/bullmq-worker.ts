import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { InvalidInputError, RunnerError } from '../domain/errors.js';
import { parseJobSpec, type BaselinesResult, type JobResult } from '../domain/experiment.js';
import { runJob, type Runner } from '../../workers/runner.js';
import { FORGIVEN_LOST_RUNS } from './poison-pill.js';
import { DEFAULT_JOB_POLICY, type WorkerInfo } from './port.js';
import { aarKey, lockTiming, redactUrl, redisConnection, waitForRedis } from './redis.js';

export interface BullWorkerOptions {
  redisUrl: string;
  queueName: string;
  runner: Runner;
  concurrency: number;
  /** The one stalled interval all workers share; a dead worker's job is picked up after it. */
  stalledIntervalMs: number;
  timeoutMs?: number;
  name?: string;
  /** On shutdown, how long running jobs may take to finish before they are handed back. */
  graceMs?: number;
  log?: (line: string) => void;
}

/** The abort reason that stops a job so it can be handed back to the queue, not failed. */
class HandBack extends Error {
  constructor() {
    super('worker shutting down: job handed back to the queue');
  }
}

/** How long stopped runners get to end before the worker force-closes anyway. */
const HAND_BACK_MS = 10_000;

const after = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

export interface BullWorkerHandle {
  readonly name: string;
  /** Finish running jobs (up to graceMs), then hand back the rest and disconnect. */
  close(): Promise<void>;
}

/**
 * The consumer side of the BullMQ adapter: what `aar worker` runs. Invalid specs and
 * non-retryable runner failures become UnrecoverableError (never retried); transient ones
 * are retried by BullMQ with exponential backoff; each job has a time limit.
 */
export async function startBullWorker(o: BullWorkerOptions): Promise<BullWorkerHandle> {
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_JOB_POLICY.timeoutMs;
  const log = o.log ?? (() => {});
  const stats = { active: 0, done: 0, failed: 0 };
  const { stalledIntervalMs, lockDurationMs } = lockTiming(o.stalledIntervalMs);
  // Before anything connects: a Redis that is not up yet is waited for with backoff, by name,
  // instead of ioredis retrying in silence forever.
  await waitForRedis(o.redisUrl, { log });

  // Jobs in flight, so a shutdown past its grace period can stop them and hand them back.
  const running = new Set<AbortController>();
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<JobResult | BaselinesResult> => {
    let spec;
    try {
      spec = parseJobSpec(job.data);
    } catch (err) {
      throw new UnrecoverableError(err instanceof InvalidInputError ? err.message : String(err));
    }
    if (job.id && (await registry.exists(aarKey(o.queueName, 'cancelled', job.id)))) throw new UnrecoverableError('cancelled');
    const controller = new AbortController();
    const onAbort = () => controller.abort(new RunnerError('cancelled', { retry: false }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new RunnerError(`timed out after ${timeoutMs} ms`, { retry: true })), timeoutMs);
    stats.active++;
    running.add(controller);
    try {
      return await runJob(o.runner, spec, {
        signal: controller.signal,
        progress: (p) => void job.updateProgress({ fraction: p.fraction, note: p.note }).catch(() => {}),
      });
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof HandBack) {
        // Back to wait, as it was before this worker took it: no attempt is spent, and the
        // next worker starts it at once instead of after the stalled interval.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const message = reason instanceof Error ? reason.message : String(reason);
      if (reason instanceof RunnerError && !reason.retry) throw new UnrecoverableError(message);
      throw new Error(message);
    } finally {
      running.delete(controller);
      stats.active--;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  // BullMQ blocks on a duplicate of this connection and leaves the one given to it open: close() disconnects it.
  const connection = redisConnection(o.redisUrl, `aar-worker-${name}`);
  const worker = new Worker(o.queueName, processor, {
    connection,
    concurrency: o.concurrency,
    name,
    stalledInterval: stalledIntervalMs,
    lockDuration: lockDurationMs,
    // The poison-pill guard on the worker side (it holds without a coordinator): one re-run
    // after a lost runner, then BullMQ fails the job the next time a worker takes it.
    maxStalledCount: FORGIVEN_LOST_RUNS,
    autorun: false,
  });
  worker.on('completed', (job) => {
    stats.done++;
    beatSoon();
    log(`done ${job.id}`);
  });
  worker.on('failed', (job, err) => {
    stats.failed++;
    beatSoon();
    log(`failed ${job?.id ?? '?'}: ${err.message}`);
  });
  // Losing Redis is said once, and its return once, not at every reconnection attempt.
  let down = false;
  worker.on('error', (err) => {
    if (!isConnectionError(err)) return log(`redis: ${err.message}`);
    if (down) return;
    down = true;
    log(`lost Redis at ${redactUrl(o.redisUrl)} (REDIS_URL): ${err.message}; reconnecting with backoff (up to 5 s between tries)`);
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    log(`Redis at ${redactUrl(o.redisUrl)} is back`);
  });

  // Cancellation reaches whichever worker runs the job through a pub/sub channel.
  const sub = redisConnection(o.redisUrl, `aar-worker-${name}-cancel`);
  sub.on('error', () => {});
  await sub.subscribe(aarKey(o.queueName, 'cancel'));
  sub.on('message', (_channel, jobId: string) => {
    if (worker.cancelJob(jobId, 'cancelled')) log(`cancelled ${jobId}`);
  });

  const registry = redisConnection(o.redisUrl, `aar-worker-${name}-registry`);
  registry.on('error', () => {});
  const beat = () => {
    const info: WorkerInfo = { name, runner: o.runner.name, concurrency: o.concurrency, ...stats, lastSeen: new Date().toISOString() };
    registry.hset(aarKey(o.queueName, 'workers'), name, JSON.stringify(info)).catch(() => {});
  };
  // Status reads these counters: refresh soon after a change, but at most every 200 ms.
  let pending: NodeJS.Timeout | undefined;
  const beatSoon = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      beat();
    }, 200);
  };
  beat();
  const heartbeat = setInterval(beat, 5000);
  heartbeat.unref();

  void worker.run();
  await worker.waitUntilReady();
  log(`worker ${name} ready: runner ${o.runner.name}, concurrency ${o.concurrency}, stalled interval ${stalledIntervalMs} ms`);

  return {
    name,
    async close() {
      clearInterval(heartbeat);
      clearTimeout(pending);
      const grace = o.graceMs ?? 30_000;
      // worker.close() takes no new job and waits for running ones. Past the grace period the
      // runners are stopped (a trainer gets SIGTERM) and their jobs moved back to wait.
      const graceful = worker.close().then(() => true);
      if (!(await Promise.race([graceful, after(grace)]))) {
        log(`jobs still running after ${grace} ms: handing them back`);
        for (const c of running) c.abort(new HandBack());
        // A runner that ignores its signal must not hold the process: its lock lapses instead.
        if (!(await Promise.race([graceful, after(HAND_BACK_MS)]))) await worker.close(true);
      }
      await registry.hdel(aarKey(o.queueName, 'workers'), name).catch(() => {});
      registry.disconnect();
      sub.disconnect();
      connection.disconnect();
      await o.runner.close?.();
    },
  };
}

/** Errors that mean "Redis is not reachable right now" (ioredis reconnects by itself). */
function isConnectionError(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN'].includes(code) || /Connection is closed|connect ETIMEDOUT/.test(err.message);
}
