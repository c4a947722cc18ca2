import { describe, expect, it } from 'vitest';
import { cronProblem, matchesCron, parseCron, type CronExpression } from '../../src/schedule/cron-expression.js';
import { timeZoneProblem, wallClock, zonedParts } from '../../src/schedule/zoned-time.js';

function parsed(expr: string): CronExpression {
  const r = parseCron(expr);
  if (!r.ok) throw new Error(r.problem);
  return r.value;
}

const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);

describe('parseCron', () => {
  it('expands numbers, ranges, lists and steps', () => {
    const c = parsed('*/15 22-23,0-6 1,15 * *');
    expect(sorted(c.minutes)).toEqual([0, 15, 30, 45]);
    expect(sorted(c.hours)).toEqual([0, 1, 2, 3, 4, 5, 6, 22, 23]);
    expect(sorted(c.days)).toEqual([1, 15]);
    expect(c.months.size).toBe(12);
    expect(c.weekdays.size).toBe(7);
    expect(sorted(parsed('0 0 * * 1-5').weekdays)).toEqual([1, 2, 3, 4, 5]);
    expect(sorted(parsed('0 8-18/4 * * *').hours)).toEqual([8, 12, 16]);
  });

  it('reads month and weekday names and 7 as Sunday', () => {
    expect(sorted(parsed('0 0 * jan,Mar-may *').months)).toEqual([1, 3, 4, 5]);
    expect(sorted(parsed('0 0 * * mon-fri').weekdays)).toEqual([1, 2, 3, 4, 5]);
    expect(sorted(parsed('0 0 * * saturday,sunday').weekdays)).toEqual([0, 6]);
    expect(sorted(parsed('0 0 * * 5-7').weekdays)).toEqual([0, 5, 6]);
  });

  it('wraps a reversed range around, as node-cron does', () => {
    expect(sorted(parsed('* 22-2 * * *').hours)).toEqual([0, 1, 2, 22, 23]);
    expect(sorted(parsed('* * * * fri-mon').weekdays)).toEqual([0, 1, 5, 6]);
  });

  it('accepts nicknames', () => {
    expect(sorted(parsed('@hourly').minutes)).toEqual([0]);
    expect(sorted(parsed('@daily').hours)).toEqual([0]);
  });

  it.each([
    ['* * * *', /has 4 fields/],
    ['0 * * * * *', /has 6 fields/],
    ['60 * * * *', /minute 60 is outside 0-59/],
    ['* 24 * * *', /hour 24 is outside 0-23/],
    ['* * 0 * *', /day-of-month 0 is outside 1-31/],
    ['* * * 13 *', /month 13 is outside 1-12/],
    ['*/0 * * * *', /step "0".*at least 1/],
    ['5/15 * * * *', /a step needs \* or a range \(write 5-59\/15\)/],
    ['* * L * *', /"L" is not a day-of-month value/],
    ['* * * * mon#2', /not a day-of-week value/],
    ['0 0 13 * fri', /restricts both day-of-month and day-of-week/],
    ['1-2-3 * * * *', /not a minute range/],
  ])('refuses %s, saying what is accepted', (expr, why) => {
    const r = parseCron(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toMatch(why);
      expect(r.problem).toContain('accepted: 5 fields');
    }
  });
});

describe('cronProblem', () => {
  it('is undefined when both this parser and node-cron accept the expression', () => {
    for (const e of ['* 22-23,0-6 * * *', '* * * * 1-5', '0 8 * * *', '*/10 * * * *', '0 0 * * sun', '@hourly', '* 22-6 * * *']) {
      expect(cronProblem(e), e).toBeUndefined();
    }
  });

  it('also reports what node-cron refuses', () => {
    expect(cronProblem('0 0 30 2 *')).toMatch(/impossible day of month/);
  });

  it('refuses what is not a string', () => {
    expect(cronProblem(5)).toMatch(/expected a cron expression/);
  });
});

describe('matchesCron with zoned parts', () => {
  it('matches on the wall clock of the zone', () => {
    const nights = parsed('* 22-23,0-6 * * *');
    const at = new Date('2025-07-01T21:30:00Z'); // 23:30 in Paris (summer, UTC+2), 21:30 UTC
    expect(matchesCron(nights, zonedParts(at, 'Europe/Paris'))).toBe(true);
    expect(matchesCron(nights, zonedParts(at, 'UTC'))).toBe(false);
  });

  it('gives midnight as hour 0 and the local weekday', () => {
    expect(zonedParts(new Date('2025-01-17T23:00:00Z'), 'Europe/Paris')).toEqual({ year: 2025, month: 1, day: 18, hour: 0, minute: 0, weekday: 6 });
  });

  it('wallClock prints the local day and time', () => {
    expect(wallClock(new Date('2025-01-15T21:00:00Z'), 'Europe/Paris')).toBe('Wed 22:00');
    expect(wallClock(new Date('2025-01-15T21:00:00Z'), 'UTC')).toBe('Wed 21:00');
  });

  it('timeZoneProblem accepts IANA names and refuses the rest', () => {
    expect(timeZoneProblem('Europe/Paris')).toBeUndefined();
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus')).toMatch(/not a known time zone; accepted: an IANA/);
    expect(timeZoneProblem('')).toMatch(/expected an IANA/);
    expect(timeZoneProblem(undefined)).toMatch(/expected an IANA/);
  });
});
