import { getTasks } from 'node-cron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AarError, InvalidInputError } from '../../src/domain/errors.js';
import { CronScheduler, ManualScheduler, type Scheduler } from '../../src/schedule/scheduler.js';

const MINUTE = 60_000;

/** A promise the test settles by hand, to hold a job in flight. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('CronScheduler (vitest fake timers drive node-cron)', () => {
  let lines: string[];
  let scheduler: CronScheduler;

  beforeEach(() => {
    vi.useFakeTimers();
    // 06:30 UTC on a Wednesday in January: 07:30 in Paris.
    vi.setSystemTime(new Date('2025-01-15T06:30:00Z'));
    lines = [];
    scheduler = new CronScheduler({ timezone: 'Europe/Paris', log: (l) => lines.push(l) });
  });

  afterEach(async () => {
    await scheduler.stop();
    vi.useRealTimers();
  });

  it('runs an hourly job once when time passes the hour', async () => {
    const leaderboard = vi.fn();
    scheduler.every('leaderboard', '0 * * * *', leaderboard);
    await vi.advanceTimersByTimeAsync(29 * MINUTE);
    expect(leaderboard).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2 * MINUTE); // 07:01 UTC
    expect(leaderboard).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(58 * MINUTE); // 07:59 UTC
    expect(leaderboard).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(leaderboard).toHaveBeenCalledTimes(2);
  });

  it('runs the digest at 08:00 in the scheduler zone, not at 08:00 UTC', async () => {
    const digest = vi.fn();
    scheduler.every('digest', '0 8 * * *', digest);
    await vi.advanceTimersByTimeAsync(29 * MINUTE + 59_000); // 06:59:59 UTC
    expect(digest).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000); // 07:00 UTC = 08:00 Paris
    expect(digest).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(90 * MINUTE); // past 08:00 UTC
    expect(digest).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(24 * 60 * MINUTE); // the next morning
    expect(digest).toHaveBeenCalledTimes(2);
  });

  it('logs a failing job and keeps it and the other jobs running', async () => {
    const good = vi.fn();
    scheduler.every('bad', '* * * * *', async () => {
      throw new Error('boom');
    });
    scheduler.every('good', '* * * * *', good);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(good).toHaveBeenCalledTimes(3);
    expect(lines.filter((l) => l === 'schedule: "bad" failed: boom')).toHaveLength(3);
  });

  it('contains a job that throws synchronously', async () => {
    scheduler.every('sync-bad', '* * * * *', () => {
      throw new Error('sync boom');
    });
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(lines).toContain('schedule: "sync-bad" failed: sync boom');
  });

  it('stop() stops every job and unregisters them from node-cron', async () => {
    const before = getTasks().size;
    const a = vi.fn();
    const b = vi.fn();
    scheduler.every('a', '* * * * *', a);
    scheduler.every('b', '*/10 * * * *', b);
    expect(getTasks().size).toBe(before + 2);
    await vi.advanceTimersByTimeAsync(MINUTE);
    await scheduler.stop();
    expect(getTasks().size).toBe(before);
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
    expect(() => scheduler.every('c', '* * * * *', a)).toThrow(AarError);
    await expect(scheduler.runNow('a')).rejects.toThrow(/stopped/);
  });

  it('stop() waits for a run in flight', async () => {
    const g = gate();
    let finished = false;
    scheduler.every('slow', '* * * * *', async () => {
      await g.promise;
      finished = true;
    });
    await vi.advanceTimersByTimeAsync(MINUTE);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    g.open();
    await stopping;
    expect(finished).toBe(true);
  });

  it('runNow runs a job at once, without advancing time', async () => {
    const digest = vi.fn();
    scheduler.every('digest', '0 8 * * *', digest);
    await scheduler.runNow('digest');
    expect(digest).toHaveBeenCalledTimes(1);
    expect(Date.now()).toBe(new Date('2025-01-15T06:30:00Z').getTime());
  });

  it('runNow rejects with the job error (and logs it) but the schedule goes on', async () => {
    let calls = 0;
    scheduler.every('flaky', '* * * * *', () => {
      calls++;
      if (calls === 1) throw new Error('first time');
    });
    await expect(scheduler.runNow('flaky')).rejects.toThrow('first time');
    expect(lines).toContain('schedule: "flaky" failed: first time');
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(calls).toBe(2);
  });

  it('runNow of an unknown job names the jobs there are', async () => {
    scheduler.every('digest', '0 8 * * *', () => {});
    const err = await scheduler.runNow('digets').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems[0]).toEqual({ field: 'name', problem: 'no job "digets"; scheduled: digest' });
  });

  it('never overlaps a job with itself: a tick during a run is skipped, runNow joins the run', async () => {
    const g = gate();
    const fn = vi.fn(() => g.promise);
    scheduler.every('reaper', '* * * * *', fn);
    await vi.advanceTimersByTimeAsync(MINUTE); // first tick starts a run that hangs
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(MINUTE); // second tick: still running
    expect(fn).toHaveBeenCalledTimes(1);
    expect(lines).toEqual(['schedule: "reaper": task still running, new execution blocked by overlap prevention!']);
    let joined = false;
    const now = scheduler.runNow('reaper').then(() => (joined = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(joined).toBe(false);
    g.open();
    await now;
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('skips a tick that comes while a runNow is in flight (node-cron does not track invoked runs)', async () => {
    const g = gate();
    const fn = vi.fn(() => g.promise);
    scheduler.every('reaper', '* * * * *', fn);
    const now = scheduler.runNow('reaper');
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(lines).toEqual(['schedule: "reaper" is still running; this run is skipped']);
    g.open();
    await now;
  });

  it('refuses a bad expression, a taken name and a bad zone, naming the field', () => {
    expect(() => scheduler.every('digest', '0 8 * *', () => {})).toThrow(/digest\.cron: "0 8 \* \*" has 4 fields/);
    scheduler.every('digest', '0 8 * * *', () => {});
    expect(() => scheduler.every('digest', '0 9 * * *', () => {})).toThrow(/"digest" is already scheduled/);
    expect(() => scheduler.every('Bad Name', '* * * * *', () => {})).toThrow(/lower-case letters/);
    try {
      new CronScheduler({ timezone: 'Europe/Pariss' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).problems[0].field).toBe('schedule.timezone');
    }
  });

  // setSystemTime moves the clock without firing timers and keeps them relative, so the
  // 07:00 timer fires 72 s after its slot: what a long synchronous block does to node-cron.
  it('still runs a slot that comes late because the event loop was blocked', async () => {
    const fn = vi.fn();
    scheduler.every('leaderboard', '0 * * * *', fn);
    await vi.advanceTimersByTimeAsync(29 * MINUTE);
    vi.setSystemTime(Date.now() + 72_000);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([]);
  });

  it('logs a slot it gave up on as missed, naming the job', async () => {
    const strict = new CronScheduler({ timezone: 'Europe/Paris', log: (l) => lines.push(l), lateToleranceMs: 1_000 });
    const fn = vi.fn();
    strict.every('leaderboard', '0 * * * *', fn);
    await vi.advanceTimersByTimeAsync(29 * MINUTE);
    vi.setSystemTime(Date.now() + 72_000);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fn).not.toHaveBeenCalled();
    expect(lines).toEqual(['schedule: "leaderboard" missed its run at 2025-01-15T08:00:00.000+01:00 (the process was busy or asleep)']);
    await strict.stop();
  });
});

describe('ManualScheduler', () => {
  it('registers jobs, runs them only through runNow, and propagates failures', async () => {
    const lines: string[] = [];
    const s: Scheduler & ManualScheduler = new ManualScheduler({ log: (l) => lines.push(l) });
    const digest = vi.fn();
    s.every('digest', '0 8 * * *', digest);
    s.every('bad', '* * * * *', () => {
      throw new Error('nope');
    });
    expect(s.list()).toEqual([
      { name: 'digest', cron: '0 8 * * *' },
      { name: 'bad', cron: '* * * * *' },
    ]);
    expect(digest).not.toHaveBeenCalled();
    await s.runNow('digest');
    expect(digest).toHaveBeenCalledTimes(1);
    await expect(s.runNow('bad')).rejects.toThrow('nope');
    expect(lines).toEqual(['schedule: "bad" failed: nope']);
    await expect(s.runNow('missing')).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => s.every('x', 'every minute', () => {})).toThrow(InvalidInputError);
    await s.stop();
    await expect(s.runNow('digest')).rejects.toThrow(/stopped/);
  });
});
