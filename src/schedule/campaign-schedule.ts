import { z } from 'zod';
import { cronProblem } from './cron-expression.js';
import type { JobFn, Scheduler } from './scheduler.js';
import { timeZoneProblem } from './zoned-time.js';

const DIGEST = '0 8 * * *';
const LEADERBOARD = '0 * * * *';
const REAPER = '*/10 * * * *';
const GUARD = '* * * * *';

/** The names the campaign's jobs are registered under (for runNow and logs). */
export const CAMPAIGN_JOBS = ['digest', 'leaderboard', 'reaper', 'budget-guard'] as const;

/**
 * The campaign file's `schedule` section. Every cron expression and the time zone are checked
 * here, so a typo fails at start-up naming its field (`schedule.active.1`), not at 3 a.m.
 */
export const ScheduleSchema = z
  .strictObject({
    /** IANA zone all expressions are read in. */
    timezone: z.string().default('UTC'),
    /** When agents may work (cron expressions, any matching minute); empty: always. */
    active: z.array(z.string()).default([]),
    /** When the digest for people is posted. */
    digest: z.string().default(DIGEST),
    /** When the leaderboard is reviewed and leader changes announced. */
    leaderboard: z.string().default(LEADERBOARD),
  })
  .superRefine((s, ctx) => {
    const zone = timeZoneProblem(s.timezone);
    if (zone) ctx.addIssue({ code: 'custom', path: ['timezone'], message: zone });
    s.active.forEach((expr, i) => {
      const problem = cronProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', path: ['active', i], message: problem });
    });
    for (const key of ['digest', 'leaderboard'] as const) {
      const problem = cronProblem(s[key]);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  });

/** The parsed `schedule` section. */
export type ScheduleConfig = z.output<typeof ScheduleSchema>;

/** What the campaign schedules; it owns the callbacks, this module only decides when they run. */
export interface CampaignScheduleOptions {
  scheduler: Scheduler;
  /** Default '0 8 * * *'. */
  digestCron?: string;
  /** Default '0 * * * *'. */
  leaderboardCron?: string;
  /** Default every 10 minutes: collect results of lost or finished jobs, re-enqueue the lost. */
  reaperCron?: string;
  /** Default every minute: stop new work once a budget cap is reached. */
  guardCron?: string;
  onDigest: JobFn;
  onLeaderboard: JobFn;
  onReap: JobFn;
  onBudgetGuard: JobFn;
}

/** The running campaign schedule. */
export interface CampaignSchedule {
  /** Runs one of the campaign's jobs at once (e.g. for a human's "digest now"). */
  runNow(name: (typeof CAMPAIGN_JOBS)[number]): Promise<void>;
  /** Stops the scheduler and waits for jobs in flight. */
  stop(): Promise<void>;
}

/** Registers the digest, leaderboard, reaper and budget-guard jobs on `o.scheduler`. */
export function startCampaignSchedule(o: CampaignScheduleOptions): CampaignSchedule {
  const s = o.scheduler;
  s.every('digest', o.digestCron ?? DIGEST, o.onDigest);
  s.every('leaderboard', o.leaderboardCron ?? LEADERBOARD, o.onLeaderboard);
  s.every('reaper', o.reaperCron ?? REAPER, o.onReap);
  s.every('budget-guard', o.guardCron ?? GUARD, o.onBudgetGuard);
  return { runNow: (name) => s.runNow(name), stop: () => s.stop() };
}
