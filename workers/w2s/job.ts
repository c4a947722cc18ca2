import type { JobSpec } from '../../src/domain/experiment.js';
import type { SandboxLimits } from './method/code/sandbox.js';
import { runW2s } from './runner.js';
import { isTaskId, TASK_IDS } from './data/types.js';

/** One w2s job as a thread or a guarded child process receives it. */
export interface W2sJobRequest {
  spec: JobSpec;
  cacheDir: string;
  /** Limits for the method's code (its isolate); defaults: DEFAULT_SANDBOX_LIMITS. */
  sandbox?: Partial<SandboxLimits>;
}

export type W2sJobMessage =
  | { type: 'progress'; fraction: number; note: string }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; retry: boolean };

/**
 * Runs one job and reports through `post`: progress, then a result or an error. Shared by the
 * worker-thread entry (jobs without method code) and the guarded child process (jobs with it).
 */
export function runW2sJob(req: W2sJobRequest, post: (m: W2sJobMessage) => void): void {
  const { spec, cacheDir } = req;
  if (!isTaskId(spec.task)) {
    post({ type: 'error', message: `the w2s runner has no task "${spec.task}"; accepted: ${TASK_IDS.join(', ')}`, retry: false });
    return;
  }
  try {
    post({ type: 'progress', fraction: 0.05, note: 'loading features' });
    const out = runW2s({ task: spec.task, seed: spec.seed, method: spec.method, cacheDir, sandbox: req.sandbox });
    post({ type: 'result', result: { student: out.student, weak: out.weak, ceiling: out.ceiling, stats: out.stats } });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), retry: false });
  }
}
