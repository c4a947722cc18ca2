import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { ScoreBudget, ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { ScoreDesk, type AgentScore } from '../../src/scoring/desk.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { runW2s, type W2sRunOutput } from '../../workers/w2s/runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { harness, OracleRunner, type Harness } from '../pipeline/oracle.js';

/**
 * The attack a public scoring endpoint invites: submit a base set of predictions, then the
 * same with one public item flipped per query, and read each item's label off the change in
 * the rounded public PGR (on spam one item moves it by about 0.0103, more than the 0.01
 * rounding). The attacker here is stronger than our agents, who can only submit methods: it
 * chooses the student's predictions directly. The Ladder (src/scoring/ladder.ts) answers a
 * submission with the attacker's best so far unless it beats that by the margin (0.05, about
 * five items), so one flip never changes an answer. Group testing with padding, the stronger
 * attack, is in group-testing-attack.test.ts.
 */
const QUERIES = 60;
const ATTACKER = 'mallory';

let base: W2sRunOutput;
let truth: Map<string, number>;

beforeAll(() => {
  base = runW2s({ task: 'spam', seed: 1, method: builtinMethod('naive'), cacheDir: testCacheDir() });
  // The test knows the labels (to grade the attacker); the attacker does not.
  const features = loadTaskFeatures(testCacheDir(), 'spam');
  truth = new Map(features.ids.map((id, k) => [id, features.labels[k]] as const));
});

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** The attacker's loop against a desk; returns the answers and how well it guessed the flipped items' labels. */
async function attack(o: { ladder?: false; flips: number[]; cumulative?: boolean }) {
  const oracle = new OracleRunner();
  const h = harness(oracle, vaultFor({ cacheDir: testCacheDir() }));
  open.push(h);
  const desk = new ScoreDesk(h.ledger, new ScoreBudget({ perHour: o.flips.length + 1, burst: o.flips.length + 1, mode: 'refuse', now: () => 0 }), o.ladder === false ? { ladder: false } : {});
  let n = 0;
  const query = async (student: Predictions): Promise<AgentScore> => {
    const name = `q-${n++}`;
    oracle.set(name, () => ({ student, weak: base.weak, ceiling: base.ceiling, stats: {} }));
    const id = await h.pipeline.submit({ task: 'spam', method: parseMethod({ name }), seeds: [1], agent: ATTACKER });
    await h.pipeline.waitFor(id);
    return desk.answer(ATTACKER, id);
  };
  const first = await query(base.student);
  const answers: number[] = [];
  let correct = 0;
  let classes = [...base.student.classes];
  // A fixed coin for answers that say nothing, so the run is reproducible.
  let coin = 12345;
  for (const k of o.flips) {
    const flipped = o.cumulative ? classes : [...base.student.classes];
    flipped[k] = 1 - flipped[k];
    if (o.cumulative) classes = flipped;
    const answer = (await query({ ids: base.student.ids, classes: flipped })).pgrPublic;
    answers.push(answer);
    const delta = answer - first.pgrPublic;
    coin = (coin * 1103515245 + 12345) % 2 ** 31;
    // Up: the flipped class is right. Down: the base class was. No change: a guess.
    const guess = delta > 0 ? flipped[k] : delta < 0 ? base.student.classes[k] : coin % 2;
    if (guess === truth.get(base.student.ids[k])) correct++;
  }
  return { h, desk, first, answers, accuracy: correct / o.flips.length, next: () => query(base.student) };
}

// The runner emits the vault's order, public half first (1,000 items on spam).
const publicItems = Array.from({ length: QUERIES }, (_, k) => k * 16);

describe('mining labels through the score desk', () => {
  it('without the Ladder, one flip per query recovers the labels (the control: this test can fail)', async () => {
    const { accuracy, answers, first } = await attack({ ladder: false, flips: publicItems });
    expect(answers.every((a) => a !== first.pgrPublic)).toBe(true);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('with it, every one-flip query is answered with the base score: no signal, labels at chance, no flag on anyone, and the budget ends the session', async () => {
    const { accuracy, answers, first, h, next } = await attack({ flips: publicItems });
    expect(answers.every((a) => a === first.pgrPublic)).toBe(true);
    // Coin flips: inside the 99% binomial interval around 0.5 for 60 guesses (0.5 ± 0.166).
    expect(accuracy).toBeGreaterThan(0.334);
    expect(accuracy).toBeLessThan(0.666);
    // Probing is the mechanism's business now: the audit trail stays calm.
    expect(h.ledger.jobs().filter((j) => h.ledger.results(j.experimentId).some((r) => r.flags.length > 0))).toEqual([]);
    expect(leaderboard(h.ledger, new ForumRecords(h.ledger), 'spam').length).toBeGreaterThan(0);
    // And the budget ends the session: the 62nd score is refused.
    await expect(next()).rejects.toBeInstanceOf(ScoreBudgetExceededError);
  });

  it('a chain of one-item steps is answered on the Ladder: multiples of the margin that never go down', async () => {
    const { answers, first } = await attack({ flips: publicItems.slice(0, 12), cumulative: true });
    const all = [first.pgrPublic, ...answers];
    expect(all.every((a) => Math.abs(a / 0.05 - Math.round(a / 0.05)) < 1e-9)).toBe(true);
    expect(all.every((a, k) => k === 0 || a >= all[k - 1])).toBe(true);
  });

  it('the private half never reaches an answer, with or without the Ladder', async () => {
    const privateItems = [1000, 1100, 1200, 1300, 1400];
    for (const ladder of [false, undefined] as const) {
      const { answers, first } = await attack({ ladder, flips: privateItems });
      expect(answers.every((a) => a === first.pgrPublic)).toBe(true);
      expect(Object.keys(first).sort()).toEqual(['experiment', 'margin', 'perSeed', 'pgrPublic', 'seedsFailed', 'seedsScored']);
      expect(first.perSeed.map((s) => Object.keys(s).sort())).toEqual([['newBest', 'pgrPublic', 'seed']]);
    }
  });
});
