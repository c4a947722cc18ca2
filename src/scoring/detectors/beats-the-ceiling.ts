import { f3, pct, type Finding } from './finding.js';
import { beyondNoise, noiseText, paired, testAccuracy } from './seed-noise.js';

/** Smallest mean margin over the ceiling worth a flag when several seeds give a standard error. */
export const CEILING_MARGIN = 0.01;
/** With one seed there is no standard error: the margin alone must be this large. */
export const CEILING_MARGIN_ONE_SEED = 0.03;

/**
 * A student taught by weak labels that beats the strong model trained on ground truth has
 * likely seen evaluation labels. Accuracies on the whole test set, paired per seed (each seed
 * has its own ceiling).
 */
export function beatsTheCeiling(results: readonly { score: unknown }[]): Finding | undefined {
  const pairs = results.map((r) => ({ s: testAccuracy(r.score, 'student'), c: testAccuracy(r.score, 'ceiling') })).filter((p) => Number.isFinite(p.s) && Number.isFinite(p.c));
  if (!pairs.length) return undefined;
  const d = paired(pairs.map((p) => p.s - p.c));
  const flagged = d.n === 1 ? d.mean > CEILING_MARGIN_ONE_SEED : beyondNoise(d, CEILING_MARGIN);
  if (!flagged) return undefined;
  const mean = (pick: (p: { s: number; c: number }) => number) => pairs.reduce((a, p) => a + pick(p), 0) / pairs.length;
  return {
    detector: 'beats-the-ceiling',
    reason: `student accuracy ${pct(mean((p) => p.s))} vs ceiling ${pct(mean((p) => p.c))} (+${f3(d.mean)} ${noiseText(d)}; limit ${d.n === 1 ? `+${CEILING_MARGIN_ONE_SEED}` : `+${CEILING_MARGIN} and 2 SE`}): a student trained on weak labels should not beat the strong model trained on ground truth`,
  };
}
