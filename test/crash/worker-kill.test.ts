import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { openPipeline, type OpenPipeline } from '../../src/pipeline/setup.js';
import { crashEnv, dropQueue, jobEvents, jobStatus, resultRows, SLOW_METHOD, type CrashEnv } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';

// A worker process dies with SIGKILL in the middle of a job: no graceful close, no lock
// release. Its BullMQ lock lapses (2 x the 1 s stalled interval), another worker's stalled
// check moves the job back to wait, and the job runs again there. The coordinator scores
// it exactly once.

let group: ProcessGroup;
let env: CrashEnv;
let p: OpenPipeline | undefined;

beforeEach(() => {
  group = new ProcessGroup();
  env = crashEnv({ prefix: 'crash-worker' });
});

afterEach(async () => {
  await group.killAll();
  await p?.close();
  p = undefined;
  await dropQueue(env.redisUrl, env.queueName);
  env.cleanup();
});

function startWorker(name: string): Promise<Proc> {
  const w = group.aar(name, ['worker', '--concurrency', '1'], env.env);
  return waitUntil(`${name} is ready`, () => {
    if (!w.alive()) throw new Error(`${name} exited:\n${w.output()}`);
    return / ready: runner w2s/.test(w.output()) && w;
  }, { timeoutMs: 30_000 });
}

describe('crash: kill -9 of a worker mid-job', () => {
  it('re-runs the job on another worker and scores it exactly once', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const workerA = await startWorker('worker A');

    p = await openPipeline(loadConfig(env.env));
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1] });
    const jobId = jobIdOf(experiment, 1);

    // Mid-job: worker A has taken it and its training thread has reported progress.
    await waitUntil('worker A has started the job', () => jobStatus(ledger, jobId) === 'started', { context: () => group.logs() });
    await waitUntil('the job reports progress', () => jobEvents(ledger, experiment, jobId, 'progress').length > 0, { context: () => group.logs() });
    expect(jobStatus(ledger, jobId)).toBe('started');
    const killed = await workerA.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(workerA.output()).not.toContain(`done ${jobId}`);

    const workerB = await startWorker('worker B');
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
