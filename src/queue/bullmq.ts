import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { AarError } from '../domain/errors.js';
import { jobIdOf, type JobSpec } from '../domain/experiment.js';
import { Listeners } from './listeners.js';
import { BULLMQ_STALLED_LIMIT_REASON, FORGIVEN_LOST_RUNS, poisonPillReason } from './poison-pill.js';
import { DEFAULT_JOB_POLICY, type ExperimentQueue, type JobOutcome, type JobPolicy, type QueueCounts, type QueueListener, type WorkerInfo } from './port.js';
import { aarKey, redactUrl, redisConnection } from './redis.js';

/** How long close() waits for BullMQ's graceful close before it drops the connections. */
const CLOSE_GRACE_MS = 2000;

export interface BullQueueOptions {
  redisUrl: string;
  queueName: string;
  policy?: Partial<JobPolicy>;
  /** How long finished jobs stay in Redis: long enough for a crashed coordinator to collect them. */
  keepFinishedSeconds?: number;
}

/**
 * The producer side of the BullMQ adapter, used by the coordinator. Jobs are run by
 * `aar worker` processes (see bullmq-worker.ts) on any machine that reaches Redis.
 */
export class BullQueue implements ExperimentQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private events?: QueueEvents;
  private readonly redis: Redis;
  private eventsRedis?: Redis;
  private readonly listeners = new Listeners();
  private readonly policy: JobPolicy;
  private downSince?: number;

  constructor(private readonly o: BullQueueOptions) {
    this.policy = { ...DEFAULT_JOB_POLICY, ...o.policy };
    const keep = { age: o.keepFinishedSeconds ?? 7 * 24 * 3600 };
    this.redis = redisConnection(o.redisUrl, 'aar-coordinator');
    this.queue = new Queue(o.queueName, {
      connection: this.redis,
      defaultJobOptions: {
        attempts: this.policy.attempts,
        backoff: { type: 'exponential', delay: this.policy.backoffMs },
        removeOnComplete: keep,
        removeOnFail: keep,
      },
    });
    // Connection errors are retried by ioredis; without a listener they would crash the process.
    this.queue.on('error', () => {});
    // For the coordinator's live line: since when Redis has been unreachable.
    this.redis.on('close', () => (this.downSince ??= Date.now()));
    this.redis.on('ready', () => (this.downSince = undefined));
  }

  unreachableSince(): number | undefined {
    return this.downSince;
  }

  /**
   * Follows the queue's event stream from its current end. Starting from the tail id read
   * now (not from '$' whenever the blocking read happens to begin) means no event after
   * ready() is missed, and none from before it is replayed.
   */
  private async listen(): Promise<void> {
    const tail = (await this.redis.xrevrange(this.queue.keys.events, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    // QueueEvents blocks on its connection, so BullMQ reads on a duplicate of this one and
    // leaves the one given to it open: close() disconnects it.
    this.eventsRedis = redisConnection(this.o.redisUrl, 'aar-coordinator-events');
    const events = new QueueEvents(this.o.queueName, { connection: this.eventsRedis, lastEventId: tail });
    this.events = events;
    events.on('error', () => {});
    events.on('active', ({ jobId }) => this.listeners.emit('active', jobId));
    events.on('progress', ({ jobId, data }) => {
      const p = data as { fraction?: unknown; note?: unknown };
      if (typeof p?.fraction === 'number') this.listeners.emit('progress', jobId, { fraction: p.fraction, note: typeof p.note === 'string' ? p.note : undefined });
    });
    events.on('completed', ({ jobId, returnvalue }) => this.listeners.emit('completed', jobId, parseReturn(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => {
      // QueueEvents reports only failures that moved the job to the failed set: no retry follows.
      this.listeners.emit('failed', jobId, failedReason === BULLMQ_STALLED_LIMIT_REASON ? poisonPillReason(FORGIVEN_LOST_RUNS + 1) : failedReason, true);
    });
    // A stalled job's runner died or stopped renewing its lock; BullMQ counts it in the job's hash.
    events.on('stalled', ({ jobId }) => {
      void this.redis
        .hget(this.queue.toKey(jobId), 'stc')
        .then((stc) => this.listeners.emit('lost', jobId, Math.max(1, Number(stc) || 0)))
        .catch(() => {});
    });
    await events.waitUntilReady();
  }

  /** Waits for Redis; fails with a clear message instead of hanging when it is unreachable. */
  async ready(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AarError('redis_unreachable', `cannot reach Redis at ${redactUrl(this.o.redisUrl)} within ${timeoutMs} ms (REDIS_URL): is it running? Unset REDIS_URL to run jobs in-process.`)), timeoutMs);
    });
    try {
      await Promise.race([this.queue.waitUntilReady().then(() => this.listen()), timeout]);
    } catch (err) {
      // Never connected: drop the sockets at once rather than a graceful close that waits for Redis.
      this.redis.disconnect();
      this.eventsRedis?.disconnect();
      void this.queue.disconnect().catch(() => {});
      void this.events?.disconnect().catch(() => {});
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async enqueue(spec: JobSpec): Promise<{ jobId: string; added: boolean }> {
    const jobId = jobIdOf(spec.experimentId, spec.seed);
    if (await Job.fromId(this.queue, jobId)) return { jobId, added: false };
    // add() with an existing id is a no-op in BullMQ, so a race between two adds still runs once.
    await this.queue.add('experiment', spec, { jobId });
    return { jobId, added: true };
  }

  /**
   * The job's state first, then (for a finished job) its result or reason. Finished is final in
   * BullMQ and the result is written in the same script that moves a job there, so this order
   * never pairs "completed" with a result read before the job completed.
   */
  async outcome(jobId: string): Promise<JobOutcome> {
    const state = await this.queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const [returnvalue, failedReason] = await this.redis.hmget(this.queue.toKey(jobId), 'returnvalue', 'failedReason');
      // Removed between the two reads (its retention ran out): as good as never there.
      if (returnvalue === null && failedReason === null) return { state: 'missing' };
      if (state === 'completed') return { state: 'completed', result: parseReturn(returnvalue) };
      return { state: 'failed', reason: failedReason === BULLMQ_STALLED_LIMIT_REASON ? poisonPillReason(FORGIVEN_LOST_RUNS + 1) : (failedReason ?? 'failed') };
    }
    if (state === 'active') return { state: 'active' };
    if (state === 'delayed') return { state: 'delayed' };
    if (state === 'unknown') return { state: 'missing' };
    return { state: 'waiting' };
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = await Job.fromId(this.queue, jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      await job.remove();
      return true;
    }
    if (state === 'active') {
      // The job runs in some worker process: every worker listens on this channel. The mark
      // covers the moment a worker has taken the job but not yet registered it as running.
      await this.redis.set(aarKey(this.o.queueName, 'cancelled', jobId), '1', 'EX', 24 * 3600);
      await this.redis.publish(aarKey(this.o.queueName, 'cancel'), jobId);
      return true;
    }
    return false;
  }

  subscribe(listener: QueueListener): () => void {
    return this.listeners.add(listener);
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  }

  /** Workers announce themselves in a Redis hash with a heartbeat (see bullmq-worker.ts). */
  async workers(): Promise<WorkerInfo[]> {
    const all = await this.redis.hgetall(aarKey(this.o.queueName, 'workers'));
    const fresh = Date.now() - 60_000;
    return Object.values(all)
      .map((v) => JSON.parse(v) as WorkerInfo)
      .filter((w) => Date.parse(w.lastSeen) > fresh)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async close(): Promise<void> {
    const graceful = Promise.allSettled([this.events?.close(), this.queue.close()]).then(() => true);
    // A connection that is reconnecting (Redis down, or just restarted) can hold a graceful close
    // (its QUIT waits for the reconnection) for as long as Redis stays away, and with it the
    // exit of a coordinator: past a moment, the sockets are dropped instead.
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([graceful, new Promise<false>((r) => (timer = setTimeout(() => r(false), CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    if (!closed) {
      void this.queue.disconnect().catch(() => {});
      void this.events?.disconnect().catch(() => {});
    }
    this.eventsRedis?.disconnect();
    this.redis.disconnect();
  }
}

function parseReturn(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
