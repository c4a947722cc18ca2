import type { Method } from '../../../src/domain/method.js';
import type { TargetFn } from '../models/train.js';

/** Base targets for the student: weak probabilities, hardened if asked, then smoothed. */
export function baseTargets(weakProbs: Float32Array, k: number, method: Method): Float32Array {
  const out = method.labels === 'hard' ? harden(weakProbs, k) : Float32Array.from(weakProbs);
  const eps = method.labelSmoothing;
  if (eps > 0) for (let i = 0; i < out.length; i++) out[i] = (1 - eps) * out[i] + eps / k;
  return out;
}

/** One-hot of each row's argmax. */
export function harden(probs: Float32Array, k: number): Float32Array {
  const out = new Float32Array(probs.length);
  for (let r = 0; r < probs.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
    out[r * k + best] = 1;
  }
  return out;
}

/** Indices (positions) of the `keep` fraction of rows with the most confident targets. */
export function mostConfident(probs: Float32Array, k: number, keep: number): Int32Array {
  const n = probs.length / k;
  const conf = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let j = 0; j < k; j++) max = Math.max(max, probs[r * k + j]);
    conf[r] = max;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => conf[b] - conf[a] || a - b);
  return Int32Array.from(order.slice(0, Math.max(1, Math.round(n * keep)))).sort();
}

/**
 * The target function for training: plain base targets, or Burns et al.'s auxiliary
 * confidence loss. Because cross-entropy is linear in its targets, the loss
 * (1 - a) CE(p, weak) + a CE(p, hardened p) equals CE against the mixed target.
 */
export function targetFn(base: Float32Array, k: number, method: Method): TargetFn {
  const aux = method.auxConf;
  if (!aux || aux.alphaMax === 0) {
    return (positions, count, _probs, _progress, out) => {
      for (let r = 0; r < count; r++) for (let j = 0; j < k; j++) out[r * k + j] = base[positions[r] * k + j];
    };
  }
  return (positions, count, probs, progress, out) => {
    const alpha = aux.warmup > 0 ? aux.alphaMax * Math.min(1, progress / aux.warmup) : aux.alphaMax;
    const hard = new Uint8Array(count);
    if (k === 2 && aux.threshold === 'adaptive') {
      // Threshold at the quantile that gives the batch the weak labels' share of class 1.
      let positives = 0;
      for (let r = 0; r < count; r++) positives += base[positions[r] * 2 + 1];
      const share = positives / count;
      const sorted = Array.from({ length: count }, (_, r) => probs[r * 2 + 1]).sort((a, b) => a - b);
      const cut = sorted[Math.min(count - 1, Math.max(0, Math.floor(count * (1 - share))))];
      for (let r = 0; r < count; r++) hard[r] = probs[r * 2 + 1] >= cut && share > 0 ? 1 : 0;
    } else {
      const t = aux.threshold === 'fixed' ? aux.fixedThreshold : 1 / k;
      for (let r = 0; r < count; r++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
        hard[r] = k === 2 ? (probs[r * 2 + 1] >= t ? 1 : 0) : best;
      }
    }
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < k; j++) out[r * k + j] = (1 - alpha) * base[positions[r] * k + j] + (hard[r] === j ? alpha : 0);
    }
  };
}
