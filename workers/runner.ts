import type { JobResult, JobSpec } from '../src/domain/experiment.js';

/** Progress a runner reports while it trains: a fraction and an optional note (step, loss). */
export interface RunProgress {
  fraction: number;
  note?: string;
}

export interface RunContext {
  /** Aborted on cancellation, timeout or worker shutdown; a runner must stop promptly. */
  signal: AbortSignal;
  progress(p: RunProgress): void;
}

/**
 * Runs one job and returns predictions. Throw a RunnerError with `retry: false` for failures
 * that will fail again (invalid spec, a trainer that prints garbage), `retry: true` for
 * transient ones.
 */
export interface Runner {
  readonly name: string;
  run(spec: JobSpec, ctx: RunContext): Promise<JobResult>;
  close?(): Promise<void>;
}
