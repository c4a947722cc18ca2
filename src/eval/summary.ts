import type { Score } from '../scoring/score.js';
import { meanSd, type MeanSd } from './stats.js';

/** Scores of one method on one task over seeds: what `aar eval` and `aar submit --wait` print. */
export interface ScoreSummary {
  task: string;
  method: string;
  seeds: number[];
  /** Accuracies on the whole test split, 0..1. */
  weak: MeanSd;
  ceiling: MeanSd;
  student: MeanSd;
  pgr: { public: MeanSd; private: MeanSd };
}

export function summarize(task: string, method: string, seeds: number[], scores: readonly Score[]): ScoreSummary {
  const over = (pick: (s: Score) => number): MeanSd => (scores.length ? meanSd(scores.map(pick)) : { mean: Number.NaN, sd: Number.NaN });
  return {
    task,
    method,
    seeds,
    weak: over((s) => s.all.weak),
    ceiling: over((s) => s.all.ceiling),
    student: over((s) => s.all.student),
    pgr: { public: over((s) => s.public.pgr), private: over((s) => s.private.pgr) },
  };
}
