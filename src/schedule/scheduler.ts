import { schedule as cronSchedule, type Logger, type ScheduledTask } from 'node-cron';
import { InvalidInputError } from '../domain/errors.js';
import { JobSet, type JobFn, type JobOutcome } from './jobs.js';
import { timeZoneProblem } from './zoned-time.js';

export type { JobFn } from './jobs.js';

/** Runs named jobs on cron schedules. Adapters: CronScheduler (real timers), ManualScheduler (tests). */
export interface Scheduler {
  /** Runs `fn` whenever `cronExpr` matches; throws InvalidInputError for a bad expression or a taken name. */
  every(name: string, cronExpr: string, fn: JobFn): void;
  /** Stops all timers and waits for runs in flight; later calls to every and runNow throw. */
  stop(): Promise<void>;
  /** Runs a job at once (or waits for its run in flight) and rejects with its error if it fails. */
  runNow(name: string): Promise<void>;
}

/** Options of the node-cron adapter. */
export interface CronSchedulerOptions {
  /** IANA time zone the expressions are read in; default UTC. */
  timezone?: string;
  /** Where failures, skipped and missed runs are reported; default stderr. */
  log?: (line: string) => void;
  /**
   * How late a run may still start when the process was busy or asleep at its time; default 5
   * minutes. node-cron's own default (1 s) would drop the morning digest after any long pause.
   */
  lateToleranceMs?: number;
}

const defaultLog = (line: string) => process.stderr.write(`${line}\n`);

/** The Scheduler on node-cron: one task per job, read in one time zone, never overlapping itself. */
export class CronScheduler implements Scheduler {
  private readonly timezone: string;
  private readonly log: (line: string) => void;
  private readonly lateToleranceMs: number;
  private readonly jobs: JobSet;
  private readonly tasks = new Map<string, ScheduledTask>();

  /** Throws InvalidInputError (`schedule.timezone`) for an unknown time zone. */
  constructor(o: CronSchedulerOptions = {}) {
    this.timezone = o.timezone ?? 'UTC';
    const problem = timeZoneProblem(this.timezone);
    if (problem) throw new InvalidInputError('schedule', [{ field: 'schedule.timezone', problem }]);
    this.log = o.log ?? defaultLog;
    this.lateToleranceMs = o.lateToleranceMs ?? 5 * 60_000;
    this.jobs = new JobSet(this.log);
  }

  every(name: string, cronExpr: string, fn: JobFn): void {
    this.jobs.add(name, cronExpr, fn);
    const task = cronSchedule(
      cronExpr,
      // Returns the outcome instead of throwing, so node-cron never sees a failure to log twice.
      (ctx) => this.jobs.run(name, ctx.execution?.reason === 'invoked' ? 'invoked' : 'scheduled'),
      {
        name,
        timezone: this.timezone,
        noOverlap: true,
        missedExecutionTolerance: this.lateToleranceMs,
        logger: this.cronLogger(name),
      },
    );
    // A listener replaces node-cron's generic warning with one that names the job.
    task.on('execution:missed', (ctx) => this.log(`schedule: "${name}" missed its run at ${ctx.dateLocalIso} (the process was busy or asleep)`));
    this.tasks.set(name, task);
  }

  async runNow(name: string): Promise<void> {
    this.jobs.check(name);
    // execute() is node-cron's "run now": it bypasses the timer, not our one-run-at-a-time rule.
    const outcome = (await this.tasks.get(name)!.execute()) as JobOutcome;
    if (!outcome.ok) throw outcome.error;
  }

  async stop(): Promise<void> {
    // destroy() also drops the task from node-cron's process-wide registry.
    await Promise.all([...this.tasks.values()].map((t) => t.destroy()));
    this.tasks.clear();
    await this.jobs.stop();
  }

  /** node-cron's own messages (an overlap blocked, an internal error) tagged with the job. */
  private cronLogger(name: string): Logger {
    const text = (m: string | Error) => (m instanceof Error ? m.message : m);
    return {
      info: () => {},
      debug: () => {},
      warn: (m) => this.log(`schedule: "${name}": ${m}`),
      error: (m, err) => this.log(`schedule: "${name}": ${text(m)}${err ? `: ${err.message}` : ''}`),
    };
  }
}

/** A Scheduler without timers for tests: jobs run only through runNow. */
export class ManualScheduler implements Scheduler {
  private readonly jobs: JobSet;

  constructor(o: { log?: (line: string) => void } = {}) {
    this.jobs = new JobSet(o.log ?? (() => {}));
  }

  every(name: string, cronExpr: string, fn: JobFn): void {
    this.jobs.add(name, cronExpr, fn);
  }

  async runNow(name: string): Promise<void> {
    this.jobs.check(name);
    const outcome = await this.jobs.run(name, 'invoked');
    if (!outcome.ok) throw outcome.error;
  }

  async stop(): Promise<void> {
    await this.jobs.stop();
  }

  /** The registered jobs and their cron expressions, for assertions. */
  list(): { name: string; cron: string }[] {
    return this.jobs.list();
  }
}
