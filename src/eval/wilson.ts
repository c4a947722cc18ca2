/** Wilson lower confidence bound of a proportion `hits / n` at `z` standard errors (0 when n is 0). Counts may be fractional (weighted). */
export function wilsonLower(hits: number, n: number, z: number): number {
  if (!(n > 0)) return 0;
  const p = Math.min(1, Math.max(0, hits / n));
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}
