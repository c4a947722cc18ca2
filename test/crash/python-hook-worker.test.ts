import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { exportTaskData } from '../../workers/w2s/export/index.js';
import { PYTHON_GUIDE_EXAMPLES } from '../../workers/gpu/method-examples.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { jobEvents, jobStatus } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { waitUntil } from '../helpers/processes.js';
import { injectedTrainerPython } from '../helpers/injected-python.js';

// Issue 20's acceptance, with real processes: a GPU worker (`aar worker --runner command` on
// Redis, running workers/gpu/train.py with the tiny CPU models) takes a Python hook that hoards
// memory; the hook's process group is killed at the worker's limit, the seed fails once as the
// method's fault, and the same worker takes and finishes the next job.

const h = useWorkerHarness('crash-python-hook');

const python = injectedTrainerPython;

describe('crash: a Python hook that exhausts memory on a GPU worker', () => {
  it('the worker survives, the seed fails once as out of memory, and the next job is scored', async (ctx) => {
    const { group } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const dataDir = `${h.env.home}/data`;
    exportTaskData({ cacheDir: testCacheDir(), out: dataDir, tasks: ['spam'], splitSeed: 1, force: false });
    // The coordinator takes weak and ceiling from the worker's trusted baselines jobs, and Python code.
    h.env.env = { ...h.env.env, AAR_BASELINES: 'trainer', AAR_METHOD_MEMORY_MB: '1500' };
    const worker = group.aar('gpu worker', ['worker', '--runner', 'command', '--trainer', `${python()} workers/gpu/train.py --tiny`, '--data-dir', dataDir, '--labels-dir', `${dataDir}.labels`], h.env.env);
    await waitUntil('the worker is ready', () => / ready: runner command/.test(worker.output()), { timeoutMs: 30_000, context: () => group.logs() });
    const { ledger, pipeline } = await h.openPipeline();

    // torch.ones touches its pages: resident memory grows ~50 MB per step until the limit.
    const hoard = 'import torch\n\ndef weights(ctx):\n    kept = []\n    while True:\n        kept.append(torch.ones(12_500_000))\n';
    const bomb = await pipeline.submit({ task: 'spam', method: parseMethod({ name: 'hoard', code: { language: 'python', source: hoard } }), seeds: [1] });
    const bombJob = jobIdOf(bomb, 1);
    await waitUntil('the hoarding job has failed', () => jobStatus(ledger, bombJob) === 'failed', { timeoutMs: 240_000, context: () => group.logs() });
    const [failure] = jobEvents(ledger, bomb, bombJob, 'failed');
    expect(String(failure.data.reason)).toMatch(/^method code ran out of memory \(limit 1500 MB\)/);
    expect(failure.data.final).toBe(true);
    expect(jobEvents(ledger, bomb, bombJob, 'started')).toHaveLength(1);

    const next = await pipeline.submit({ task: 'spam', method: parseMethod({ name: 'weights', code: { language: 'python', source: PYTHON_GUIDE_EXAMPLES.weights.source } }), seeds: [1] });
    const nextJob = jobIdOf(next, 1);
    const settled = await waitUntil('the next job is settled', () => ['scored', 'failed'].includes(jobStatus(ledger, nextJob) ?? '') && jobStatus(ledger, nextJob), { timeoutMs: 240_000, context: () => group.logs() });
    expect(settled, JSON.stringify(ledger.events({ experimentId: next }).map((e) => [e.kind, e.data]))).toBe('scored');
    expect(worker.alive(), worker.output()).toBe(true);
    // What the next method trained on was judged against split B's gold, in the worker.
    expect(ledger.results(next)[0].stats).toMatchObject({ effectiveSignal: { items: expect.any(Number) }, methodIsolation: { network: 'namespace' } });
  }, 600_000);
});
