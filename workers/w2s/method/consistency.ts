/**
 * Student-teacher consistency filtering: after a first student is trained, drop the `drop`
 * fraction of train items on which it most confidently contradicts the weak label (lowest
 * probability for the weak teacher's class), then train a fresh student on the rest.
 *
 * Why it helps: a strong student generalises from the bulk of the weak labels, so where it
 * confidently disagrees with one, the weak label is more often wrong than right. Dropping those
 * items (rather than flipping them, as self-training does) removes the teacher's errors the
 * student would otherwise learn to imitate without adding the student's own mistakes as labels.
 */
export function consistentPositions(studentProbs: Float32Array, weakProbs: Float32Array, k: number, drop: number): Int32Array {
  const n = weakProbs.length / k;
  const agree = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (weakProbs[r * k + j] > weakProbs[r * k + best]) best = j;
    agree[r] = studentProbs[r * k + best];
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => agree[b] - agree[a] || a - b);
  const keep = Math.max(1, n - Math.round(n * drop));
  return Int32Array.from(order.slice(0, keep)).sort();
}
