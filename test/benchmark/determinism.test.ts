import { describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { embeddedVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import { trainBaselines } from '../../workers/w2s/baselines.js';
import { allLabels, loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { runW2s, type W2sRunOutput } from '../../workers/w2s/runner.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { testCacheDir } from '../helpers/cache-dir.js';

const predictionsOf = (r: W2sRunOutput) => ({ student: r.student, weak: r.weak, ceiling: r.ceiling });

const KITCHEN_SINK = parseMethod({
  name: 'kitchen-sink',
  labels: 'hard',
  labelSmoothing: 0.1,
  head: { kind: 'mlp', width: 16 },
  ensemble: { size: 2 },
  earlyStopping: { patience: 2 },
  selfTraining: { rounds: 1 },
  filter: { keep: 0.7 },
});

describe('runW2s determinism', () => {
  it('gives identical predictions twice for aux-conf on spam, seed 7', () => {
    const run = () => runW2s({ task: 'spam', seed: 7, method: builtinMethod('aux-conf'), cacheDir: testCacheDir(), cacheBaselines: false });
    const a = run();
    const b = run();
    expect(predictionsOf(b)).toEqual(predictionsOf(a));
    expect(b.stats.epochs).toEqual(a.stats.epochs);
  });

  it('gives identical predictions twice for a method using every technique on math, seed 3', () => {
    const run = () => runW2s({ task: 'math', seed: 3, method: KITCHEN_SINK, cacheDir: testCacheDir(), cacheBaselines: false });
    const a = run();
    const b = run();
    expect(predictionsOf(b)).toEqual(predictionsOf(a));
    expect(b.stats).toMatchObject({ epochs: a.stats.epochs, validationAgreement: a.stats.validationAgreement });
    // Two ensemble members, each trained in two rounds (the first and one of self-training).
    expect(a.stats.epochs).toHaveLength(4);

    const ids = embeddedVault(testCacheDir(), 'math').ids();
    for (const who of ['student', 'weak', 'ceiling'] as const) {
      // Columns in the vault's own order, one binary class per item.
      expect(a[who].ids).toEqual(ids);
      expect(a[who].classes).toHaveLength(ids.length);
      for (const c of a[who].classes) expect([0, 1]).toContain(c);
    }
  });

  it('trains the same baselines twice from the same seed', () => {
    // runW2s memoises baselines in-process, so check the training itself directly.
    const features = loadTaskFeatures(testCacheDir(), 'sentiment');
    const settings = TASKS.sentiment;
    const splits = makeSplits(features, settings, 4);
    const a = trainBaselines(features, settings, splits, 4);
    const b = trainBaselines(features, settings, splits, 4);
    expect(Array.from(b.weakTrain)).toEqual(Array.from(a.weakTrain));
    expect(Array.from(b.weakValidation)).toEqual(Array.from(a.weakValidation));
    expect(Array.from(b.weakTest)).toEqual(Array.from(a.weakTest));
    expect(Array.from(b.ceilingTest)).toEqual(Array.from(a.ceilingTest));
  });

  it('gives different predictions for a different seed', () => {
    const run = (seed: number) => runW2s({ task: 'spam', seed, method: builtinMethod('aux-conf'), cacheDir: testCacheDir(), cacheBaselines: false });
    const a = run(7);
    const b = run(8);
    // Still the same evaluation items, in the same order: the test split does not depend on the seed.
    for (const who of ['student', 'weak', 'ceiling'] as const) expect(b[who].ids).toEqual(a[who].ids);
    const differs = (x: Predictions, y: Predictions) => x.classes.some((c, k) => c !== y.classes[k]);
    expect(differs(a.weak, b.weak) || differs(a.student, b.student)).toBe(true);
  });
});

describe('evaluation item ids', () => {
  const PREFIX: Record<TaskName, string> = { spam: 'spam', sentiment: 'sent', math: 'math', code: 'code', sotu: 'sotu', names: 'name' };

  it.each(['spam', 'sentiment', 'sotu', 'names'] as const)('are exactly the vault ids on %s, and reveal no label', (task) => {
    const run = runW2s({ task, seed: 1, method: builtinMethod('naive'), cacheDir: testCacheDir() });
    const vault = embeddedVault(testCacheDir(), task);
    const ids = vault.ids();
    expect(ids).toHaveLength(TASKS[task].testSize);
    for (const who of ['student', 'weak', 'ceiling'] as const) {
      // Exactly the vault's ids, in its order (public then private), one class each.
      expect(run[who].ids).toEqual(ids);
      expect(run[who].classes).toHaveLength(ids.length);
    }
    expect(score(vault, run).all.ceiling).toBeGreaterThan(0.5);

    // A task prefix and a number, nothing else: no class name such as "ham" or "negative".
    const pattern = new RegExp(`^${PREFIX[task]}-\\d+$`);
    for (const id of ids) expect(id).toMatch(pattern);
    expect(ids.some((id) => /ham|pos|neg/i.test(id))).toBe(false);
  });

  it.each(['spam', 'sentiment', 'sotu', 'names'] as const)('are numbered in an order unrelated to the label on %s', (task) => {
    // The source data lists one class first; ids must not inherit that order.
    const f = loadTaskFeatures(testCacheDir(), task);
    const labels = allLabels(testCacheDir(), task);
    const byNumber = f.ids.map((id, row) => ({ n: Number(id.split('-')[1]), label: labels[row] })).sort((a, b) => a.n - b.n);
    const half = byNumber.length >> 1;
    const share = (xs: { label: number }[]) => xs.reduce((a, x) => a + x.label, 0) / xs.length;
    expect(Math.abs(share(byNumber.slice(0, half)) - share(byNumber.slice(half)))).toBeLessThan(0.1);
  });
});
