import { randomUUID } from 'node:crypto';

/** The Redis the tests use: REDIS_URL, else the local default that .ci/run starts. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A queue name of its own for each test, so tests never see each other's jobs. */
export function uniqueQueueName(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
