import { hash32, Rng } from './rng.js';
import type { TaskFeatures } from './data/types.js';
import type { TaskSettings } from './tasks.js';

/** Item indices (into TaskFeatures) of each split. */
export interface Splits {
  /** Gold-labelled, for the weak teacher. */
  gold: Int32Array;
  /** The student's training set (weak labels only). */
  train: Int32Array;
  /** Carved from B: early stopping and model choice on weak labels. */
  validation: Int32Array;
  /** Evaluation items: the public half (agents see scores on it) and the private half. */
  testPublic: Int32Array;
  testPrivate: Int32Array;
}

/**
 * The test split and its public/private halves are fixed per task (by a hash of the item id),
 * so every seed and every experiment is scored on the same held-out items; the seed reshuffles
 * the rest into gold (A), student training (B) and validation.
 */
export function makeSplits(features: TaskFeatures, settings: TaskSettings, seed: number): Splits {
  const { testPublic, testPrivate, rest } = testHalves(features, settings);
  const pool = new Rng(seed, `${features.task}:splits`).shuffle(Int32Array.from(rest));
  const { goldSize, validationSize } = settings;
  return {
    gold: pool.slice(0, goldSize),
    validation: pool.slice(goldSize, goldSize + validationSize),
    train: pool.slice(goldSize + validationSize),
    testPublic,
    testPrivate,
  };
}

export function testHalves(features: TaskFeatures, settings: TaskSettings): { testPublic: Int32Array; testPrivate: Int32Array; rest: number[] } {
  const byHash = features.ids
    .map((id, i) => ({ i, h: hash32(`${features.task}:test:${id}`) }))
    .sort((a, b) => a.h - b.h || a.i - b.i);
  const test = byHash.slice(0, settings.testSize).map((x) => x.i);
  const rest = byHash.slice(settings.testSize).map((x) => x.i).sort((a, b) => a - b);
  return {
    testPublic: Int32Array.from(test.filter((_, k) => k % 2 === 0)),
    testPrivate: Int32Array.from(test.filter((_, k) => k % 2 === 1)),
    rest,
  };
}
