import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ScoreBudget, ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { LedgerBudgetStore } from '../../src/scoring/budget-store.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { Ladder } from '../../src/scoring/ladder.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

/** Records one scored experiment of `agent` on spam with the given public PGR per seed (private PGR 0.9137). */
function scored(ledger: Ledger, id: string, agent: string | undefined, pgrs: Record<number, number>, failedSeeds: number[] = []): void {
  const seeds = [...Object.keys(pgrs).map(Number), ...failedSeeds].sort((a, b) => a - b);
  ledger.proposeExperiment({ id, task: 'spam', method: { name: id }, seeds, agent });
  for (const seed of seeds) ledger.append('queued', { experimentId: id, jobId: `${id}-s${seed}`, data: { seed } });
  for (const seed of failedSeeds) ledger.append('failed', { experimentId: id, jobId: `${id}-s${seed}`, data: { seed, reason: 'boom', final: true } });
  for (const [seed, pgr] of Object.entries(pgrs)) {
    ledger.recordResult({ jobId: `${id}-s${seed}`, experimentId: id, seed: Number(seed), predictionsDigest: 'x', score: { public: { pgr }, private: { pgr: 0.9137 } } });
  }
}

const budget = (perHour = 1000) => new ScoreBudget({ perHour, burst: perHour, mode: 'refuse', now: () => 0 });

describe('the Ladder: what agents are told of public scores', () => {
  it('tells a new score only when it beats the author’s best by the margin, rounded to the margin; otherwise the best', () => {
    const ledger = Ledger.open(tempLedgerPath('aar-ladder-'));
    const pgrs = [0.512, 0.54, 0.6, 0.58, 0.71, 0.3, 0.76];
    pgrs.forEach((p, k) => scored(ledger, `e${k}`, 'mallory', { 1: p }));
    const ladder = new Ladder(ledger, { margin: 0.05 });
    const told = pgrs.map((_, k) => ladder.experiment(`e${k}`)[0]);
    expect(told.map((a) => a.pgrPublic)).toEqual([0.5, 0.5, 0.6, 0.6, 0.7, 0.7, 0.75]);
    expect(told.map((a) => a.newBest)).toEqual([true, false, true, false, true, false, true]);
  });

  it('keeps one ladder per author, task and seed, and a baseline bot’s experiments each their own', () => {
    const ledger = Ledger.open(tempLedgerPath('aar-ladder-'));
    scored(ledger, 'a1', 'ada', { 1: 0.8, 2: 0.2 });
    scored(ledger, 'b1', 'bob', { 1: 0.5 });
    scored(ledger, 'a2', 'ada', { 1: 0.5, 2: 0.5 });
    scored(ledger, 'naive', 'steward', { 1: 0.6 });
    scored(ledger, 'aux', 'steward', { 1: 0.4 });
    const ladder = new Ladder(ledger);
    expect(ladder.experiment('b1').map((a) => a.pgrPublic)).toEqual([0.5]);
    expect(ladder.experiment('a2').map((a) => [a.pgrPublic, a.newBest])).toEqual([
      [0.8, false],
      [0.5, true],
    ]);
    expect(ladder.experiment('aux')[0]).toMatchObject({ pgrPublic: 0.4, newBest: true });
  });

  it('lives in the ledger: a reopened ledger (a restart) and a second process give the same answers and keep climbing from the stored best', () => {
    const path = tempLedgerPath('aar-ladder-');
    const first = Ledger.open(path);
    scored(first, 'e1', 'mallory', { 1: 0.7 });
    expect(new Ladder(first).job('e1-s1')!.pgrPublic).toBe(0.7);
    first.close();
    const again = Ledger.open(path);
    const other = Ledger.open(path);
    scored(again, 'e2', 'mallory', { 1: 0.73 });
    expect(new Ladder(other).job('e2-s1')).toEqual({ jobId: 'e2-s1', pgrPublic: 0.7, newBest: false });
    expect(new Ladder(again).job('e2-s1')).toEqual({ jobId: 'e2-s1', pgrPublic: 0.7, newBest: false });
    expect((again.db.prepare('SELECT COUNT(*) AS n FROM ladder_answers').get() as { n: number }).n).toBe(2);
  });

  it('refuses a margin that is not a positive number, naming the field', () => {
    const ledger = Ledger.open(tempLedgerPath('aar-ladder-'));
    expect(() => new Ladder(ledger, { margin: 0 })).toThrow(/margin/);
  });
});

describe('the score desk: budgeted Ladder answers', () => {
  it('answers the Ladder per seed, and every seed told costs one unit of budget, once', async () => {
    const ledger = Ledger.open(tempLedgerPath('aar-ladder-'));
    scored(ledger, 'e1', 'mallory', { 1: 0.7, 2: 0.4, 3: 0.6 });
    const b = budget(4);
    const desk = new ScoreDesk(ledger, b);
    const a = await desk.answer('mallory', 'e1');
    expect(a).toMatchObject({ pgrPublic: 0.57, seedsScored: 3, margin: 0.05 });
    expect(a.perSeed).toEqual([
      { seed: 1, pgrPublic: 0.7, newBest: true },
      { seed: 2, pgrPublic: 0.4, newBest: true },
      { seed: 3, pgrPublic: 0.6, newBest: true },
    ]);
    expect(JSON.stringify(a)).not.toContain('0.91');
    expect(b.remaining('mallory')).toBe(1);
    // Asking again tells nothing new and costs nothing.
    await desk.answer('mallory', 'e1');
    expect(b.remaining('mallory')).toBe(1);
    scored(ledger, 'e2', 'mallory', { 1: 0.9, 2: 0.9 });
    await expect(desk.answer('mallory', 'e2')).rejects.toBeInstanceOf(ScoreBudgetExceededError);
  });

  it('a failed seed costs what a scored one does, so failing on purpose answers nothing for free', async () => {
    const ledger = Ledger.open(tempLedgerPath('aar-ladder-'));
    scored(ledger, 'e1', 'mallory', {}, [1, 2]);
    const b = budget(10);
    const a = await new ScoreDesk(ledger, b).answer('mallory', 'e1');
    expect(a.seedsFailed).toBe(2);
    expect(b.remaining('mallory')).toBe(8);
  });

  it('the budget lives in the ledger: a restart does not refill it', async () => {
    const path = tempLedgerPath('aar-ladder-');
    const ledger = Ledger.open(path);
    scored(ledger, 'e1', 'mallory', { 1: 0.5, 2: 0.5 });
    scored(ledger, 'e2', 'mallory', { 1: 0.6, 2: 0.6 });
    const open = (l: Ledger) => ScoreDesk.persistent(l, { perHour: 3, burst: 3, now: () => 0 });
    await open(ledger).answer('mallory', 'e1');
    ledger.close();
    const restarted = Ledger.open(path);
    await expect(open(restarted).answer('mallory', 'e2')).rejects.toBeInstanceOf(ScoreBudgetExceededError);
    // And what was told before the restart stays paid for.
    expect((await open(restarted).answer('mallory', 'e1')).seedsScored).toBe(2);
    expect(new LedgerBudgetStore(restarted).get('mallory')!.tokens).toBeCloseTo(1);
  });

  it('refuses a count of scores that is not a whole number, naming the field', async () => {
    await expect(budget().take('a', 1.5)).rejects.toThrow(/count/);
  });
});
