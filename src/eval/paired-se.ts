import { Rng } from '../../workers/w2s/rng.js';

/**
 * One seed's outcome on the private half, item by item (1 = correct), in the vault's private
 * order. Only trusted code (scoring, the desk's confirmation, the transfer step) builds these;
 * they never reach an agent.
 */
export interface SeedItems {
  seed: number;
  student: Uint8Array;
  weak: Uint8Array;
  ceiling: Uint8Array;
}

/** A paired comparison of two methods on the same seeds and items. */
export interface PairedGain {
  /** Mean over seeds of PGR(a) - PGR(b). */
  mean: number;
  /** Per seed, in order. */
  perSeed: number[];
  /** Standard error from seed-to-seed spread alone (what earlier reports showed). */
  seSeed: number;
  /** Standard error from resampling the evaluation items (the same items serve every seed). */
  seItem: number;
  /** sqrt(seSeed^2 + seItem^2): the error bar every report, card and bench shows, labelled as such. */
  se: number;
}

/** What a combined error bar is called wherever it is shown. */
export const COMBINED_SE_LABEL = 'combined SE (seed + item bootstrap)';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, v) => a + (v - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);

/** PGR of one seed over the items at `rows` (all items when omitted); NaN when the ceiling does not beat the weak teacher there. */
export function seedPgr(s: SeedItems, rows?: Int32Array): number {
  const n = rows ? rows.length : s.student.length;
  let st = 0;
  let w = 0;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    st += s.student[i];
    w += s.weak[i];
    c += s.ceiling[i];
  }
  return c > w ? (st - w) / (c - w) : Number.NaN;
}

/**
 * Mean PGR and its combined SE for one method: seed spread plus an item bootstrap that resamples
 * the evaluation items once per replicate for every seed together (they share the items).
 */
export function pgrWithSe(seeds: readonly SeedItems[], o: { replicates?: number; seed?: number } = {}): Omit<PairedGain, 'perSeed'> & { perSeed: number[] } {
  return pairedOrSingle(seeds, undefined, o);
}

/**
 * PGR(a) - PGR(b), paired by seed (same splits, weak labels and ceiling) and by item, with the
 * combined SE. Throws when the two lists are not the same seeds in the same order.
 */
export function pairedGain(a: readonly SeedItems[], b: readonly SeedItems[], o: { replicates?: number; seed?: number } = {}): PairedGain {
  if (a.length !== b.length || a.some((s, i) => s.seed !== b[i].seed || s.student.length !== b[i].student.length)) {
    throw new Error('pairedGain: a and b must be the same seeds, in the same order, over the same items');
  }
  return pairedOrSingle(a, b, o);
}

function pairedOrSingle(a: readonly SeedItems[], b: readonly SeedItems[] | undefined, o: { replicates?: number; seed?: number }): PairedGain {
  if (!a.length) throw new Error('pairedGain: no seeds');
  const value = (rows?: Int32Array) => a.map((s, i) => seedPgr(s, rows) - (b ? seedPgr(b[i], rows) : 0));
  const perSeed = value();
  const m = mean(perSeed);
  const seSeed = sd(perSeed) / Math.sqrt(perSeed.length);
  const n = a[0].student.length;
  const rng = new Rng(o.seed ?? 0, 'item-bootstrap');
  const reps: number[] = [];
  const rows = new Int32Array(n);
  for (let r = 0; r < (o.replicates ?? 200); r++) {
    for (let k = 0; k < n; k++) rows[k] = rng.int(n);
    const v = mean(value(rows));
    if (Number.isFinite(v)) reps.push(v);
  }
  const seItem = sd(reps);
  return { mean: m, perSeed, seSeed, seItem, se: Math.sqrt(seSeed ** 2 + seItem ** 2) };
}
