import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { openPipeline, type OpenPipeline } from '../../src/pipeline/setup.js';
import { crashEnv, jobEvents, QUICK_METHOD, scoreTally, type CrashEnv } from '../helpers/crash-env.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { ProcessGroup, waitUntil, within } from '../helpers/processes.js';

// Redis dies (SIGKILL, no persistence) in the middle of a campaign and comes back empty on
// the same port: every waiting and running job is forgotten. The ledger still knows them, so
// the pipeline's reconciler (every 500 ms) finds them 'missing' and re-enqueues them.
//
// What had to be re-run (observed): the job that was running on the worker when Redis died
// runs again from the start, since its partial run's result is refused by the restarted Redis
// (the job key and lock are gone); the jobs still waiting had never run and run once, after
// their re-enqueue. Jobs scored before the restart are not run again.

let group: ProcessGroup;
let env: CrashEnv;
let redis: PrivateRedis;
let p: OpenPipeline | undefined;

beforeEach(async () => {
  group = new ProcessGroup();
  redis = await PrivateRedis.start(group);
  env = crashEnv({ prefix: 'crash-redis', redisUrl: redis.url });
});

afterEach(async () => {
  // Close the pipeline while Redis is still up (if it is): a reconcile waiting on a dead Redis
  // would hold stop() forever, so the close is bounded either way.
  await within(10_000, p?.close() ?? Promise.resolve());
  p = undefined;
  // The worker and redis-server are both in the group: SIGKILLed here, even on failure.
  await group.killAll();
  env.cleanup();
});

describe('crash: Redis restarted mid-run', () => {
  it('the campaign continues: lost jobs are re-enqueued and every seed is scored once', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const logs = () => group.logs();
    const worker = group.aar('worker', ['worker', '--concurrency', '1'], env.env);
    await waitUntil('the worker is ready', () => {
      if (!worker.alive()) throw new Error(`worker exited:\n${worker.output()}`);
      return worker.output().includes(' ready: runner w2s');
    }, { timeoutMs: 30_000 });

    const pipelineLog: string[] = [];
    p = await openPipeline(loadConfig(env.env), (line) => pipelineLog.push(line), { reconcileMs: 500 });
    const { ledger, pipeline } = p;
    const context = () => `${logs()}\n----- pipeline -----\n${pipelineLog.join('\n')}`;
    const seeds = [1, 2, 3, 4];
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(QUICK_METHOD), seeds });
    const jobIds = seeds.map((s) => jobIdOf(experiment, s));

    await waitUntil('the first job is scored', () => ledger.jobs(experiment).some((j) => j.status === 'scored'), { timeoutMs: 30_000, intervalMs: 50, context });

    await redis.kill();
    // Nothing can be scored while Redis is down: these are the jobs it took with it.
    const lost = ledger
      .jobs(experiment)
      .filter((j) => j.status !== 'scored')
      .map((j) => j.jobId);
    expect(lost.length).toBeGreaterThanOrEqual(1);
    await redis.startServer();
    const restartedAt = Math.max(0, ...ledger.events({ experimentId: experiment }).map((e) => e.seq));

    await waitUntil('every seed is scored', () => ledger.jobs(experiment).every((j) => j.status === 'scored'), { timeoutMs: 45_000, intervalMs: 200, context });

    const tally = scoreTally(ledger, experiment);
    expect(Object.keys(tally).sort()).toEqual([...jobIds].sort());
    for (const jobId of jobIds) expect(tally[jobId], jobId).toEqual({ status: 'scored', results: 1, scored: 1 });

    // Every job scored after the restart was re-enqueued by recovery first; none before it was.
    for (const jobId of jobIds) {
      const scored = jobEvents(ledger, experiment, jobId, 'scored')[0];
      const requeued = jobEvents(ledger, experiment, jobId, 'requeued');
      if (scored.seq > restartedAt) {
        expect(requeued.length, `${jobId} was scored after the restart without a requeue`).toBeGreaterThanOrEqual(1);
        expect(requeued[0].seq).toBeLessThan(scored.seq);
      } else {
        expect(requeued, `${jobId} was scored before the restart`).toEqual([]);
      }
    }
    for (const jobId of lost) expect(jobEvents(ledger, experiment, jobId, 'requeued').length, jobId).toBeGreaterThanOrEqual(1);
    expect(pipelineLog.some((l) => l.startsWith('recovered:') && l.includes('re-enqueued'))).toBe(true);
    expect(pipeline.report(experiment)).toMatchObject({ seeds, failed: [] });
    if (process.env.AAR_CRASH_DEBUG) console.log(`lost at restart: ${lost.join(', ')}\n${context()}`);
  });
});
