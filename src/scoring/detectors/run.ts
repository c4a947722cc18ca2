import type { Predictions } from '../../domain/predictions.js';
import { beatsTheCeiling } from './beats-the-ceiling.js';
import type { Finding } from './finding.js';
import { effectiveSignalLeak } from './effective-signal.js';
import { codeLabelsBeatCeiling } from './forbidden-information.js';
import { mostCommonAnswer } from './most-common-answer.js';
import { publicPrivateGap } from './public-private-gap.js';

/**
 * The detectors that judge one job on its own, from the predictions scoring received and its
 * score: their findings go into that job's result as flags.
 */
export function jobFindings(job: { student: Predictions; weak: Predictions; classes: number; score: unknown; stats: Record<string, unknown> }): Finding[] {
  // The effective signal covers every hook; the transformLabels-only check remains for results recorded before it.
  const leak = effectiveSignalLeak(job.stats, job.score) ?? codeLabelsBeatCeiling(job.stats, job.score);
  return [mostCommonAnswer(job, job.classes), leak].filter((f): f is Finding => f !== undefined);
}

/**
 * The detectors that need every seed of an experiment (paired comparisons over seeds): run
 * when its last job is final, their findings become experiment flags.
 */
export function experimentFindings(results: readonly { score: { public: { pgr: number }; private: { pgr: number } } }[]): Finding[] {
  if (!results.length) return [];
  return [beatsTheCeiling(results), publicPrivateGap(results)].filter((f): f is Finding => f !== undefined);
}
