import type { Method } from '../domain/method.js';
import type { ProgressFn, TaskId } from '../../workers/w2s/data/types.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { embeddedVault } from '../scoring/label-vault.js';
import { score, type Score } from '../scoring/score.js';
import { median } from './stats.js';
import { summarize, type ScoreSummary } from './summary.js';

export interface Evaluation extends ScoreSummary {
  /** Median wall time of one seed (baselines from cache when cached, plus the student). */
  ms: number;
  msPerSeed: number[];
  perSeed: Score[];
}

export interface EvaluateOptions {
  task: TaskId;
  method: Method;
  seeds: readonly number[];
  cacheDir: string;
  cacheBaselines?: boolean;
  progress?: ProgressFn;
}

/** Runs a method in-process on each seed and scores it: what `aar eval` prints. */
export function evaluateMethod(o: EvaluateOptions): Evaluation {
  const vault = embeddedVault(o.cacheDir, o.task);
  const perSeed: Score[] = [];
  const msPerSeed: number[] = [];
  for (const seed of o.seeds) {
    const t0 = performance.now();
    const run = runW2s({ task: o.task, seed, method: o.method, cacheDir: o.cacheDir, cacheBaselines: o.cacheBaselines, progress: o.progress });
    msPerSeed.push(performance.now() - t0);
    perSeed.push(score(vault, run));
  }
  return {
    ...summarize(o.task, o.method.name ?? 'custom', [...o.seeds], perSeed),
    ms: median(msPerSeed),
    msPerSeed,
    perSeed,
  };
}
