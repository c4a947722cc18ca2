import { PROBING_NEAR_DUPLICATES } from '../../src/scoring/detectors/near-duplicate.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { ScoreBudget, ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { ScoreDesk, type AgentScore } from '../../src/scoring/desk.js';
import { allLabels, loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { runW2s, type W2sRunOutput } from '../../workers/w2s/runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { harness, OracleRunner, type Harness } from '../pipeline/oracle.js';

/**
 * The attack a public scoring endpoint invites: submit a base set of predictions, then the
 * same with one public item flipped per query, and read each item's label off the change in
 * the rounded public PGR (on spam one item moves it by about 0.0103, more than the 0.01
 * rounding). The attacker here is stronger than our agents, who can only submit methods: it
 * chooses the student's predictions directly.
 */
const QUERIES = 60;
const ATTACKER = 'mallory';

let base: W2sRunOutput;
let truth: Map<string, number>;

beforeAll(() => {
  base = runW2s({ task: 'spam', seed: 1, method: builtinMethod('naive'), cacheDir: testCacheDir() });
  // The test knows the labels (to grade the attacker); the attacker does not.
  const features = loadTaskFeatures(testCacheDir(), 'spam');
  const labels = allLabels(testCacheDir(), 'spam');
  truth = new Map(features.ids.map((id, k) => [id, labels[k]] as const));
});

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** The attacker's loop against a desk; returns the answers and how well it guessed the flipped items' labels. */
async function attack(o: { minDistinct?: number; flips: number[]; cumulative?: boolean }) {
  const oracle = new OracleRunner();
  const h = harness(oracle, vaultFor({ cacheDir: testCacheDir() }));
  open.push(h);
  const desk = new ScoreDesk(h.ledger, new ScoreBudget({ perHour: o.flips.length + 1, burst: o.flips.length + 1, mode: 'refuse', now: () => 0 }), { minDistinct: o.minDistinct });
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
  it('without the near-duplicate defence, one flip per query recovers the labels (the control: this test can fail)', async () => {
    const { accuracy, answers, first } = await attack({ minDistinct: 0, flips: publicItems });
    expect(answers.every((a) => a !== first.pgrPublic)).toBe(true);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('with it, every near-duplicate is answered with the base score: no signal, labels at chance, and the probing is flagged', async () => {
    const { accuracy, answers, first, h, next } = await attack({ flips: publicItems });
    expect(answers.every((a) => a === first.pgrPublic)).toBe(true);
    // Coin flips: inside the 99% binomial interval around 0.5 for 60 guesses (0.5 ± 0.166).
    expect(accuracy).toBeGreaterThan(0.334);
    expect(accuracy).toBeLessThan(0.666);
    // The attacker's queries from the PROBING_NEAR_DUPLICATES-th near-duplicate on carry a flag, which keeps them off the leaderboard.
    const flagged = h.ledger.jobs().filter((j) => h.ledger.results(j.experimentId).some((r) => r.flags.some((f) => f.startsWith('probing the scorer: '))));
    expect(flagged).toHaveLength(QUERIES - (PROBING_NEAR_DUPLICATES - 1));
    expect(h.ledger.results(flagged.at(-1)!.experimentId)[0].flags[0]).toMatch(/^probing the scorer: 60 near-duplicate submissions by mallory; this one differs from job exp-001-s1 on 1 of 1000 public items \(fewer than 10\)/);
    expect(leaderboard(h.ledger, new ForumRecords(h.ledger), 'spam').every((r) => !flagged.some((j) => j.experimentId === r.experiment))).toBe(true);
    // And the budget ends the session: the 62nd score is refused.
    await expect(next()).rejects.toBeInstanceOf(ScoreBudgetExceededError);
  });

  it('a chain of one-item steps stays on the base answer until it differs on minDistinct items, then reveals only their sum', async () => {
    const { answers, first } = await attack({ flips: publicItems.slice(0, 12), cumulative: true });
    // Steps 1-9 differ from the base on fewer than 10 items; step 10 is a new submission.
    expect(answers.slice(0, 9).every((a) => a === first.pgrPublic)).toBe(true);
    expect(answers[10]).toBe(answers[9]);
  });

  it('the private half never reaches an answer, with or without the defence', async () => {
    const privateItems = [1000, 1100, 1200, 1300, 1400];
    const { answers, first } = await attack({ minDistinct: 0, flips: privateItems });
    expect(answers.every((a) => a === first.pgrPublic)).toBe(true);
    expect(Object.keys(first).sort()).toEqual(['experiment', 'perSeed', 'pgrPublic', 'seedsFailed', 'seedsScored']);
    expect(first.perSeed.map((s) => Object.keys(s).sort())).toEqual([['pgrPublic', 'seed']]);
  });
});
