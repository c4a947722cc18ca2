import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { jobEvents, jobStatus, SLOW_METHOD } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { waitUntil, type Proc } from '../helpers/processes.js';

// The poison-pill guard: a job whose runner dies with it once is re-run elsewhere (a kill -9
// or a lost machine is not the method's doing; see worker-kill.test.ts), but a job whose
// runners died twice is failed as the method's fault and handed to no third worker. The count
// lives in the ledger (job_states.lost_runs), so it also holds after Redis forgets the job.

const h = useWorkerHarness('crash-poison-pill');

describe('crash: a job that takes down the runners that run it', () => {
  it('is failed after its second lost runner, with the count in the ledger, and no third worker runs it', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const { ledger, pipeline } = await h.openPipeline();
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1] });
    const jobId = jobIdOf(experiment, 1);

    // Each worker in turn takes the job and dies with it mid-run (the job "killed its runner").
    const runAndDie = async (name: string, runs: number): Promise<Proc> => {
      const w = await h.startWorker(name);
      await waitUntil(`${name} has started the job`, () => jobEvents(ledger, experiment, jobId, 'started').length === runs, { timeoutMs: 30_000, context: () => group.logs() });
      // Progress is the job's latest report only (job_progress): each new report has a higher seq.
      const progressed = ledger.progress.lastSeq();
      await waitUntil(`${name} reports progress`, () => (ledger.progress.ofJob(jobId)?.seq ?? 0) > progressed, { timeoutMs: 30_000, context: () => group.logs() });
      await w.kill('SIGKILL');
      return w;
    };
    await runAndDie('worker A', 1);
    await runAndDie('worker B', 2);
    const progressBeforeC = ledger.progress.lastSeq();
    const workerC = await h.startWorker('worker C');

    await waitUntil('the job has failed', () => jobStatus(ledger, jobId) === 'failed', { timeoutMs: 30_000, context: () => group.logs() });
    const failed = jobEvents(ledger, experiment, jobId, 'failed').filter((e) => e.data.final === true);
    expect(failed).toHaveLength(1);
    expect(String(failed[0].data.reason)).toMatch(/runner died 2 times while running it .*failed as the method's fault and not handed to another worker/);
    expect(ledger.job(jobId)).toMatchObject({ lostRuns: 2 });
    expect(ledger.events({ experimentId: experiment, kind: 'runner_lost' }).map((e) => e.data.runs)).toEqual([1, 2]);
    expect(pipeline.report(experiment).failed).toHaveLength(1);
    // Worker C never ran it: either the coordinator took it out of the queue first, or BullMQ
    // failed it the moment C took it (maxStalledCount), before any training; C lives on.
    // No report at all since C started (this is the campaign's only job), and none kept for a failed job.
    expect(ledger.progress.lastSeq()).toBe(progressBeforeC);
    expect(ledger.progress.ofJob(jobId)).toBeUndefined();
    expect(workerC.output()).not.toContain(`done ${jobId}`);
    expect(workerC.alive()).toBe(true);

    // A second coordinator on the same ledger file (after a restart) reads the same count.
    const again = Ledger.open(h.env.ledgerPath);
    try {
      expect(again.job(jobId)).toMatchObject({ status: 'failed', lostRuns: 2 });
    } finally {
      again.close();
    }
  });
});
