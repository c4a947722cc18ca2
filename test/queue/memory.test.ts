import { MemoryQueue } from '../../src/queue/memory.js';
import { runQueueContract } from './contract.js';

runQueueContract('memory', async ({ runner, concurrency, policy }) => {
  const queue = new MemoryQueue({ runner, concurrency, policy });
  return { queue, runner, close: () => queue.close() };
});
