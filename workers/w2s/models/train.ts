import type { Rng } from '../rng.js';
import { Adam } from './adam.js';
import type { Head } from './head.js';

/**
 * Fills `out` (count x classes) with the training targets for a mini-batch.
 * `positions` index the training set; `probs` are the head's current predictions for them;
 * `progress` runs from 0 to 1 over training (for warm-ups).
 */
export type TargetFn = (positions: Int32Array, count: number, probs: Float64Array, progress: number, out: Float64Array) => void;

export interface TrainOptions {
  /** Row-major features of every item; `rows[p]` is the item of training position p. */
  X: Float32Array;
  rows: Int32Array;
  targets: TargetFn;
  /** Optional per-position example weights (mean 1 keeps the learning rate meaningful). */
  weights?: Float32Array;
  epochs: number;
  lr: number;
  l2: number;
  batchSize: number;
  rng: Rng;
  /** Called after each epoch; return true to stop early. */
  afterEpoch?: (epoch: number) => boolean;
}

/** Mini-batch Adam on softmax cross-entropy against soft targets. */
export function train(head: Head, o: TrainOptions): void {
  const k = head.classes;
  const n = o.rows.length;
  const bs = Math.max(1, Math.min(o.batchSize, n));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const positions = new Int32Array(bs);
  const batchRows = new Int32Array(bs);
  const logits = new Float64Array(bs * k);
  const targets = new Float64Array(bs * k);
  const adam = new Adam(head.params, head.grads, head.decay, o.lr, o.l2);
  const stepsPerEpoch = Math.ceil(n / bs);
  const totalSteps = stepsPerEpoch * o.epochs;
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    o.rng.shuffle(order);
    for (let start = 0; start < n; start += bs) {
      const count = Math.min(bs, n - start);
      let weightSum = 0;
      for (let r = 0; r < count; r++) {
        positions[r] = order[start + r];
        batchRows[r] = o.rows[positions[r]];
        weightSum += o.weights ? o.weights[positions[r]] : 1;
      }
      head.forward(o.X, batchRows, count, logits);
      softmaxRows(logits, count, k);
      o.targets(positions, count, logits, step / totalSteps, targets);
      // dLoss/dLogits of cross-entropy with soft targets is (p - t), averaged over the batch.
      const scale = 1 / Math.max(weightSum, 1e-12);
      for (let r = 0; r < count; r++) {
        const w = (o.weights ? o.weights[positions[r]] : 1) * scale;
        for (let j = 0; j < k; j++) logits[r * k + j] = (logits[r * k + j] - targets[r * k + j]) * w;
      }
      head.backward(o.X, batchRows, count, logits);
      adam.step();
      step++;
    }
    if (o.afterEpoch?.(epoch)) break;
  }
}

/** Class probabilities (rows.length x classes) for the given items. */
export function predictProba(head: Head, X: Float32Array, rows: ArrayLike<number>): Float32Array {
  const k = head.classes;
  const out = new Float32Array(rows.length * k);
  const chunk = 512;
  const buf = new Float64Array(chunk * k);
  const idx = new Int32Array(chunk);
  for (let start = 0; start < rows.length; start += chunk) {
    const count = Math.min(chunk, rows.length - start);
    for (let r = 0; r < count; r++) idx[r] = rows[start + r];
    head.forward(X, idx, count, buf);
    softmaxRows(buf, count, k);
    out.set(buf.subarray(0, count * k), start * k);
  }
  return out;
}

export function softmaxRows(z: Float64Array, count: number, k: number): void {
  for (let r = 0; r < count; r++) {
    const o = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (z[o + j] > max) max = z[o + j];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(z[o + j] - max);
      z[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) z[o + j] /= sum;
  }
}

/** Index of the largest probability in each row. */
export function argmaxRows(p: Float32Array, k: number): Uint8Array {
  const n = p.length / k;
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[r * k + j] > p[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}
