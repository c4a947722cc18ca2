import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BullQueue } from '../../src/queue/bullmq.js';
import { startBullWorker } from '../../src/queue/bullmq-worker.js';
import type { Runner } from '../../workers/runner.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { ProcessGroup } from '../helpers/processes.js';
import { testRedisUrl, uniqueQueueName } from '../helpers/redis.js';

// A coordinator opens and closes queues (every aar submit, every bench run): a connection left
// open keeps the process alive after its work is done and, over a long run, piles up in Redis.

const admin = new Redis(testRedisUrl());
afterAll(() => admin.disconnect());
const NONE = { ids: [], classes: [] };

/** Connections to Redis whose name starts with `prefix`, from every process on this machine. */
async function connections(prefix: string): Promise<number> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list.split('\n').filter((l) => l.includes(` name=${prefix}`)).length;
}

async function settle(prefix: string, expected: number): Promise<number> {
  let seen = await connections(prefix);
  for (let i = 0; i < 50 && seen !== expected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await connections(prefix);
  }
  return seen;
}

describe('BullQueue connections', () => {
  it('close() disconnects every Redis connection the queue opened, its event stream included', async () => {
    const before = await connections('aar-coordinator');
    const queue = new BullQueue({ redisUrl: testRedisUrl(), queueName: uniqueQueueName('conns') });
    await queue.ready();
    expect(await connections('aar-coordinator')).toBeGreaterThan(before);
    await queue.close();
    expect(await settle('aar-coordinator', before)).toBe(before);
  });

  it("a worker's close() disconnects every Redis connection it opened", async () => {
    const before = await connections('aar-worker-');
    const runner: Runner = { name: 'noop', run: async () => ({ student: NONE, weak: NONE, ceiling: NONE, stats: {} }) };
    const worker = await startBullWorker({ redisUrl: testRedisUrl(), queueName: uniqueQueueName('conns'), runner, concurrency: 1, stalledIntervalMs: 1000, timeoutMs: 10_000, graceMs: 1000 });
    expect(await connections('aar-worker-')).toBeGreaterThan(before);
    await worker.close();
    expect(await settle('aar-worker-', before)).toBe(before);
  });

  it('close() returns while Redis is down: a coordinator stopping during an outage is not held by it', async () => {
    const group = new ProcessGroup();
    try {
      const redis = await PrivateRedis.start(group);
      const queue = new BullQueue({ redisUrl: redis.url, queueName: uniqueQueueName('conns') });
      await queue.ready();
      await redis.kill();
      // The graceful close waits for a reconnection that never comes; it is cut short.
      await queue.close();
      expect(queue.unreachableSince()).toBeTypeOf('number');
    } finally {
      await group.killAll();
    }
  });
});
