import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod, type Method } from '../../src/domain/method.js';
import { flagsOf } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { harness, type Harness } from './oracle.js';

// The baselines and the best methods the offline researchers found, on the real benchmark.
const METHODS: [task: string, label: string, method: Method][] = [
  ['spam', 'naive', builtinMethod('naive')],
  ['spam', 'aux-conf', builtinMethod('aux-conf')],
  ['spam', 'best', parseMethod({ labels: 'soft', auxConf: { alphaMax: 0.5, warmup: 0.2 }, selfTraining: { rounds: 2, mix: 0.5 } })],
  ['math', 'naive', builtinMethod('naive')],
  ['math', 'aux-conf', builtinMethod('aux-conf')],
  ['math', 'best', parseMethod({ auxConf: { alphaMax: 0.4, warmup: 0.2 }, l2: 0.3 })],
];
const SEEDS = [1, 2, 3, 4, 5];

let h: Harness;
let runner: W2sRunner;
const experiments: { task: string; label: string; id: string }[] = [];

beforeAll(async () => {
  runner = new W2sRunner({ cacheDir: testCacheDir(), threads: 2 });
  h = harness(runner, vaultFor({ cacheDir: testCacheDir() }));
  for (const [task, label, method] of METHODS) experiments.push({ task, label, id: await h.pipeline.submit({ task, method, seeds: SEEDS, agent: 'steward' }) });
  // A confirmation: the best spam method again on the same seeds, under another name; no flag.
  const [, , best] = METHODS[2];
  experiments.push({ task: 'spam', label: 'rerun', id: await h.pipeline.submit({ task: 'spam', method: { ...best, name: 'confirm-best' }, seeds: SEEDS, agent: 'steward' }) });
  for (const e of experiments) await h.pipeline.waitFor(e.id);
}, 180_000);
afterAll(() => h.close());

describe('honest methods on the real benchmark (5 seeds each)', () => {
  it.each([...METHODS.map(([task, label]) => [task, label]), ['spam', 'rerun']])('%s %s: every seed scored, no detector fires', (task, label) => {
    const e = experiments.find((x) => x.task === task && x.label === label)!;
    expect(h.ledger.results(e.id)).toHaveLength(SEEDS.length);
    expect(flagsOf(h.ledger, e.id)).toEqual([]);
  });

  it('they all rank, and the desk answers each seed with its own score rounded to the Ladder margin (a baseline bot runs each on its own ladder)', async () => {
    const board = leaderboard(h.ledger, new ForumRecords(h.ledger));
    expect(board.map((r) => r.experiment).sort()).toEqual(experiments.map((e) => e.id).sort());
    const desk = new ScoreDesk(h.ledger, new ScoreBudget({ perHour: 100, burst: 100, mode: 'refuse' }));
    for (const e of experiments) {
      const answer = await desk.answer('steward', e.id);
      expect(answer.perSeed.map((s) => s.pgrPublic)).toEqual(h.ledger.results(e.id).map((r) => Math.round(Math.round(r.score.public.pgr / 0.05) * 0.05 * 100) / 100 + 0));
      expect(answer.perSeed.every((s) => s.newBest)).toBe(true);
    }
  });
});
