import type { Method } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { concat, getBaselines } from './baselines.js';
import { baseTask, type ProgressFn, type TaskFeatures, type TaskId } from './data/types.js';
import { loadTaskView } from './teachers/teacher-view.js';
import { loadTaskFeatures } from './data/cache.js';
import { argmaxRows } from './models/train.js';
import { MethodCode, type MethodCodeData } from './method/code/hooks.js';
import { EffectiveSignalMeter, type EffectiveSignal } from './method/effective-signal.js';
import type { SandboxLimits } from './method/code/sandbox.js';
import { trainStudent } from './method/student.js';
import { makeSplits } from './splits.js';
import { TASKS } from './tasks.js';
import { itemsHash, splitsHashOf } from '../../src/reproduce/data-version.js';

export interface W2sRunInput {
  /** A task id: `spam` (same-family weak teacher) or `spam@xview` (cross-view teacher). */
  task: TaskId;
  seed: number;
  method: Method;
  /** Where feature and baseline caches live; undefined trains the baselines afresh. */
  cacheDir: string;
  cacheBaselines?: boolean;
  progress?: ProgressFn;
  /** Limits for the method's code, if it has any (defaults: DEFAULT_SANDBOX_LIMITS). */
  sandbox?: Partial<SandboxLimits>;
}


export interface W2sRunOutput {
  task: TaskId;
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
    /** With method code: the hooks it ran and the milliseconds spent in its sandbox. */
    codeHooks?: string[];
    msCode?: number;
    /**
     * With a transformLabels hook, for the integrity detectors only (never shown to the code,
     * and an accuracy oracle on train items if shown to researchers): how often the argmax of
     * the transformed labels, and of the weak labels, matches the TRAIN items' gold labels.
     * Code far above the weak labels had information no honest method has.
     */
    codeLabelAccuracy?: number;
    weakLabelAccuracy?: number;
    /**
     * With method code, for the integrity detectors only: the targets x weights the student
     * really trained on after every hook, against the TRAIN items' gold labels, measured here
     * outside the sandbox. Catches forbidden information whichever hook carried it.
     */
    effectiveSignal?: EffectiveSignal;
    /** Which runner ran it and the data it trained on (hashes), so `aar reproduce` can tell the same data from other data. */
    runner: { name: 'w2s'; dataHash: string; splitsHash: string; node: string };
  };
}

/**
 * One weak-to-strong experiment on the embedded benchmark. It returns predictions by item id,
 * never a score: accuracy and PGR are computed by src/scoring, which alone holds test labels.
 */
export function runW2s(input: W2sRunInput): W2sRunOutput {
  const settings = TASKS[input.task];
  const features = loadTaskView(input.cacheDir, input.task, input.progress);
  const splits = makeSplits(features, settings, input.seed);
  const t0 = performance.now();
  const baselines = getBaselines(features, settings, splits, input.seed, input.cacheBaselines === false ? undefined : input.cacheDir);
  const t1 = performance.now();
  const k = features.classNames.length;
  const test = concat(splits.testPublic, splits.testPrivate);
  const code = input.method.code
    ? new MethodCode(input.method.code, codeData(features, loadTaskFeatures(input.cacheDir, baseTask(input.task)), splits.train, baselines.weakTrain), { seed: input.seed, limits: input.sandbox })
    : undefined;
  let student: ReturnType<typeof trainStudent>;
  let codeStats: Partial<W2sRunOutput['stats']> = {};
  try {
    const transformed = code?.transformLabels();
    const weights = code?.weights();
    const gold = Uint8Array.from(splits.train, (row) => features.labels[row]);
    // Trusted code watches what the student trains on; the sandbox never sees gold.
    const meter = code ? new EffectiveSignalMeter(baselines.weakTrain, gold, k, weights) : undefined;
    const epochTargets = code?.epochTargets();
    if (meter && !epochTargets) meter.observe(transformed ?? baselines.weakTrain);
    student = trainStudent({
      X: features.strong,
      dim: features.strongDim,
      classes: k,
      train: splits.train,
      validation: splits.validation,
      weakTrain: transformed ?? baselines.weakTrain,
      weakValidation: baselines.weakValidation,
      predict: test,
      defaults: settings.student,
      method: input.method,
      seed: input.seed,
      weights,
      epochTargets: epochTargets && meter ? meter.wrap(epochTargets) : epochTargets,
    });
    if (code) {
      const effectiveSignal = meter?.summary();
      codeStats = {
        ...(effectiveSignal && { effectiveSignal }),
        codeHooks: code.hooks,
        msCode: code.ms,
        ...(transformed && {
          codeLabelAccuracy: agreement(argmaxRows(transformed, k), gold),
          weakLabelAccuracy: agreement(argmaxRows(baselines.weakTrain, k), gold),
        }),
      };
    }
  } finally {
    code?.dispose();
  }
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
      ...codeStats,
      runner: { name: 'w2s', dataHash: itemsHash(features), splitsHash: splitsHashOf(features, splits), node: process.version },
    },
  };
}

/** What method code may see: weak labels and both feature views of the TRAIN items, copied. */
function codeData(features: TaskFeatures, data: TaskFeatures, train: Int32Array, weakTrain: Float32Array): MethodCodeData {
  return {
    weak: weakTrain,
    features: gatherRows(features.strong, features.strongDim, train),
    dim: features.strongDim,
    // The unlabelled inputs in their plain encoding (bag of words, n-grams, one-hot digits and
    // tokens): what every teacher family's `@xview` variant reads. A same-family teacher's own
    // view is derived from the strong features the code already has.
    weakFeatures: gatherRows(data.weak, data.weakDim, train),
    weakDim: data.weakDim,
    classes: features.classNames.length,
  };
}

function gatherRows(X: Float32Array, dim: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(X.subarray(row * dim, row * dim + dim), i * dim));
  return out;
}

function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) same += a[i] === b[i] ? 1 : 0;
  return a.length ? same / a.length : 0;
}

function shares(classes: Uint8Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of classes) counts[c]++;
  return counts.map((c) => c / Math.max(1, classes.length));
}
