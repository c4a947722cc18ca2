// Prediction distance between two submissions. Scoring once answered near-duplicates with an
// earlier twin's score and flagged agents with many as "probing the scorer"; the Ladder
// (src/scoring/ladder.ts) replaced both, and these helpers stay for comparing predictions.

/** Two submissions are near-duplicates when they differ on fewer than this share of the public items… */
export const MIN_DISTINCT_SHARE = 0.01;
/** …or fewer than this many items, whichever is more. */
export const MIN_DISTINCT_FLOOR = 5;

/** The default `minDistinct`: 1% of the public items, at least 5. */
export function defaultMinDistinct(publicSize: number): number {
  return Math.max(MIN_DISTINCT_FLOOR, Math.ceil(MIN_DISTINCT_SHARE * publicSize));
}

/** Items on which two prediction vectors differ, counting no further than `limit` (most pairs stop early). */
export function distinctItems(a: Uint8Array, b: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let n = 0;
  for (let k = 0; k < a.length && n < limit; k++) if (a[k] !== b[k]) n++;
  return n;
}

