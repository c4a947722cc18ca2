import { AarError } from '../domain/errors.js';
import { Redis } from 'ioredis';

/**
 * The wait before reconnection attempt `times` (1, 2, ...): exponential from 200 ms, capped at
 * 5 s, with jitter (half to all of it) so many workers do not hammer a Redis that comes back.
 */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  const base = Math.min(200 * 2 ** Math.max(0, times - 1), 5000);
  return Math.round(base * (0.5 + 0.5 * random()));
}

/**
 * An ioredis connection as BullMQ needs it: `maxRetriesPerRequest: null` so blocking commands
 * wait through a Redis restart instead of failing, and reconnection with capped backoff.
 */
export function redisConnection(url: string, name: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => reconnectDelay(times),
  });
  // ioredis keeps reconnecting on its own; an unhandled 'error' event would only print noise.
  redis.on('error', () => {});
  return redis;
}

/** Timing every worker shares: one stalled interval everywhere, a lock twice as long. */
export interface LockTiming {
  stalledIntervalMs: number;
  lockDurationMs: number;
}

export function lockTiming(stalledIntervalMs: number): LockTiming {
  return { stalledIntervalMs, lockDurationMs: stalledIntervalMs * 2 };
}

/** Key prefix for aar's own keys beside BullMQ's (worker heartbeats, cancel channel). */
export function aarKey(queueName: string, ...parts: string[]): string {
  return ['aar', queueName, ...parts].join(':');
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Redis could not be reached (at start): the message names the URL and REDIS_URL. */
export class RedisUnreachableError extends AarError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super('redis_unreachable', `cannot reach Redis at ${redactUrl(url)} (REDIS_URL): ${reason}`);
  }
}

/** One connection attempt and a PING, bounded by `timeoutMs`; throws RedisUnreachableError. */
export async function pingRedis(url: string, timeoutMs = 3000): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  // ioredis rejects with "Connection is closed."; the socket's own error says why (ECONNREFUSED...).
  let cause: NodeJS.ErrnoException | undefined;
  r.on('error', (err: NodeJS.ErrnoException) => (cause ??= err));
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    const e = cause ?? (err as NodeJS.ErrnoException);
    throw new RedisUnreachableError(url, e.code ?? e.message ?? String(err));
  } finally {
    r.disconnect();
  }
}

/**
 * Waits until Redis answers, backing off from 1 s to at most `maxDelayMs` (default 30 s) with
 * jitter, and says so each time, naming REDIS_URL. A worker started before its Redis (say,
 * both by the same deploy) waits for it instead of failing or hanging without a word.
 */
export async function waitForRedis(url: string, o: { log: (line: string) => void; sleep?: (ms: number) => Promise<void>; maxDelayMs?: number; random?: () => number; signal?: AbortSignal }): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await pingRedis(url);
      if (attempt > 1) o.log(`Redis at ${redactUrl(url)} answers now`);
      return;
    } catch (err) {
      if (o.signal?.aborted) throw err;
      const base = Math.min(1000 * 2 ** (attempt - 1), o.maxDelayMs ?? 30_000);
      const wait = Math.round(base * (0.5 + 0.5 * (o.random ?? Math.random)()));
      o.log(`${(err as Error).message}; is it running, and is REDIS_URL right? Retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt})`);
      await sleep(wait);
    }
  }
}
