import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobSpec } from '../../src/domain/experiment.js';
import type { ExperimentQueue, JobPolicy, QueueListener } from '../../src/queue/port.js';
import { ScriptedRunner } from '../../src/testing/scripted-runner.js';

export interface QueueUnderTest {
  queue: ExperimentQueue;
  runner: ScriptedRunner;
  close(): Promise<void>;
}

export type MakeQueue = (o: { runner: ScriptedRunner; concurrency: number; policy: JobPolicy }) => Promise<QueueUnderTest>;

const FAST: JobPolicy = { attempts: 3, backoffMs: 50, timeoutMs: 20_000 };

function spec(experimentId: string, seed: number, name = 'ok'): JobSpec {
  return { experimentId, task: 'spam', seed, method: { name, labels: 'soft', labelSmoothing: 0 } };
}

/** Waits for a queue event instead of sleeping. */
function next<K extends keyof QueueListener>(q: ExperimentQueue, event: K, jobId: string, timeoutMs = 15_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (off(), reject(new Error(`no "${event}" for ${jobId} within ${timeoutMs} ms`))), timeoutMs);
    const off = q.subscribe({
      [event]: (id: string, ...rest: unknown[]) => {
        if (id !== jobId) return;
        if (event === 'failed' && rest[1] === false) return;
        clearTimeout(t);
        off();
        resolve(rest);
      },
    } as QueueListener);
  });
}

/** The behaviour every ExperimentQueue adapter must have (hono-style shared suite). */
export function runQueueContract(name: string, make: MakeQueue): void {
  describe(`ExperimentQueue contract: ${name}`, () => {
    let current: QueueUnderTest | undefined;
    const open = async (o: { concurrency?: number; policy?: Partial<JobPolicy>; delayMs?: number } = {}) => {
      const runner = new ScriptedRunner({ delayMs: o.delayMs });
      current = await make({ runner, concurrency: o.concurrency ?? 2, policy: { ...FAST, ...o.policy } });
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('runs an enqueued job and delivers its result', async () => {
      const { queue, runner } = await open();
      const done = next(queue, 'completed', 'exp-a-s1');
      expect(await queue.enqueue(spec('exp-a', 1))).toEqual({ jobId: 'exp-a-s1', added: true });
      const [result] = await done;
      expect(result).toMatchObject({ student: { ids: ['item-0', 'item-1'], classes: [1, 0] }, ceiling: { ids: ['item-0', 'item-1'], classes: [0, 0] } });
      expect(await queue.outcome('exp-a-s1')).toMatchObject({ state: 'completed', result: { stats: { runner: 'scripted' } } });
      expect(runner.runsOf('exp-a-s1')).toBe(1);
    });

    it('runs a job enqueued twice only once', async () => {
      const { queue, runner } = await open({ delayMs: 100 });
      const done = next(queue, 'completed', 'exp-b-s1');
      expect((await queue.enqueue(spec('exp-b', 1))).added).toBe(true);
      expect((await queue.enqueue(spec('exp-b', 1))).added).toBe(false);
      await done;
      expect((await queue.enqueue(spec('exp-b', 1))).added).toBe(false);
      expect(runner.runsOf('exp-b-s1')).toBe(1);
    });

    it('reports progress', async () => {
      const { queue } = await open({ delayMs: 300 });
      const progress = next(queue, 'progress', 'exp-c-s1');
      await queue.enqueue(spec('exp-c', 1));
      const [p] = await progress;
      expect(p).toEqual({ fraction: 0.5, note: 'halfway' });
    });

    it('never retries a job whose runner says it cannot succeed', async () => {
      const { queue, runner } = await open();
      const failed = next(queue, 'failed', 'exp-d-s1');
      await queue.enqueue(spec('exp-d', 1, 'invalid'));
      const [reason, final] = await failed;
      expect(reason).toContain('invalid spec');
      expect(final).toBe(true);
      expect(await queue.outcome('exp-d-s1')).toMatchObject({ state: 'failed' });
      expect(runner.runsOf('exp-d-s1')).toBe(1);
    });

    it('retries transient failures with backoff, then succeeds', async () => {
      const { queue, runner } = await open();
      const done = next(queue, 'completed', 'exp-e-s1');
      await queue.enqueue(spec('exp-e', 1, 'flaky-2'));
      await done;
      expect(runner.runsOf('exp-e-s1')).toBe(3);
    });

    it('gives up after the configured attempts', async () => {
      const { queue, runner } = await open({ policy: { attempts: 2 } });
      const failed = next(queue, 'failed', 'exp-f-s1');
      await queue.enqueue(spec('exp-f', 1, 'flaky-5'));
      await failed;
      expect(runner.runsOf('exp-f-s1')).toBe(2);
    });

    it('cancels a waiting job before it runs and aborts a running one', async () => {
      const { queue, runner } = await open({ concurrency: 1 });
      const started = next(queue, 'active', 'exp-g-s1');
      await queue.enqueue(spec('exp-g', 1, 'slow'));
      await started;
      await queue.enqueue(spec('exp-g', 2));
      expect(await queue.cancel('exp-g-s2')).toBe(true);
      const failed = next(queue, 'failed', 'exp-g-s1');
      expect(await queue.cancel('exp-g-s1')).toBe(true);
      const [reason] = await failed;
      expect(String(reason)).toContain('cancelled');
      expect(runner.aborted).toContain('exp-g-s1');
      expect(runner.runsOf('exp-g-s1')).toBe(1);
      expect(runner.runsOf('exp-g-s2')).toBe(0);
      expect(['failed', 'missing']).toContain((await queue.outcome('exp-g-s2')).state);
      expect(await queue.cancel('no-such-job-s1')).toBe(false);
    });

    it('aborts a job that runs past its time limit', async () => {
      const { queue, runner } = await open({ policy: { timeoutMs: 200, attempts: 1 } });
      const failed = next(queue, 'failed', 'exp-h-s1');
      await queue.enqueue(spec('exp-h', 1, 'slow'));
      const [reason] = await failed;
      expect(String(reason)).toContain('timed out');
      expect(runner.aborted).toContain('exp-h-s1');
    });

    it('counts jobs and lists its workers', async () => {
      const { queue } = await open();
      const done = Promise.all([next(queue, 'completed', 'exp-i-s1'), next(queue, 'completed', 'exp-i-s2')]);
      await queue.enqueue(spec('exp-i', 1));
      await queue.enqueue(spec('exp-i', 2));
      await done;
      expect(await queue.counts()).toMatchObject({ completed: 2, active: 0, waiting: 0 });
      // Remote workers report through heartbeats: eventually consistent.
      await vi.waitFor(async () => {
        const workers = await queue.workers();
        expect(workers.length).toBeGreaterThanOrEqual(1);
        expect(workers[0]).toMatchObject({ runner: 'scripted', concurrency: 2 });
        expect(workers.reduce((a, w) => a + w.done, 0)).toBeGreaterThanOrEqual(2);
      });
    });
  });
}
