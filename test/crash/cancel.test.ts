import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { jobIdOf } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { openPipeline, type OpenPipeline } from '../../src/pipeline/setup.js';
import { crashEnv, dropQueue, jobStatus, SLOW_METHOD, type CrashEnv } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';

let group: ProcessGroup;
let env: CrashEnv;
let p: OpenPipeline | undefined;

beforeEach(() => {
  group = new ProcessGroup();
  env = crashEnv({ prefix: 'cancel' });
});

afterEach(async () => {
  await group.killAll();
  await p?.close();
  p = undefined;
  await dropQueue(env.redisUrl, env.queueName);
  env.cleanup();
});

describe('aar cancel', () => {
  it('aborts the running job on its worker and removes the waiting one', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const worker = group.aar('worker', ['worker', '--concurrency', '1'], env.env);
    await waitUntil('the worker is ready', () => / ready: runner w2s/.test(worker.output()), { timeoutMs: 30_000 });
    p = await openPipeline(loadConfig(env.env));
    const { ledger, pipeline } = p;
    const experiment = await pipeline.submit({ task: 'spam', method: parseMethod(SLOW_METHOD), seeds: [1, 2] });
    const [running, waiting] = [jobIdOf(experiment, 1), jobIdOf(experiment, 2)];
    await waitUntil('the first job is running', () => jobStatus(ledger, running) === 'started', { context: () => group.logs() });

    const result = await group.runAar('cancel', ['cancel', '--experiment', experiment, '--json'], env.env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({ experiment, cancelled: [running, waiting] });

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
