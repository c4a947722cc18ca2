import { hash32 } from '../rng.js';

const WORD = /[a-z][a-z']*/g;

/** Lower-cased word tokens, at most `limit` of them. */
export function tokenize(text: string, limit = Infinity): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    out.push(m[0]);
    if (out.length >= limit) break;
  }
  return out;
}

/** log(1 + count) of each token's hash bucket, written into `row` (length = buckets). */
export function hashedBagOfWords(tokens: readonly string[], row: Float32Array): void {
  const buckets = row.length;
  for (const t of tokens) row[hash32(t) % buckets] += 1;
  for (let i = 0; i < buckets; i++) if (row[i] > 0) row[i] = Math.log1p(row[i]);
}

/** Presence of each character n-gram (n in minN..maxN) of `^word$`, hashed into `row`. */
export function hashedCharNgrams(word: string, row: Float32Array, minN: number, maxN: number): void {
  const padded = `^${word}$`;
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= padded.length; i++) row[hash32(`${n}:${padded.slice(i, i + n)}`) % row.length] = 1;
  }
}

/** Mean of the vectors of the tokens that have one; false when none has. */
export function meanVector(tokens: readonly string[], vectors: ReadonlyMap<string, Float32Array>, out: Float32Array): boolean {
  let n = 0;
  for (const t of tokens) {
    const v = vectors.get(t);
    if (!v) continue;
    for (let i = 0; i < out.length; i++) out[i] += v[i];
    n++;
  }
  if (n === 0) return false;
  for (let i = 0; i < out.length; i++) out[i] /= n;
  return true;
}

/** Column-wise z-scoring in place, so one learning rate suits every task. */
export function standardize(X: Float32Array, dim: number): void {
  const n = X.length / dim;
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += X[r * dim + j];
    mean /= n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (X[r * dim + j] - mean) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let r = 0; r < n; r++) X[r * dim + j] = (X[r * dim + j] - mean) / sd;
  }
}

/**
 * A label-independent order for a task's items (by content hash), so that ids assigned in
 * that order (`spam-00042`) say nothing about the class.
 */
export function hashOrder(keys: readonly string[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => hash32(keys[a]) - hash32(keys[b]) || (keys[a] < keys[b] ? -1 : 1));
}

export function itemId(prefix: string, rank: number, total: number): string {
  return `${prefix}-${String(rank).padStart(String(total - 1).length, '0')}`;
}
