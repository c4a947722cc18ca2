import { afterEach, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openPipeline, type OpenPipeline } from '../../src/pipeline/setup.js';
import { crashEnv, dropQueue, type CrashEnv } from './crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from './processes.js';

/**
 * The world of a test that runs `aar worker` processes against real Redis and an in-process
 * coordinator: registers setup and a teardown that kills every process, closes the pipeline
 * and drops the test's queue, even when the test failed half-way.
 */
export function useWorkerHarness(prefix: string) {
  const h = {
    group: undefined as unknown as ProcessGroup,
    env: undefined as unknown as CrashEnv,
    pipeline: undefined as OpenPipeline | undefined,
    /** Opens the coordinator side (ledger, BullMQ queue, pipeline) with the test's environment. */
    async openPipeline(): Promise<OpenPipeline> {
      h.pipeline = await openPipeline(loadConfig(h.env.env));
      return h.pipeline;
    },
    /** Starts `aar worker` (w2s runner) and resolves once it is taking jobs. */
    async startWorker(name: string, concurrency = 1): Promise<Proc> {
      const w = h.group.aar(name, ['worker', '--concurrency', String(concurrency)], h.env.env);
      return waitUntil(
        `${name} is ready`,
        () => {
          if (!w.alive()) throw new Error(`${name} exited:\n${w.output()}`);
          return / ready: runner w2s/.test(w.output()) && w;
        },
        { timeoutMs: 30_000 },
      );
    },
  };
  beforeEach(() => {
    h.group = new ProcessGroup();
    h.env = crashEnv({ prefix });
  });
  afterEach(async () => {
    await h.group.killAll();
    await h.pipeline?.close();
    h.pipeline = undefined;
    await dropQueue(h.env.redisUrl, h.env.queueName);
    h.env.cleanup();
  });
  return h;
}
