import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { parseOrThrow } from '../../src/domain/validate.js';
import { ScheduleSchema, startCampaignSchedule } from '../../src/schedule/campaign-schedule.js';
import { CronScheduler, ManualScheduler } from '../../src/schedule/scheduler.js';

const MINUTE = 60_000;

function callbacks() {
  return { onDigest: vi.fn(), onLeaderboard: vi.fn(), onReap: vi.fn(), onBudgetGuard: vi.fn() };
}

describe('startCampaignSchedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('registers the four campaign jobs with their default times', () => {
    const scheduler = new ManualScheduler();
    startCampaignSchedule({ scheduler, ...callbacks() });
    expect(scheduler.list()).toEqual([
      { name: 'digest', cron: '0 8 * * *' },
      { name: 'leaderboard', cron: '0 * * * *' },
      { name: 'reaper', cron: '*/10 * * * *' },
      { name: 'budget-guard', cron: '* * * * *' },
    ]);
  });

  it('takes the times it is given and runs each callback by name', async () => {
    const scheduler = new ManualScheduler();
    const cb = callbacks();
    const schedule = startCampaignSchedule({ scheduler, digestCron: '30 7 * * 1-5', leaderboardCron: '*/30 * * * *', reaperCron: '*/5 * * * *', guardCron: '*/2 * * * *', ...cb });
    expect(scheduler.list().map((j) => j.cron)).toEqual(['30 7 * * 1-5', '*/30 * * * *', '*/5 * * * *', '*/2 * * * *']);
    await schedule.runNow('digest');
    await schedule.runNow('leaderboard');
    await schedule.runNow('reaper');
    await schedule.runNow('budget-guard');
    for (const fn of Object.values(cb)) expect(fn).toHaveBeenCalledTimes(1);
    await schedule.stop();
    await expect(scheduler.runNow('digest')).rejects.toThrow(/stopped/);
  });

  it('on node-cron, an overnight hour runs each job at its times in the campaign zone', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-15T06:30:00Z')); // 07:30 in Paris
    const cb = callbacks();
    const schedule = startCampaignSchedule({ scheduler: new CronScheduler({ timezone: 'Europe/Paris', log: () => {} }), ...cb });
    await vi.advanceTimersByTimeAsync(60 * MINUTE); // to 08:30 Paris
    expect(cb.onDigest).toHaveBeenCalledTimes(1);
    expect(cb.onLeaderboard).toHaveBeenCalledTimes(1);
    expect(cb.onReap).toHaveBeenCalledTimes(6);
    expect(cb.onBudgetGuard).toHaveBeenCalledTimes(60);
    await schedule.stop();
  });
});

describe('ScheduleSchema', () => {
  it('fills every default from an empty section', () => {
    expect(ScheduleSchema.parse({})).toEqual({ timezone: 'UTC', active: [], digest: '0 8 * * *', leaderboard: '0 * * * *' });
  });

  it('accepts a full section', () => {
    const s = { timezone: 'Europe/Paris', active: ['* 22-23,0-6 * * *', '* * * * sat,sun'], digest: '0 7 * * 1-5', leaderboard: '@hourly' };
    expect(ScheduleSchema.parse(s)).toEqual(s);
  });

  it('names each bad expression, the bad zone and unknown fields at once', () => {
    let err: unknown;
    try {
      parseOrThrow(ScheduleSchema, { timezone: 'Paris', active: ['* 22-23 * * *', '* 25 * * *'], digest: '8am', reaper: 'x' }, 'campaign', 'schedule');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const problems = (err as InvalidInputError).problems;
    expect(problems.map((p) => p.field)).toEqual(['schedule.reaper', 'schedule.timezone', 'schedule.active.1', 'schedule.digest']);
    expect(problems[0].problem).toBe('unknown field; accepted here: timezone, active, digest, leaderboard');
    expect(problems[1].problem).toMatch(/"Paris" is not a known time zone; accepted: an IANA/);
    expect(problems[2].problem).toMatch(/hour 25 is outside 0-23/);
    expect(problems[3].problem).toMatch(/has 1 fields; accepted: 5 fields/);
  });

  it('a wrong type fails before any expression is checked', () => {
    const r = ScheduleSchema.safeParse({ active: '* 22-23 * * *' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['active']);
  });
});
