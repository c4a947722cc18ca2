import { RunnerError } from '../src/domain/errors.js';
import type { BaselinesResult, JobResult, JobSpec } from '../src/domain/experiment.js';

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
  /** A trusted baselines job (`spec.phase: "baselines"`): weak teacher and ceiling, no agent code. */
  runBaselines?(spec: JobSpec, ctx: RunContext): Promise<BaselinesResult>;
  close?(): Promise<void>;
}

/** Runs a job on the runner's entry point for its phase; a runner without a trusted phase refuses baselines jobs. */
export function runJob(runner: Runner, spec: JobSpec, ctx: RunContext): Promise<JobResult | BaselinesResult> {
  if (spec.phase !== 'baselines') return runner.run(spec, ctx);
  if (!runner.runBaselines) {
    return Promise.reject(new RunnerError(`the ${runner.name} runner has no trusted baselines phase; run trusted baselines jobs on command workers (AAR_BASELINES=trainer)`, { retry: false }));
  }
  return runner.runBaselines(spec, ctx);
}
