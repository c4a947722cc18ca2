import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { jobEvents, jobStatus, resultRows, SLOW_METHOD } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { waitUntil } from '../helpers/processes.js';

// SIGTERM (what Kubernetes and Ctrl-C send) is a clean shutdown: the worker stops taking
// jobs, finishes the one it runs, and exits 0. The job is scored once and never re-run.

const h = useWorkerHarness('sigterm-worker');

describe('worker: SIGTERM', () => {
  it('finishes the running job, takes no new one, and exits 0', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const worker = await h.startWorker('worker');

    const p = await h.openPipeline();
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1, 2] });
    const [first, second] = [jobIdOf(experiment, 1), jobIdOf(experiment, 2)];
    await waitUntil('the first job is running', () => jobStatus(ledger, first) === 'started', { context: () => group.logs() });

    const exit = await worker.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(worker.output()).toContain('SIGTERM: finishing running jobs');
    expect(worker.output()).toContain(`done ${first}`);
    await waitUntil('the first job is scored', () => jobStatus(ledger, first) === 'scored', { context: () => group.logs() });
    expect(resultRows(ledger, first)).toBe(1);
    expect(jobEvents(ledger, experiment, first, 'started')).toHaveLength(1);
    // The second job was never taken: it waits in the queue for the next worker.
    expect(jobEvents(ledger, experiment, second, 'started')).toHaveLength(0);
    expect(await p.queue.outcome(second)).toMatchObject({ state: 'waiting' });
  });

  it('hands a job that outlasts AAR_SHUTDOWN_GRACE_MS back to the queue, where another worker finishes it once', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    h.env.env.AAR_SHUTDOWN_GRACE_MS = '100';
    const worker = await h.startWorker('short-grace');

    const p = await h.openPipeline();
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1] });
    const job = jobIdOf(experiment, 1);
    await waitUntil('the job is running', () => jobStatus(ledger, job) === 'started', { context: () => group.logs() });

    const exit = await worker.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(worker.output()).toContain('jobs still running after 100 ms: handing them back');
    expect(worker.output()).not.toContain(`done ${job}`);
    expect(worker.output()).not.toContain(`failed ${job}`);
    // Back in the queue as it was before, no attempt spent: the next worker takes it at once.
    expect(await p.queue.outcome(job)).toMatchObject({ state: 'waiting' });

    delete h.env.env.AAR_SHUTDOWN_GRACE_MS;
    await h.startWorker('next');
    await waitUntil('the handed-back job is scored', () => jobStatus(ledger, job) === 'scored', { timeoutMs: 60_000, context: () => group.logs() });
    expect(resultRows(ledger, job)).toBe(1);
  });
});
