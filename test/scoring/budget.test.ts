import { describe, expect, it } from 'vitest';
import { AarError, InvalidInputError } from '../../src/domain/errors.js';
import { ScoreBudget, ScoreBudgetExceededError, type ScoreBudgetOptions } from '../../src/scoring/budget.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A fake clock and a sleep that advances it, recording every requested wait. */
function fakeTime() {
  const t = { now: 1_700_000_000_000, sleeps: [] as number[] };
  return {
    t,
    now: () => t.now,
    sleep: async (ms: number) => {
      t.sleeps.push(ms);
      t.now += ms;
    },
  };
}

function budget(o: Partial<ScoreBudgetOptions> = {}) {
  const time = fakeTime();
  const b = new ScoreBudget({ perHour: 12, mode: 'refuse', now: time.now, sleep: time.sleep, ...o });
  return { b, time };
}

async function refusal(p: Promise<unknown>): Promise<ScoreBudgetExceededError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScoreBudgetExceededError);
  return err as ScoreBudgetExceededError;
}

describe('refuse mode', () => {
  it('allows a burst, then refuses with the time until the next token', async () => {
    // 12 per hour: one token every 5 min; default burst ceil(12/4) = 3.
    const { b } = budget();
    expect(b.remaining('a1')).toBe(3);
    await b.take('a1');
    await b.take('a1');
    await b.take('a1');
    expect(b.remaining('a1')).toBe(0);

    const err = await refusal(b.take('a1'));
    expect(err).toBeInstanceOf(AarError);
    expect(err.code).toBe('score_budget_exceeded');
    expect(err.agent).toBe('a1');
    expect(err.perHour).toBe(12);
    expect(err.retryAfterMs).toBe(5 * MIN);
    expect(err.message).toBe('agent "a1" has used its scoring budget (12 scores per hour); the next score is available in 5 min');
    // A refusal spends nothing.
    expect(b.remaining('a1')).toBe(0);
  });

  it('counts down retryAfterMs as time passes and refills continuously', async () => {
    const { b, time } = budget();
    for (let i = 0; i < 3; i++) await b.take('a1');

    time.t.now += 4 * MIN;
    const err = await refusal(b.take('a1'));
    expect(err.retryAfterMs).toBe(1 * MIN);
    expect(err.message).toContain('available in 1 min');

    time.t.now += 1 * MIN - 1;
    expect((await refusal(b.take('a1'))).retryAfterMs).toBe(1);
    expect((await refusal(b.take('a1'))).message).toContain('available in 1 s');

    time.t.now += 1;
    expect(b.remaining('a1')).toBe(1);
    await b.take('a1');
    expect(b.remaining('a1')).toBe(0);
  });

  it('waiting exactly retryAfterMs is always enough, whatever the rate', async () => {
    for (const perHour of [7, 12, 0.5, 3600, 1000]) {
      const { b, time } = budget({ perHour, burst: 1 });
      await b.take('a1');
      for (let i = 0; i < 5; i++) {
        const err = await refusal(b.take('a1'));
        expect(err.retryAfterMs).toBeGreaterThan(0);
        time.t.now += err.retryAfterMs;
        await b.take('a1');
      }
    }
  });

  it('refills no further than the burst', async () => {
    const { b, time } = budget({ perHour: 12, burst: 2 });
    time.t.now += 10 * HOUR;
    expect(b.remaining('a1')).toBe(2);
    await b.take('a1');
    await b.take('a1');
    await refusal(b.take('a1'));
    // Tokens accrue from the first take on, not from before the agent was first seen.
    const { b: fresh, time: t2 } = budget({ perHour: 12, burst: 2 });
    t2.t.now += 10 * HOUR;
    await fresh.take('new');
    expect(fresh.remaining('new')).toBe(1);
  });

  it('keeps each agent to its own bucket', async () => {
    const { b } = budget({ burst: 1 });
    await b.take('a1');
    await refusal(b.take('a1'));
    expect(b.remaining('a2')).toBe(1);
    await b.take('a2');
    const err = await refusal(b.take('a2'));
    expect(err.agent).toBe('a2');
    expect(err.message).toContain('agent "a2"');
  });

  it('defaults the burst to a quarter of the hourly budget, at least one', () => {
    const time = fakeTime();
    const burstOf = (perHour: number) => new ScoreBudget({ perHour, mode: 'refuse', now: time.now }).remaining('x');
    expect(burstOf(12)).toBe(3);
    expect(burstOf(10)).toBe(3);
    expect(burstOf(1)).toBe(1);
    expect(burstOf(0.25)).toBe(1);
    expect(burstOf(100)).toBe(25);
  });

  it('is not fooled by a clock that steps backwards', async () => {
    const { b, time } = budget({ burst: 1 });
    await b.take('a1');
    time.t.now -= HOUR;
    await refusal(b.take('a1'));
    time.t.now += HOUR + 5 * MIN;
    await b.take('a1');
  });

  it('words the message for long waits and a budget of one', async () => {
    const { b } = budget({ perHour: 0.5, burst: 1 });
    await b.take('slow');
    const err = await refusal(b.take('slow'));
    expect(err.retryAfterMs).toBe(2 * HOUR);
    expect(err.message).toBe('agent "slow" has used its scoring budget (0.5 scores per hour); the next score is available in 2 h');
    const one = budget({ perHour: 1 }).b;
    await one.take('a');
    expect((await refusal(one.take('a'))).message).toContain('(1 score per hour)');
  });
});

describe('wait mode', () => {
  it('sleeps until the next token and then succeeds', async () => {
    const { b, time } = budget({ mode: 'wait' });
    for (let i = 0; i < 3; i++) await b.take('a1');
    expect(time.t.sleeps).toEqual([]);

    time.t.now += 2 * MIN;
    await b.take('a1');
    expect(time.t.sleeps).toEqual([3 * MIN]);
    expect(b.remaining('a1')).toBe(0);

    // The next token is a full interval after the one just taken.
    await b.take('a1');
    expect(time.t.sleeps).toEqual([3 * MIN, 5 * MIN]);
  });

  it('refuses when the wait would be longer than maxWaitMs, spending nothing', async () => {
    const { b, time } = budget({ mode: 'wait', burst: 1, maxWaitMs: 4 * MIN });
    await b.take('a1');
    const err = await refusal(b.take('a1'));
    expect(err.retryAfterMs).toBe(5 * MIN);
    expect(time.t.sleeps).toEqual([]);

    time.t.now += 1 * MIN;
    await b.take('a1');
    expect(time.t.sleeps).toEqual([4 * MIN]);
  });

  it('defaults maxWaitMs to 10 minutes', async () => {
    const { b, time } = budget({ mode: 'wait', perHour: 4, burst: 1 });
    await b.take('a1');
    // 4 per hour: 15 min to the next token, longer than the default limit.
    const err = await refusal(b.take('a1'));
    expect(err.retryAfterMs).toBe(15 * MIN);
    time.t.now += 5 * MIN;
    await b.take('a1');
    expect(time.t.sleeps).toEqual([10 * MIN]);
  });

  it('uses a real timer by default', async () => {
    // 3,600,000 per hour is one per millisecond: the default sleep waits about 1 ms.
    const b = new ScoreBudget({ perHour: 3_600_000, burst: 1, mode: 'wait' });
    await b.take('a1');
    await b.take('a1');
    await b.take('a1');
  });
});

describe('concurrent takes', () => {
  it('never spend more than the budget in refuse mode', async () => {
    const { b } = budget({ perHour: 12, burst: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => b.take('a1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(7);
    expect(b.remaining('a1')).toBe(0);
  });

  it('queue waiters one interval apart in wait mode', async () => {
    // A sleep that does not move the clock until every caller has asked, so all of them
    // compete for the same tokens at the same instant.
    const t = { now: 0 };
    const sleeps: number[] = [];
    const gates: (() => void)[] = [];
    let held = true;
    const b = new ScoreBudget({
      perHour: 12,
      burst: 2,
      mode: 'wait',
      maxWaitMs: HOUR,
      now: () => t.now,
      sleep: (ms) => {
        sleeps.push(ms);
        return held ? new Promise<void>((resolve) => gates.push(resolve)) : Promise.resolve();
      },
    });
    const done: number[] = [];
    const takes = Array.from({ length: 5 }, (_, i) => b.take('a1').then(() => done.push(i)));
    await Promise.resolve();
    // Two from the burst at once; three wait 5, 10 and 15 minutes for theirs.
    expect(done.sort()).toEqual([0, 1]);
    expect(sleeps).toEqual([5 * MIN, 10 * MIN, 15 * MIN]);

    t.now += 15 * MIN;
    for (const open of gates) open();
    await Promise.all(takes);
    expect(done).toHaveLength(5);
    // Every token the waiters slept for is spent: nothing extra is left over.
    expect(b.remaining('a1')).toBe(0);
    held = false;
    await b.take('a1');
    expect(sleeps[3]).toBe(5 * MIN);
  });

  it('refuse a waiter whose place in the queue is beyond maxWaitMs', async () => {
    const t = { now: 0 };
    const b = new ScoreBudget({ perHour: 12, burst: 1, mode: 'wait', maxWaitMs: 10 * MIN, now: () => t.now, sleep: () => new Promise(() => {}) });
    await b.take('a1');
    void b.take('a1'); // waits 5 min
    void b.take('a1'); // waits 10 min
    const err = await refusal(b.take('a1'));
    expect(err.retryAfterMs).toBe(15 * MIN);
  });
});

describe('options', () => {
  function invalid(o: unknown): InvalidInputError {
    try {
      new ScoreBudget(o as ScoreBudgetOptions);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      return e as InvalidInputError;
    }
    throw new Error('expected the options to be refused');
  }

  it.each([
    [{ perHour: 0, mode: 'refuse' }, 'perHour'],
    [{ perHour: -3, mode: 'refuse' }, 'perHour'],
    [{ perHour: Number.POSITIVE_INFINITY, mode: 'refuse' }, 'perHour'],
    [{ mode: 'refuse' }, 'perHour'],
    [{ perHour: 12, burst: 0, mode: 'refuse' }, 'burst'],
    [{ perHour: 12, burst: 1.5, mode: 'refuse' }, 'burst'],
    [{ perHour: 12, mode: 'later' }, 'mode'],
    [{ perHour: 12, mode: 'wait', maxWaitMs: -1 }, 'maxWaitMs'],
    [{ perHour: 12, mode: 'wait', sleep: 5 }, 'sleep'],
    [{ perHour: 12, mode: 'wait', now: 'now' }, 'now'],
  ])('refuses %j naming %s', (o, field) => {
    const err = invalid(o);
    expect(err.code).toBe('invalid_input');
    expect(err.problems.map((p) => p.field)).toEqual([field]);
    expect(err.message).toContain(field);
    expect(err.message).toContain('score budget options');
  });

  it('names every bad field at once', () => {
    const err = invalid({ perHour: 0, burst: 0, mode: 'x' });
    expect(err.problems.map((p) => p.field).sort()).toEqual(['burst', 'mode', 'perHour']);
  });
});
