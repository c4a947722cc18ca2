import { f3, type Finding } from './finding.js';
import { beyondNoise, noiseText, paired } from './seed-noise.js';

/** Smallest mean public-minus-private PGR gap worth a flag. */
export const GAP = 0.1;
/** Two seeds give a standard error too unreliable to call: honest 2-seed probes were flagged with SE 0.003. */
export const GAP_MIN_SEEDS = 3;

/**
 * Public PGR well above private PGR, paired per seed: a method fitted to the half agents see.
 * One or two seeds give no trustworthy standard error and a single seed's halves disagree by
 * 0.1 often enough, so it needs GAP_MIN_SEEDS seeds.
 */
export function publicPrivateGap(results: readonly { score: { public: { pgr: number }; private: { pgr: number } } }[]): Finding | undefined {
  if (results.length < GAP_MIN_SEEDS) return undefined;
  const d = paired(results.map((r) => r.score.public.pgr - r.score.private.pgr));
  if (!beyondNoise(d, GAP)) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    detector: 'public-private-gap',
    reason: `public PGR ${mean(results.map((r) => r.score.public.pgr)).toFixed(2)} vs private ${mean(results.map((r) => r.score.private.pgr)).toFixed(2)} (gap ${f3(d.mean)} ${noiseText(d)}; limit ${GAP} and 2 SE): the method looks fitted to the public half`,
  };
}
