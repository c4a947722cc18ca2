import { describe, expect, it } from 'vitest';
import { builtinMethod } from '../../src/domain/method.js';
import { evaluateMethod, type Evaluation } from '../../src/eval/evaluate.js';
import { allLabels, loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { TASK_NAMES, type TaskName } from '../../workers/w2s/data/types.js';
import { testHalves } from '../../workers/w2s/splits.js';
import { TASK_ITEMS, TASKS } from '../../workers/w2s/tasks.js';
import { testCacheDir } from '../helpers/cache-dir.js';

/**
 * The benchmark's quality claims, over seeds 1-5: the weak teacher beats the majority class,
 * the strong ceiling leaves a real gap above it, the naive student recovers well under all of
 * that gap, and Burns et al.'s auxiliary confidence loss beats naive on spam.
 */
const SEEDS = [1, 2, 3, 4, 5];

const evaluations = new Map<string, Evaluation>();
/** Each (task, method) is evaluated once per file and shared by the assertions on it. */
function evaluation(task: TaskName, method: string): Evaluation {
  const key = `${task}:${method}`;
  let e = evaluations.get(key);
  if (!e) {
    e = evaluateMethod({ task, method: builtinMethod(method), seeds: SEEDS, cacheDir: testCacheDir() });
    evaluations.set(key, e);
  }
  return e;
}

/** Share of the most frequent class over the task's test split (where accuracies are measured). */
function majorityShare(task: TaskName): number {
  const features = loadTaskFeatures(testCacheDir(), task);
  const { testPublic, testPrivate } = testHalves(features, TASKS[task]);
  const counts = new Array<number>(features.classNames.length).fill(0);
  const labels = allLabels(testCacheDir(), task);
  for (const row of [...testPublic, ...testPrivate]) counts[labels[row]]++;
  return Math.max(...counts) / (testPublic.length + testPrivate.length);
}

describe.each(TASK_NAMES)('task %s, naive over seeds 1-5', (task) => {
  it('has as many items as its settings say (the researchers are told the sizes)', () => {
    expect(loadTaskFeatures(testCacheDir(), task).ids.length).toBe(TASK_ITEMS[task]);
  });

  it('reports accuracies in 0..1 over the requested seeds', () => {
    const naive = evaluation(task, 'naive');
    expect(naive.seeds).toEqual(SEEDS);
    expect(naive.perSeed).toHaveLength(SEEDS.length);
    for (const acc of [naive.weak, naive.ceiling, naive.student]) {
      expect(acc.mean).toBeGreaterThan(0);
      expect(acc.mean).toBeLessThanOrEqual(1);
      expect(acc.sd).toBeGreaterThanOrEqual(0);
    }
  });

  it('has a weak teacher that beats the majority class', () => {
    expect(evaluation(task, 'naive').weak.mean).toBeGreaterThan(majorityShare(task));
  });

  it('leaves the naive student well short of the ceiling (private PGR mean < 0.6)', () => {
    expect(evaluation(task, 'naive').pgr.private.mean).toBeLessThan(0.6);
  });
});

describe.each(['spam', 'sentiment', 'math'] as const)('task %s, weak-to-ceiling gap', (task) => {
  it('has a strong ceiling at least 8 points above the weak teacher', () => {
    const naive = evaluation(task, 'naive');
    expect(naive.ceiling.mean - naive.weak.mean).toBeGreaterThanOrEqual(0.08);
  });
});

describe('task spam, aux-conf vs naive', () => {
  it('aux-conf recovers more of the gap than naive, paired over the same seeds', () => {
    const naive = evaluation('spam', 'naive');
    const auxConf = evaluation('spam', 'aux-conf');
    // Same seeds, so the same splits, weak labels and ceiling: only the student differs.
    expect(auxConf.weak).toEqual(naive.weak);
    expect(auxConf.ceiling).toEqual(naive.ceiling);
    const gains = auxConf.perSeed.map((s, i) => s.private.pgr - naive.perSeed[i].private.pgr);
    const meanGain = gains.reduce((a, b) => a + b, 0) / gains.length;
    expect(meanGain).toBeGreaterThan(0);
    expect(auxConf.pgr.private.mean).toBeGreaterThan(naive.pgr.private.mean);
  });
});
