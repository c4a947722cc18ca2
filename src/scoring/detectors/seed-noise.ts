import { meanSd } from '../../eval/stats.js';

/** Standard errors a paired mean difference must clear to count as more than seed noise. */
export const NOISE_SE = 2;

/** A mean of per-seed paired differences and its standard error (NaN for one seed). */
export interface PairedDifference {
  mean: number;
  se: number;
  n: number;
}

/** Mean and standard error of paired differences (one per seed). */
export function paired(diffs: readonly number[]): PairedDifference {
  const n = diffs.length;
  const { mean, sd } = meanSd(diffs);
  return { mean, se: n > 1 ? sd / Math.sqrt(n) : Number.NaN, n };
}

/** Whether a paired difference over several seeds clears both seed noise and a floor that matters. */
export function beyondNoise(d: PairedDifference, floor: number): boolean {
  return d.n > 1 && d.mean > NOISE_SE * d.se && d.mean > floor;
}

/** "± 0.004 SE over 5 seeds", or what one seed means. */
export function noiseText(d: PairedDifference): string {
  return d.n > 1 ? `± ${d.se.toFixed(3)} SE over ${d.n} seeds` : 'on its one seed';
}

/** A number inside a stored score that the ledger's type does not name (weak, ceiling, student, all). */
export function scoreField(score: unknown, ...path: string[]): number {
  let v: unknown = score;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : Number.NaN;
}

/** Accuracy over the whole test set, or the mean of the two equal halves for scores stored without it. */
export function testAccuracy(score: unknown, who: 'student' | 'weak' | 'ceiling'): number {
  const all = scoreField(score, 'all', who);
  return Number.isFinite(all) ? all : (scoreField(score, 'public', who) + scoreField(score, 'private', who)) / 2;
}
