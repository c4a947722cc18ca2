import { afterEach, describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { RunnerError } from '../../src/domain/errors.js';
import { parseMethod } from '../../src/domain/method.js';
import type { Runner } from '../../workers/runner.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

// The poison-pill count lives in the ledger, so it outlives the queue's own count: after Redis
// forgot a job (a restart without persistence), recovery would enqueue it afresh with a clean
// stall count. A job whose runners already died twice is failed instead, as the method's fault.

/** A runner that holds every job until it is aborted: jobs stay visible as in flight. */
const holding: Runner = {
  name: 'holding',
  run: (_spec, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new RunnerError('stopped', { retry: false })))),
};

let stack: EmbeddedPipeline | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Records an experiment with one job per seed, as a coordinator that crashed after submit would leave it. */
function recorded(s: EmbeddedPipeline, id: string, seeds: number[]): void {
  s.ledger.write(() => {
    s.ledger.proposeExperiment({ id, task: 'spam', method: parseMethod({ name: 'naive' }) as Record<string, unknown>, seeds });
    for (const seed of seeds) {
      s.ledger.append('queued', { experimentId: id, jobId: jobIdOf(id, seed), data: { seed } });
      s.ledger.append('started', { experimentId: id, jobId: jobIdOf(id, seed), data: { seed } });
    }
  });
}

describe('poison-pill guard in the ledger', () => {
  it('counts each lost run once however many processes report it, and counts attempts', () => {
    stack = openEmbeddedPipeline({ runner: holding, threads: 1 });
    const { ledger } = stack;
    recorded(stack, 'exp-lost', [1]);
    const job = jobIdOf('exp-lost', 1);
    expect(ledger.recordLostRun(job, 1)).toBe(1);
    expect(ledger.recordLostRun(job, 1)).toBe(1);
    expect(ledger.recordLostRun(job, 2)).toBe(2);
    // A late, stale report does not lower it.
    expect(ledger.recordLostRun(job, 1)).toBe(2);
    expect(ledger.events({ experimentId: 'exp-lost', kind: 'runner_lost' }).map((e) => e.data.runs)).toEqual([1, 2]);
    expect(ledger.job(job)).toMatchObject({ attempts: 1, lostRuns: 2 });
    expect(ledger.recordLostRun('exp-unknown-s1', 1)).toBe(0);
  });

  it('recovery fails a forgotten job whose runners died twice, and re-enqueues one that lost a runner once', async () => {
    stack = openEmbeddedPipeline({ runner: holding, threads: 2 });
    const { ledger, queue, pipeline } = stack;
    recorded(stack, 'exp-forgot', [1, 2]);
    const poisoned = jobIdOf('exp-forgot', 1);
    const unlucky = jobIdOf('exp-forgot', 2);
    ledger.recordLostRun(poisoned, 2);
    ledger.recordLostRun(unlucky, 1);

    const report = await pipeline.recover();
    expect(report.failed).toEqual([poisoned]);
    expect(report.requeued).toEqual([unlucky]);
    expect(ledger.job(poisoned)?.status).toBe('failed');
    expect(String(ledger.events({ experimentId: 'exp-forgot', kind: 'failed' })[0].data.reason)).toMatch(/runner died 2 times while running it/);
    expect(await queue.outcome(poisoned)).toEqual({ state: 'missing' });
    expect((await queue.outcome(unlucky)).state).toMatch(/waiting|active/);
  });
});
