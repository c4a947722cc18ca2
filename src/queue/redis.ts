import { Redis } from 'ioredis';

/**
 * An ioredis connection as BullMQ needs it: `maxRetriesPerRequest: null` so blocking commands
 * wait through a Redis restart instead of failing, and reconnection with capped backoff.
 */
export function redisConnection(url: string, name: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => Math.min(200 * times, 3000),
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
