import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { redisConnection } from '../../src/queue/redis.js';
import { jobEvents, jobStatus, QUICK_METHOD } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { MEMORY_BOMB_CODE, OUT_OF_MEMORY_REASON } from '../helpers/method-bombs.js';
import { waitUntil } from '../helpers/processes.js';

// Issue 15: on BullMQ a memory bomb in method code killed the worker that ran it, its job
// stalled, was handed to the next worker and killed that one too: 2 of 2 workers dead, a
// poison pill. Now the bomb kills only the guarded child process of its job; the worker that
// ran it reports a never-retry failure, so the job fails once and no other worker sees it.

const h = useWorkerHarness('crash-memory-bomb');

describe('crash: a memory bomb through two BullMQ workers', () => {
  it('both workers survive, the job fails once as the method’s fault and is not handed on', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const workers = [await h.startWorker('worker A'), await h.startWorker('worker B')];
    const { ledger, pipeline } = await h.openPipeline();

    const bomb = await pipeline.submit({ task: 'spam', method: parseMethod({ name: 'bomb', code: { source: MEMORY_BOMB_CODE } }), seeds: [1] });
    const bombJob = jobIdOf(bomb, 1);
    await waitUntil('the bomb’s job has failed', () => jobStatus(ledger, bombJob) === 'failed', { timeoutMs: 60_000, context: () => group.logs() });
    const [failure] = jobEvents(ledger, bomb, bombJob, 'failed');
    expect(String(failure.data.reason)).toMatch(OUT_OF_MEMORY_REASON);

    // A job after it runs to a score: by then more than two stalled intervals (1 s each) have
    // passed, so a bomb handed on after a stall would have been taken by now.
    const next = await pipeline.submit({ task: 'spam', method: parseMethod(QUICK_METHOD), seeds: [1] });
    await waitUntil('the next job is scored', () => jobStatus(ledger, jobIdOf(next, 1)) === 'scored', { timeoutMs: 60_000, context: () => group.logs() });

    for (const w of workers) expect(w.alive(), `${w.name} died:\n${w.output()}`).toBe(true);
    // Started once, failed once (final), never retried by BullMQ or by another worker.
    expect(jobEvents(ledger, bomb, bombJob, 'started')).toHaveLength(1);
    expect(jobEvents(ledger, bomb, bombJob, 'failed').map((e) => e.data.final)).toEqual([true]);
    expect(workers.map((w) => w.output().split(`failed ${bombJob}:`).length - 1).sort()).toEqual([0, 1]);
    const redis = redisConnection(h.env.redisUrl, 'aar-test-inspect');
    const queue = new Queue(h.env.queueName, { connection: redis });
    try {
      const job = await queue.getJob(bombJob);
      expect(await job!.getState()).toBe('failed');
      expect(job!.attemptsMade).toBe(1);
      expect(job!.stalledCounter).toBe(0);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
