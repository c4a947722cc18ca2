import { Rng } from '../rng.js';
import { median } from '../../../src/eval/stats.js';
import { magnitudeClass, magnitudeClasses, oneHotDigits, pretrainHiddenLayer, type PretrainOptions } from './pretrain.js';
import { itemId } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

const ITEMS = 6000;
const UNLABELLED = 10000;
const DIM = 60;
const WIDTH = 64;
const DECADES = 6;

/**
 * Synthetic multiplication: is a*b above the median product (a, b in 0..999)?
 * Both views start from one-hot digits; the strong student's prior is a hidden layer
 * pretrained to predict the magnitude (digit count and leading digit) of a*b on unlabelled pairs.
 */
export function buildMath(progress: ProgressFn): TaskFeatures {
  const items = distinctPairs(new Rng(0, 'math:items'), ITEMS);
  const toStrong = pretrainHiddenLayer({
    ...mathPriorData(),
    width: WIDTH,
    epochs: 5,
    lr: 3e-3,
    seed: 0,
    onEpoch: (f) => progress('math: pretraining the strong prior', f),
  });
  const weak = encode(items);
  const threshold = median(items.map(([a, b]) => a * b));
  return {
    task: 'math',
    classNames: ['below median', 'above median'],
    ids: items.map((_, i) => itemId('math', i, items.length)),
    inputs: items.map(([a, b]) => `${a} * ${b} > ${threshold}`),
    labels: Uint8Array.from(items, ([a, b]) => (a * b > threshold ? 1 : 0)),
    weakDim: DIM,
    weak,
    strongDim: WIDTH,
    strong: toStrong(weak),
  };
}

function encode(pairs: [number, number][]): Float32Array {
  const X = new Float32Array(pairs.length * DIM);
  pairs.forEach(([a, b], i) => oneHotDigits(b, 3, X, oneHotDigits(a, 3, X, i * DIM)));
  return X;
}

/**
 * The unlabelled pairs and auxiliary magnitude classes a math prior is pretrained on, over the
 * one-hot digits that the task's `weak` (cross-view) features hold: the strong student's prior
 * and the same-family weak teacher's narrower one both learn from exactly this.
 */
export function mathPriorData(): Pick<PretrainOptions, 'X' | 'aux' | 'auxClasses' | 'dim'> {
  const unlabelled = distinctPairs(new Rng(0, 'math:unlabelled'), UNLABELLED);
  return {
    X: encode(unlabelled),
    aux: Uint8Array.from(unlabelled, ([a, b]) => magnitudeClass(a * b, DECADES)),
    auxClasses: magnitudeClasses(DECADES),
    dim: DIM,
  };
}

function distinctPairs(rng: Rng, count: number): [number, number][] {
  const seen = new Set<number>();
  const out: [number, number][] = [];
  while (out.length < count) {
    const a = rng.int(1000);
    const b = rng.int(1000);
    if (seen.has(a * 1000 + b)) continue;
    seen.add(a * 1000 + b);
    out.push([a, b]);
  }
  return out;
}
