import { MlpHead } from '../models/head.js';
import { train } from '../models/train.js';
import { Rng } from '../rng.js';
import { standardize } from './text.js';

export interface PretrainOptions {
  /** Unlabelled inputs (row-major) and their auxiliary-task classes. */
  X: Float32Array;
  aux: Uint8Array;
  auxClasses: number;
  dim: number;
  width: number;
  epochs: number;
  lr: number;
  seed: number;
  onEpoch?: (fraction: number) => void;
}

/**
 * Gives a synthetic task's strong student its prior: an MLP pretrained on an auxiliary task
 * over unlabelled inputs. The returned function maps items to the (standardised) hidden layer,
 * which plays the part that GloVe plays for the text tasks.
 */
export function pretrainHiddenLayer(o: PretrainOptions): (items: Float32Array) => Float32Array {
  const rng = new Rng(o.seed, 'pretrain');
  const head = new MlpHead(o.dim, o.width, o.auxClasses, rng);
  const n = o.aux.length;
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  train(head, {
    X: o.X,
    rows,
    epochs: o.epochs,
    lr: o.lr,
    l2: 1e-5,
    batchSize: 64,
    rng,
    targets: (positions, count, _probs, _progress, out) => {
      out.fill(0, 0, count * o.auxClasses);
      for (let r = 0; r < count; r++) out[r * o.auxClasses + o.aux[positions[r]]] = 1;
    },
    afterEpoch: (epoch) => {
      o.onEpoch?.((epoch + 1) / o.epochs);
      return false;
    },
  });
  return (items) => {
    const m = items.length / o.dim;
    const H = new Float64Array(m * o.width);
    head.hiddenOf(items, Int32Array.from({ length: m }, (_, i) => i), m, H);
    const strong = Float32Array.from(H);
    standardize(strong, o.width);
    return strong;
  };
}

/** One-hot encoding of the decimal digits of `value` (zero-padded to `digits`) into `row` at `offset`. */
export function oneHotDigits(value: number, digits: number, row: Float32Array, offset: number): number {
  let v = value;
  for (let d = digits - 1; d >= 0; d--) {
    row[offset + d * 10 + (v % 10)] = 1;
    v = Math.floor(v / 10);
  }
  return offset + digits * 10;
}

/**
 * Coarse log-magnitude of an integer, with its sign: quarter-decade buckets of log10(1 + |v|),
 * capped at `decades`. Predicting it teaches a network roughly how large a result is.
 */
export function magnitudeClass(value: number, decades: number): number {
  const bucket = Math.min(decades * 4 - 1, Math.floor(Math.log10(1 + Math.abs(value)) * 4));
  return value < 0 ? decades * 4 + bucket : bucket;
}

/** Number of classes magnitudeClass can return. */
export function magnitudeClasses(decades: number): number {
  return decades * 8;
}
