// Entry of a w2s worker thread: trains one job at a time, off the main event loop, so a
// queue (BullMQ lock renewal, progress, SIGTERM) stays responsive while experiments run.
import { parentPort } from 'node:worker_threads';
import type { JobSpec } from '../../src/domain/experiment.js';
import { runW2s } from './runner.js';
import { isTaskId, TASK_IDS } from './data/types.js';

export interface ThreadRequest {
  spec: JobSpec;
  cacheDir: string;
}

export type ThreadMessage =
  | { type: 'progress'; fraction: number; note: string }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; retry: boolean };

parentPort?.on('message', (req: ThreadRequest) => {
  const post = (m: ThreadMessage) => parentPort!.postMessage(m);
  const { spec, cacheDir } = req;
  if (!isTaskId(spec.task)) {
    post({ type: 'error', message: `the w2s runner has no task "${spec.task}"; accepted: ${TASK_IDS.join(', ')}`, retry: false });
    return;
  }
  try {
    post({ type: 'progress', fraction: 0.05, note: 'loading features' });
    const out = runW2s({ task: spec.task, seed: spec.seed, method: spec.method, cacheDir });
    post({
      type: 'result',
      result: {
        student: out.student,
        weak: out.weak,
        ceiling: out.ceiling,
        stats: out.stats,
      },
    });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), retry: false });
  }
});
