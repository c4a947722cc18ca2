import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk, type ScoreDeskOptions } from '../../src/scoring/desk.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { runW2s, type W2sRunOutput } from '../../workers/w2s/runner.js';
import { CommandRunner } from '../../workers/command/command-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

/**
 * The attack that mined the scorer through the command runner (issue 15): a trainer that
 * follows the method JSON (code.source passes through the job spec) prints a base student with
 * chosen public items flipped. Group testing with ~2% flips (groups of 12, then 4 unknown items
 * padded with items already known, so each submission differs from every earlier one on 10 or
 * more items and no near-duplicate rule applies), reading each group's error count off the
 * change in the rounded public PGR, within the first hour's budget (600 scores per hour, a burst
 * of 150). The attacker is told the exact PGR step of one item (stronger than a real one).
 *
 * Without the Ladder it recovers its items' labels. With it, the answers cannot change unless a
 * submission beats the attacker's best by the margin: a transcript of T answers on one ladder
 * has at most K = ceil(range / margin) changes (range 1.5 PGR, margin 0.05: K = 30), so it
 * carries at most log2(sum_{k<=K} C(T, k) * C(31, k)) bits however the queries are chosen. This
 * attacker's flips only make its submissions worse, so what we assert is stronger: every answer
 * equals the first, the transcript carries 0 bits, and its label guesses are B's own.
 */
const ANSWERS = 124;
const ATTACKER = 'mallory';
const TRAINER = path.resolve('test/fixtures/trainers/group-testing.mjs');

let base: W2sRunOutput;
let basePath: string;
/** Whether the base student B is wrong on public item k (what the attacker wants to learn). */
let bWrong: boolean[];
/** PGR change of one public item, the attacker's calibration. */
let step: number;

beforeAll(() => {
  base = runW2s({ task: 'spam', seed: 1, method: builtinMethod('naive'), cacheDir: testCacheDir() });
  const dir = mkdtempSync(path.join(tmpdir(), 'aar-attack-'));
  basePath = path.join(dir, 'base.json');
  writeFileSync(basePath, JSON.stringify({ student: base.student, weak: base.weak, ceiling: base.ceiling }));
  // The test knows the labels to grade the attacker; the attacker does not.
  const features = loadTaskFeatures(testCacheDir(), 'spam');
  const truth = new Map(features.ids.map((id, k) => [id, features.labels[k]] as const));
  const right = (p: { ids: string[]; classes: number[] }, k: number) => p.classes[k] === truth.get(p.ids[k]);
  bWrong = base.student.ids.slice(0, 1000).map((_, k) => !right(base.student, k));
  const acc = (p: { ids: string[]; classes: number[] }) => base.student.ids.slice(0, 1000).filter((_, k) => right(p, k)).length / 1000;
  step = 1 / (1000 * (acc(base.ceiling) - acc(base.weak)));
});

const open: EmbeddedPipeline[] = [];
afterAll(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** Runs the attack against a desk with these options; returns the answers and the attacker's beliefs. */
async function attack(options?: ScoreDeskOptions) {
  const h = openEmbeddedPipeline({
    runner: new CommandRunner({ command: [process.execPath, TRAINER], dataDir: path.dirname(basePath), timeoutMs: 30_000 }),
    vaultFor: vaultFor({ cacheDir: testCacheDir() }),
    policy: { attempts: 1 },
    prefix: 'aar-attack-',
  });
  open.push(h);
  // The campaign's default budget (scoring.scoresPerHour 600): its first hour.
  const budget = new ScoreBudget({ perHour: 600, mode: 'refuse', now: () => 0 });
  const desk = options ? new ScoreDesk(h.ledger, budget, options) : new ScoreDesk(h.ledger, budget);
  const history: Set<number>[] = [];
  const answers: number[] = [];
  const ask = async (flips: number[]): Promise<number> => {
    const source = `function transformLabels(t) { return t }\n// attack ${JSON.stringify({ base: basePath, flips })}`;
    const id = await h.pipeline.submit({ task: 'spam', method: parseMethod({ name: `probe-${answers.length}`, code: { source } }), seeds: [1], agent: ATTACKER });
    await h.pipeline.waitFor(id);
    const a = await desk.answer(ATTACKER, id);
    if (a.perSeed.length !== 1) throw new Error(`query ${id} was not scored`);
    history.push(new Set(flips));
    answers.push(a.perSeed[0].pgrPublic);
    return a.perSeed[0].pgrPublic;
  };
  const v0 = await ask([]);
  const errorsIn = (v: number, size: number) => Math.round(((v - v0) / step + size) / 2);
  /** What the attacker believes: item -> B is wrong there. */
  const known = new Map<number, boolean>();
  let coin = 7;
  const random = () => ((coin = (coin * 1103515245 + 12345) % 2 ** 31), coin / 2 ** 31);
  const distinctFromAll = (f: Set<number>) => history.every((h) => [...f].filter((x) => !h.has(x)).length + [...h].filter((x) => !f.has(x)).length >= 10);
  /** Known items to add so the submission is no near-duplicate of any earlier one. */
  const padding = (group: number[]): number[] | undefined => {
    const pool = [...known.keys()];
    for (let tries = 0; tries < 200; tries++) {
      const size = Math.min(pool.length, 8 + (tries % 6));
      const pad = [...pool].sort(() => random() - 0.5).slice(0, size);
      if (distinctFromAll(new Set([...group, ...pad]))) return pad;
    }
    return undefined;
  };
  const solve = async (group: number[]): Promise<void> => {
    if (answers.length >= ANSWERS) return;
    const pad = padding(group);
    if (!pad) return;
    const e = errorsIn(await ask([...group, ...pad]), group.length + pad.length) - pad.filter((k) => known.get(k)).length;
    if (e <= 0) for (const k of group) known.set(k, false);
    else if (e >= group.length) for (const k of group) known.set(k, true);
    else {
      const half = Math.ceil(group.length / 2);
      await solve(group.slice(0, half));
      await solve(group.slice(half));
    }
  };
  let next = 0;
  // Bootstrap: disjoint groups of 12 until some are all right (or all wrong) under B.
  while (known.size < 24 && answers.length < 30) {
    const group = Array.from({ length: 12 }, (_, i) => next + i);
    next += 12;
    const e = errorsIn(await ask(group), group.length);
    if (e === 0 || e === group.length) for (const k of group) known.set(k, e > 0);
  }
  const attacked = known.size ? [] : Array.from({ length: next }, (_, k) => k);
  while (known.size && answers.length < ANSWERS && next < 1000) {
    const group = Array.from({ length: 4 }, (_, i) => next + i);
    next += 4;
    attacked.push(...group);
    await solve(group);
  }
  // Its guesses: B's label flipped where it believes B wrong; B's own where it learned nothing.
  const guesses = attacked.map((k) => known.get(k) ?? false);
  const correct = guesses.filter((g, i) => g === bWrong[attacked[i]]).length;
  const bAlone = attacked.filter((k) => !bWrong[k]).length;
  return { answers, v0, attacked: attacked.length, learned: attacked.filter((k) => known.has(k)).length, accuracy: correct / attacked.length, bAccuracy: bAlone / attacked.length, left: budget.remaining(ATTACKER) };
}

describe('group testing with padding through a command trainer', () => {
  it('without the Ladder (exact answers rounded to 0.01), it recovers the labels of the items it attacks within the first hour’s budget (the control)', async () => {
    const r = await attack({ ladder: false });
    expect(r.answers.length).toBeLessThanOrEqual(ANSWERS);
    expect(r.left).toBeGreaterThanOrEqual(0);
    expect(r.learned).toBeGreaterThan(120);
    expect(r.accuracy).toBeGreaterThan(0.98);
    expect(r.accuracy).toBeGreaterThan(r.bAccuracy + 0.05);
  }, 240_000);

  it('with the campaign’s desk (the Ladder), every answer equals the first: 0 bits learned, its guesses no better than B', async () => {
    const r = await attack();
    expect(r.answers.length).toBeGreaterThan(25);
    expect(new Set(r.answers)).toEqual(new Set([r.v0]));
    // Its labels are B's: no better than B beyond nothing (equal, as it learned nothing).
    expect(r.accuracy).toBeLessThanOrEqual(r.bAccuracy);
  }, 240_000);
});
