import type { Method } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { concat, getBaselines } from './baselines.js';
import { loadTaskFeatures } from './data/cache.js';
import type { ProgressFn, TaskName } from './data/types.js';
import { argmaxRows } from './models/train.js';
import { trainStudent } from './method/student.js';
import { makeSplits } from './splits.js';
import { TASKS } from './tasks.js';

export interface W2sRunInput {
  task: TaskName;
  seed: number;
  method: Method;
  /** Where feature and baseline caches live; undefined trains the baselines afresh. */
  cacheDir: string;
  cacheBaselines?: boolean;
  progress?: ProgressFn;
}


export interface W2sRunOutput {
  task: TaskName;
  seed: number;
  /** The student's, the weak teacher's and the ceiling's predictions on every evaluation item. */
  student: Predictions;
  weak: Predictions;
  ceiling: Predictions;
  stats: {
    /** Class shares of the weak labels on B and of the student's evaluation predictions. */
    weakLabelShares: number[];
    studentShares: number[];
    epochs: number[];
    validationAgreement: number;
    msBaselines: number;
    msStudent: number;
  };
}

/**
 * One weak-to-strong experiment on the embedded benchmark. It returns predictions by item id,
 * never a score: accuracy and PGR are computed by src/scoring, which alone holds test labels.
 */
export function runW2s(input: W2sRunInput): W2sRunOutput {
  const settings = TASKS[input.task];
  const features = loadTaskFeatures(input.cacheDir, input.task, input.progress);
  const splits = makeSplits(features, settings, input.seed);
  const t0 = performance.now();
  const baselines = getBaselines(features, settings, splits, input.seed, input.cacheBaselines === false ? undefined : input.cacheDir);
  const t1 = performance.now();
  const k = features.classNames.length;
  const test = concat(splits.testPublic, splits.testPrivate);
  const student = trainStudent({
    X: features.strong,
    dim: features.strongDim,
    classes: k,
    train: splits.train,
    validation: splits.validation,
    weakTrain: baselines.weakTrain,
    weakValidation: baselines.weakValidation,
    predict: test,
    defaults: settings.student,
    method: input.method,
    seed: input.seed,
  });
  const studentTest = argmaxRows(student.probs, k);
  const t2 = performance.now();
  // Public then private, the label vault's own order: scoring then needs no lookups.
  const ids = Array.from(test, (row) => features.ids[row]);
  const byId = (classes: Uint8Array): Predictions => ({ ids, classes: Array.from(classes) });
  return {
    task: input.task,
    seed: input.seed,
    student: byId(studentTest),
    weak: byId(baselines.weakTest),
    ceiling: byId(baselines.ceilingTest),
    stats: {
      weakLabelShares: shares(argmaxRows(baselines.weakTrain, k), k),
      studentShares: shares(studentTest, k),
      epochs: student.epochs,
      validationAgreement: student.validationAgreement,
      msBaselines: t1 - t0,
      msStudent: t2 - t1,
    },
  };
}

function shares(classes: Uint8Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of classes) counts[c]++;
  return counts.map((c) => c / Math.max(1, classes.length));
}
