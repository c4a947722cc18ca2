import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { jobEvents, jobStatus, resultRows, SLOW_METHOD } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { waitUntil } from '../helpers/processes.js';

// A worker process dies with SIGKILL in the middle of a job: no graceful close, no lock
// release. Its BullMQ lock lapses (2 x the 1 s stalled interval), another worker's stalled
// check moves the job back to wait, and the job runs again there. The coordinator scores
// it exactly once.

const h = useWorkerHarness('crash-worker');

describe('crash: kill -9 of a worker mid-job', () => {
  it('re-runs the job on another worker and scores it exactly once', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const workerA = await h.startWorker('worker A');

    const p = await h.openPipeline();
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1] });
    const jobId = jobIdOf(experiment, 1);

    // Mid-job: worker A has taken it and its training thread has reported progress.
    await waitUntil('worker A has started the job', () => jobStatus(ledger, jobId) === 'started', { context: () => group.logs() });
    await waitUntil('the job reports progress', () => ledger.progress.ofJob(jobId) !== undefined, { context: () => group.logs() });
    expect(jobStatus(ledger, jobId)).toBe('started');
    const killed = await workerA.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(workerA.output()).not.toContain(`done ${jobId}`);

    const workerB = await h.startWorker('worker B');
    await waitUntil('the job is scored', () => jobStatus(ledger, jobId) === 'scored', { timeoutMs: 45_000, context: () => group.logs() });

    expect(resultRows(ledger, jobId)).toBe(1);
    expect(jobEvents(ledger, experiment, jobId, 'scored')).toHaveLength(1);
    // It ran twice: once on A (killed), once on B, which finished it.
    expect(jobEvents(ledger, experiment, jobId, 'started').length).toBeGreaterThanOrEqual(2);
    await waitUntil('worker B logs the job done', () => workerB.output().includes(`done ${jobId}`));
    expect(jobEvents(ledger, experiment, jobId, 'failed').filter((e) => e.data.final === true)).toEqual([]);
    expect(await p.queue.outcome(jobId)).toMatchObject({ state: 'completed' });
    expect(pipeline.report(experiment)).toMatchObject({ seeds: [1], failed: [] });

    // A late redelivery (say recover() from another coordinator) scores nothing more.
    await pipeline.recover();
    expect(resultRows(ledger, jobId)).toBe(1);
    expect(jobEvents(ledger, experiment, jobId, 'scored')).toHaveLength(1);
  });
});
