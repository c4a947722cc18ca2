import type { ResultRow } from '../ledger/ledger.js';
import { median } from '../eval/stats.js';
import { summarize, type ScoreSummary } from '../eval/summary.js';
import type { Score } from '../scoring/score.js';

export interface FailedSeed {
  seed: number;
  reason: string;
}

/** An experiment's scores over its seeds: the same shape `aar eval --json` prints, plus failures. */
export interface ExperimentReport extends ScoreSummary {
  experiment: string;
  /** Median milliseconds of a seed's run on its worker. */
  ms: number;
  failed: FailedSeed[];
}

export function experimentReport(o: { experiment: string; task: string; method: string; results: ResultRow[]; failed: FailedSeed[] }): ExperimentReport {
  const ms = o.results.map((r) => Number(r.stats.msStudent ?? 0) + Number(r.stats.msBaselines ?? 0));
  return {
    experiment: o.experiment,
    ...summarize(o.task, o.method, o.results.map((r) => r.seed), o.results.map((r) => r.score as unknown as Score)),
    ms: ms.length ? Math.round(median(ms) * 10) / 10 : 0,
    failed: o.failed,
  };
}
