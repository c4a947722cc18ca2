import type { ResultRow } from '../ledger/ledger.js';
import { meanSd, median, type MeanSd } from '../eval/stats.js';
import type { Score } from '../scoring/score.js';

export interface FailedSeed {
  seed: number;
  reason: string;
}

/** An experiment's scores over its seeds: the same shape `aar eval --json` prints, plus failures. */
export interface ExperimentReport {
  experiment: string;
  task: string;
  method: string;
  seeds: number[];
  weak: MeanSd;
  ceiling: MeanSd;
  student: MeanSd;
  pgr: { public: MeanSd; private: MeanSd };
  ms: number;
  failed: FailedSeed[];
}

export function experimentReport(o: { experiment: string; task: string; method: string; results: ResultRow[]; failed: FailedSeed[] }): ExperimentReport {
  const scores = o.results.map((r) => r.score as unknown as Score);
  const over = (pick: (s: Score) => number): MeanSd => (scores.length ? meanSd(scores.map(pick)) : { mean: Number.NaN, sd: Number.NaN });
  const ms = o.results.map((r) => Number(r.stats.msStudent ?? 0) + Number(r.stats.msBaselines ?? 0));
  return {
    experiment: o.experiment,
    task: o.task,
    method: o.method,
    seeds: o.results.map((r) => r.seed),
    weak: over((s) => s.all.weak),
    ceiling: over((s) => s.all.ceiling),
    student: over((s) => s.all.student),
    pgr: { public: over((s) => s.public.pgr), private: over((s) => s.private.pgr) },
    ms: ms.length ? Math.round(median(ms) * 10) / 10 : 0,
    failed: o.failed,
  };
}
