import type { Rng } from '../rng.js';

/**
 * A trainable classifier over a dense row-major feature matrix: softmax regression or a
 * one-hidden-layer MLP. All parameters live in one flat array so one Adam serves both.
 */
export interface Head {
  readonly inputs: number;
  readonly classes: number;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  /** Marks which parameters get L2 (weights yes, biases no). */
  readonly decay: Uint8Array;
  /** Logits for rows `rows[0..count)` of X into `out` (count x classes). Keeps activations for backward. */
  forward(X: Float32Array, rows: ArrayLike<number>, count: number, out: Float64Array): void;
  /** Accumulates parameter gradients from dLoss/dLogits of the last forward. */
  backward(X: Float32Array, rows: ArrayLike<number>, count: number, dLogits: Float64Array): void;
}

export type HeadSpec = { kind: 'linear' } | { kind: 'mlp'; width: number };

export function createHead(spec: HeadSpec, inputs: number, classes: number, rng: Rng): Head {
  return spec.kind === 'linear' ? new LinearHead(inputs, classes, rng) : new MlpHead(inputs, spec.width, classes, rng);
}

// Weights are stored class-major (W[j * inputs + i]) so every inner loop is a dense dot
// product or axpy over contiguous memory. With two classes only one logit is learnt (the
// other is fixed at 0, which is softmax's sigmoid case): half the work, same model.
class LinearHead implements Head {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly decay: Uint8Array;
  private readonly outputs: number;

  constructor(
    readonly inputs: number,
    readonly classes: number,
    rng: Rng,
  ) {
    this.outputs = learntLogits(classes);
    const size = inputs * this.outputs + this.outputs;
    this.params = new Float64Array(size);
    this.grads = new Float64Array(size);
    this.decay = new Uint8Array(size);
    const scale = Math.sqrt(1 / inputs);
    for (let i = 0; i < inputs * this.outputs; i++) {
      this.params[i] = rng.normal() * scale * 0.1;
      this.decay[i] = 1;
    }
  }

  forward(X: Float32Array, rows: ArrayLike<number>, count: number, out: Float64Array): void {
    const { inputs: d, classes: k, outputs: o, params: W } = this;
    const bias = d * o;
    const first = k - o;
    for (let r = 0; r < count; r++) {
      const xo = rows[r] * d;
      if (first) out[r * k] = 0;
      for (let j = 0; j < o; j++) {
        const wo = j * d;
        let s = W[bias + j];
        for (let i = 0; i < d; i++) s += X[xo + i] * W[wo + i];
        out[r * k + first + j] = s;
      }
    }
  }

  backward(X: Float32Array, rows: ArrayLike<number>, count: number, dLogits: Float64Array): void {
    const { inputs: d, classes: k, outputs: o, grads: G } = this;
    const bias = d * o;
    const first = k - o;
    for (let r = 0; r < count; r++) {
      const xo = rows[r] * d;
      for (let j = 0; j < o; j++) {
        const g = dLogits[r * k + first + j];
        if (g === 0) continue;
        G[bias + j] += g;
        const wo = j * d;
        for (let i = 0; i < d; i++) G[wo + i] += g * X[xo + i];
      }
    }
  }
}

/** Logits a head learns: one for a binary task (the other is fixed at 0), else one per class. */
function learntLogits(classes: number): number {
  return classes === 2 ? 1 : classes;
}

export class MlpHead implements Head {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly decay: Uint8Array;
  private hidden = new Float64Array(0);
  private dHidden = new Float64Array(0);
  private readonly w2: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly outputs: number;

  constructor(
    readonly inputs: number,
    readonly width: number,
    readonly classes: number,
    rng: Rng,
  ) {
    this.outputs = learntLogits(classes);
    const w1Size = inputs * width;
    this.b1 = w1Size;
    this.w2 = w1Size + width;
    this.b2 = this.w2 + width * this.outputs;
    const size = this.b2 + this.outputs;
    this.params = new Float64Array(size);
    this.grads = new Float64Array(size);
    this.decay = new Uint8Array(size);
    const s1 = Math.sqrt(2 / inputs);
    for (let i = 0; i < w1Size; i++) {
      this.params[i] = rng.normal() * s1;
      this.decay[i] = 1;
    }
    const s2 = Math.sqrt(1 / width);
    for (let i = this.w2; i < this.b2; i++) {
      this.params[i] = rng.normal() * s2 * 0.1;
      this.decay[i] = 1;
    }
  }

  /** ReLU activations of the hidden layer for the given rows (count x width). */
  hiddenOf(X: Float32Array, rows: ArrayLike<number>, count: number, H: Float64Array): void {
    const { inputs: d, width: h, params: P, b1 } = this;
    for (let r = 0; r < count; r++) {
      const xo = rows[r] * d;
      for (let u = 0; u < h; u++) {
        const wo = u * d;
        let s = P[b1 + u];
        for (let i = 0; i < d; i++) s += X[xo + i] * P[wo + i];
        H[r * h + u] = s > 0 ? s : 0;
      }
    }
  }

  forward(X: Float32Array, rows: ArrayLike<number>, count: number, out: Float64Array): void {
    const { width: h, classes: k, outputs: o, params: P, w2, b2 } = this;
    if (this.hidden.length < count * h) this.hidden = new Float64Array(count * h);
    const H = this.hidden;
    this.hiddenOf(X, rows, count, H);
    const first = k - o;
    for (let r = 0; r < count; r++) {
      const ho = r * h;
      if (first) out[r * k] = 0;
      for (let j = 0; j < o; j++) {
        const wo = w2 + j * h;
        let s = P[b2 + j];
        for (let u = 0; u < h; u++) s += H[ho + u] * P[wo + u];
        out[r * k + first + j] = s;
      }
    }
  }

  backward(X: Float32Array, rows: ArrayLike<number>, count: number, dLogits: Float64Array): void {
    const { inputs: d, width: h, classes: k, outputs: o, params: P, grads: G, w2, b1, b2 } = this;
    const H = this.hidden;
    const dH = this.dHidden.length === h ? this.dHidden : (this.dHidden = new Float64Array(h));
    const first = k - o;
    for (let r = 0; r < count; r++) {
      const ho = r * h;
      dH.fill(0);
      for (let j = 0; j < o; j++) {
        const g = dLogits[r * k + first + j];
        if (g === 0) continue;
        G[b2 + j] += g;
        const wo = w2 + j * h;
        for (let u = 0; u < h; u++) {
          G[wo + u] += g * H[ho + u];
          dH[u] += g * P[wo + u];
        }
      }
      const xo = rows[r] * d;
      for (let u = 0; u < h; u++) {
        if (H[ho + u] === 0) continue;
        const g = dH[u];
        G[b1 + u] += g;
        const wo = u * d;
        for (let i = 0; i < d; i++) G[wo + i] += g * X[xo + i];
      }
    }
  }
}
