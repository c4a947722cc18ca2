import { AarError, InvalidInputError } from '../domain/errors.js';
import { cronProblem } from './cron-expression.js';

/** The work of one scheduled job; may be async. Its result is ignored. */
export type JobFn = () => unknown;

/** How one run of a job ended. */
export type JobOutcome = { ok: true } | { ok: false; error: unknown };

/** Why a run starts: its cron time came, or someone asked for it now. */
export type RunReason = 'scheduled' | 'invoked';

interface Job {
  cron: string;
  fn: JobFn;
  running?: Promise<JobOutcome>;
}

/**
 * The named jobs of one scheduler and the rules every adapter shares: one run of a job at a
 * time, failures logged and contained, nothing added after stop.
 */
export class JobSet {
  private readonly jobs = new Map<string, Job>();
  private stopped = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Registers a job; throws InvalidInputError for a bad or taken name or a bad cron expression. */
  add(name: string, cron: string, fn: JobFn): void {
    if (this.stopped) throw new AarError('scheduler_stopped', `cannot schedule "${name}": the scheduler is stopped`);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
      throw new InvalidInputError('scheduled job', [{ field: 'name', problem: `"${name}"; accepted: lower-case letters, digits and dashes, 1-63 characters` }]);
    }
    if (this.jobs.has(name)) throw new InvalidInputError('scheduled job', [{ field: 'name', problem: `"${name}" is already scheduled; names must be unique` }]);
    const problem = cronProblem(cron);
    if (problem) throw new InvalidInputError('scheduled job', [{ field: `${name}.cron`, problem }]);
    this.jobs.set(name, { cron, fn });
  }

  /** The registered jobs and their cron expressions, in registration order. */
  list(): { name: string; cron: string }[] {
    return [...this.jobs].map(([name, j]) => ({ name, cron: j.cron }));
  }

  /** Throws unless `name` is a registered job and the scheduler still runs. */
  check(name: string): void {
    if (this.stopped) throw new AarError('scheduler_stopped', `cannot run "${name}": the scheduler is stopped`);
    if (!this.jobs.has(name)) {
      const known = [...this.jobs.keys()].join(', ') || 'none';
      throw new InvalidInputError('job', [{ field: 'name', problem: `no job "${name}"; scheduled: ${known}` }]);
    }
  }

  /**
   * Runs a job, never rejecting: a failure is logged and returned. While a run is in flight, a
   * scheduled run is skipped and an invoked one waits for it, so a job never overlaps itself.
   */
  run(name: string, reason: RunReason): Promise<JobOutcome> {
    const job = this.jobs.get(name);
    if (!job) return Promise.resolve({ ok: false, error: new AarError('unknown_job', `no job "${name}"`) });
    if (job.running) {
      if (reason === 'invoked') return job.running;
      this.log(`schedule: "${name}" is still running; this run is skipped`);
      return Promise.resolve({ ok: true });
    }
    const run = this.guarded(name, job.fn).finally(() => {
      job.running = undefined;
    });
    job.running = run;
    return run;
  }

  /** Refuses new jobs and runs from now on, and waits for the runs in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.jobs.values()].map((j) => j.running));
  }

  private async guarded(name: string, fn: JobFn): Promise<JobOutcome> {
    try {
      await fn();
      return { ok: true };
    } catch (error) {
      // A job's failure is its own: logged here so the timer, and every other job, carry on.
      this.log(`schedule: "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      return { ok: false, error };
    }
  }
}
