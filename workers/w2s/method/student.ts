import type { Method } from '../../../src/domain/method.js';
import { createHead, type Head, type HeadSpec } from '../models/head.js';
import { argmaxRows, predictProba, train } from '../models/train.js';
import { Rng } from '../rng.js';
import type { TrainSettings } from '../tasks.js';
import { nearestNeighbours, propagateLabels } from './knn.js';
import { consistentPositions } from './consistency.js';
import { baseTargets, harden, mostConfident, targetFn } from './targets.js';

export interface StudentInput {
  X: Float32Array;
  dim: number;
  classes: number;
  train: Int32Array;
  validation: Int32Array;
  /** The weak teacher's probabilities on `train` and `validation` (row-major, n x classes). */
  weakTrain: Float32Array;
  weakValidation: Float32Array;
  /** Rows to predict (the evaluation items). */
  predict: Int32Array;
  defaults: TrainSettings & { head: HeadSpec };
  method: Method;
  seed: number;
  /** Per-train-item loss weights (method code's `weights` hook); absent: every item weighs 1. */
  weights?: Float32Array;
  /** Each epoch's targets on every train item (method code's `epochTargets` hook). */
  epochTargets?: EpochTargetsFn;
}

/**
 * Targets (n x classes, every train item) for one epoch, from the targets the method would
 * otherwise use (`weak`) and the student's current probabilities on the train items.
 */
export type EpochTargetsFn = (a: { weak: Float32Array; student: Float32Array; epoch: number; epochs: number }) => Float32Array;

export interface StudentOutput {
  /** Probabilities on `predict` (n x classes). */
  probs: Float32Array;
  /** Epochs actually trained per student (early stopping shortens them). */
  epochs: number[];
  /** Agreement with held-out weak labels, the only validation signal a method has. */
  validationAgreement: number;
}

/** Trains the strong student(s) as the method says, from weak labels only. */
export function trainStudent(input: StudentInput): StudentOutput {
  const { classes: k, method } = input;
  const settings = {
    epochs: method.epochs ?? input.defaults.epochs,
    lr: method.lr ?? input.defaults.lr,
    l2: method.l2 ?? input.defaults.l2,
    batchSize: method.batchSize ?? input.defaults.batchSize,
    head: method.head ?? input.defaults.head,
  };
  const weakValHard = argmaxRows(input.weakValidation, k);
  const members = method.ensemble?.size ?? 1;
  const weakTrain = method.knn
    ? propagateLabels(input.weakTrain, k, nearestNeighbours(input.X, input.dim, input.train, method.knn.k), method.knn.k, method.knn.mix, method.knn.steps)
    : input.weakTrain;
  const probs = new Float32Array(input.predict.length * k);
  const epochs: number[] = [];
  let agreement = 0;
  for (let m = 0; m < members; m++) {
    let targets = baseTargets(weakTrain, k, method);
    let head: Head | undefined;
    for (let round = 0; round <= (method.selfTraining?.rounds ?? 0); round++) {
      if (head && method.selfTraining) {
        // Bootstrapping: blend the previous student's hardened view of B into the targets.
        const mine = harden(predictProba(head, input.X, input.train), k);
        const mix = method.selfTraining.mix;
        const weak = baseTargets(weakTrain, k, method);
        targets = weak.map((w, i) => (1 - mix) * w + mix * mine[i]);
      }
      const rng = new Rng(input.seed, `student:${m}:${round}`);
      head = createHead(settings.head, input.dim, k, rng);
      const positions = method.filter ? mostConfident(targets, k, method.filter.keep) : undefined;
      const trained = fit(head, input, targets, positions, settings, rng, weakValHard);
      epochs.push(trained.epochs);
      agreement = trained.agreement;
    }
    if (method.consistency) {
      // Retrain on the items where the student so far does not contradict the weak labels.
      const positions = consistentPositions(predictProba(head!, input.X, input.train), weakTrain, k, method.consistency.drop);
      const rng = new Rng(input.seed, `student:${m}:consistency`);
      head = createHead(settings.head, input.dim, k, rng);
      const trained = fit(head, input, baseTargets(weakTrain, k, method), positions, settings, rng, weakValHard);
      epochs.push(trained.epochs);
      agreement = trained.agreement;
    }
    const p = predictProba(head!, input.X, input.predict);
    for (let i = 0; i < probs.length; i++) probs[i] += p[i] / members;
  }
  return { probs, epochs, validationAgreement: agreement };
}

/** Trains `head` on the train positions kept (all when undefined) against `targets` (every train item). */
function fit(
  head: Head,
  input: StudentInput,
  allTargets: Float32Array,
  positions: Int32Array | undefined,
  settings: TrainSettings,
  rng: Rng,
  weakValHard: Uint8Array,
): { epochs: number; agreement: number } {
  const k = head.classes;
  const rows = positions ? Int32Array.from(positions, (p) => input.train[p]) : input.train;
  const keep = (all: Float32Array, width: number) => (positions ? gather(all, positions, width) : all);
  // The epoch hook rewrites these in place between epochs, so never share them with the caller.
  const targets = input.epochTargets ? Float32Array.from(keep(allTargets, k)) : keep(allTargets, k);
  const setEpochTargets = (epoch: number) => {
    const student = predictProba(head, input.X, input.train);
    targets.set(keep(input.epochTargets!({ weak: allTargets, student, epoch, epochs: settings.epochs }), k));
  };
  if (input.epochTargets) setEpochTargets(0);
  const agreementNow = () => {
    const pred = argmaxRows(predictProba(head, input.X, input.validation), head.classes);
    let same = 0;
    for (let i = 0; i < pred.length; i++) same += pred[i] === weakValHard[i] ? 1 : 0;
    return pred.length ? same / pred.length : 0;
  };
  const stopping = input.method.earlyStopping;
  let best = -1;
  let bestParams: Float32Array | undefined;
  let sinceBest = 0;
  let trainedEpochs = 0;
  const stopNow = () => {
    const a = agreementNow();
    if (a > best) {
      best = a;
      bestParams = Float32Array.from(head.params);
      sinceBest = 0;
      return false;
    }
    return ++sinceBest >= stopping!.patience;
  };
  train(head, {
    X: input.X,
    rows,
    targets: targetFn(targets, k, input.method),
    weights: input.weights && keep(input.weights, 1),
    ...settings,
    rng,
    afterEpoch: (epoch) => {
      trainedEpochs = epoch + 1;
      const stop = stopping ? stopNow() : false;
      if (!stop && input.epochTargets && epoch + 1 < settings.epochs) setEpochTargets(epoch + 1);
      return stop;
    },
  });
  if (bestParams) head.params.set(bestParams);
  return { epochs: trainedEpochs, agreement: stopping ? best : agreementNow() };
}

function gather(values: Float32Array, positions: Int32Array, k: number): Float32Array {
  const out = new Float32Array(positions.length * k);
  positions.forEach((p, i) => out.set(values.subarray(p * k, p * k + k), i * k));
  return out;
}
