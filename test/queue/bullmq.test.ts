import { BullQueue } from '../../src/queue/bullmq.js';
import { startBullWorker } from '../../src/queue/bullmq-worker.js';
import { testRedisUrl, uniqueQueueName } from '../helpers/redis.js';
import { runQueueContract } from './contract.js';

runQueueContract('bullmq (real Redis)', async ({ runner, concurrency, policy }) => {
  const redisUrl = testRedisUrl();
  const queueName = uniqueQueueName('contract');
  const queue = new BullQueue({ redisUrl, queueName, policy });
  await queue.ready();
  const worker = await startBullWorker({ redisUrl, queueName, runner, concurrency, stalledIntervalMs: 1000, timeoutMs: policy.timeoutMs, graceMs: 2000 });
  return {
    queue,
    runner,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
});
