import { describe, expect, it } from 'vitest';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { jobStatus, SLOW_METHOD } from '../helpers/crash-env.js';
import { useWorkerHarness } from '../helpers/crash-harness.js';
import { waitUntil } from '../helpers/processes.js';

// \`aar cancel\` from another process: the running job is aborted on its worker (through
// Redis pub/sub) and recorded as a final failure; the waiting job is removed.

const h = useWorkerHarness('cancel');

describe('aar cancel', () => {
  it('aborts the running job on its worker and removes the waiting one', async (ctx) => {
    const { group, env } = h;
    ctx.onTestFailed(() => console.error(group.logs()));
    const worker = await h.startWorker('worker');
    const p = await h.openPipeline();
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1, 2] });
    const [running, waiting] = [jobIdOf(experiment, 1), jobIdOf(experiment, 2)];
    await waitUntil('the first job is running', () => jobStatus(ledger, running) === 'started', { context: () => group.logs() });

    const result = await group.runAar('cancel', ['cancel', '--experiment', experiment, '--json'], env.env);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { experiment: string; cancelled: string[] };
    expect(answer.experiment).toBe(experiment);
    expect([...answer.cancelled].sort()).toEqual([running, waiting].sort());

    const report = await pipeline.waitFor(experiment);
    expect(report.seeds).toEqual([]);
    expect(report.failed).toEqual([{ seed: 1, reason: expect.stringContaining('cancelled') }]);
    expect(jobStatus(ledger, waiting)).toBe('cancelled');
    await waitUntil('the worker logs the abort', () => worker.output().includes(`cancelled ${running}`));
    expect(worker.output()).not.toContain(`done ${running}`);

    const unknown = await group.runAar('cancel unknown', ['cancel', '--experiment', 'no-such-experiment'], env.env);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('--experiment');
  });
});
