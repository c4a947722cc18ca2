/**
 * Label propagation of weak labels over the strong student's feature space.
 *
 * Why it helps: the weak teacher's errors come from ITS view of an item (for spam a 64-bucket
 * bag of words, for math one-hot digits), so they are close to independent of where the item
 * lies in the STRONG representation. Items that are near neighbours in the strong space mostly
 * share the true class, so averaging the weak labels of an item's neighbours cancels much of
 * the teacher's noise (a local majority vote), while the weak teacher's systematic view is
 * still the only source of labels. Nothing here sees a gold label: only X rows and weak
 * probabilities on the student's train split.
 *
 * y_{t+1} = (1 - mix) * y_0 + mix * mean over the k nearest neighbours of y_t (label spreading,
 * Zhou et al. 2004), neighbours by cosine similarity of the mean-centred feature rows
 * (centring matters: averaged word vectors share a large common direction that would make
 * every pair look alike).
 */

/** For each train position, its k nearest other train positions (row-major n x k). */
export function nearestNeighbours(X: Float32Array, dim: number, rows: Int32Array, k: number): Int32Array {
  const n = rows.length;
  const kk = Math.max(1, Math.min(k, n - 1));
  // Centred, unit-length copies of the rows, contiguous for fast dot products.
  const mean = new Float64Array(dim);
  for (let p = 0; p < n; p++) {
    const o = rows[p] * dim;
    for (let i = 0; i < dim; i++) mean[i] += X[o + i] / n;
  }
  const Z = new Float64Array(n * dim);
  for (let p = 0; p < n; p++) {
    const o = rows[p] * dim;
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      const v = X[o + i] - mean[i];
      Z[p * dim + i] = v;
      norm += v * v;
    }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dim; i++) Z[p * dim + i] *= s;
  }
  // Each row's top k by insertion into a sorted list; ties go to the smaller position.
  const topSim = new Float64Array(n * kk).fill(-Infinity);
  const topIdx = new Int32Array(n * kk).fill(-1);
  const insert = (p: number, q: number, sim: number) => {
    const o = p * kk;
    if (sim <= topSim[o + kk - 1]) return;
    let j = kk - 1;
    while (j > 0 && (topSim[o + j - 1] < sim || (topSim[o + j - 1] === sim && topIdx[o + j - 1] > q))) {
      topSim[o + j] = topSim[o + j - 1];
      topIdx[o + j] = topIdx[o + j - 1];
      j--;
    }
    topSim[o + j] = sim;
    topIdx[o + j] = q;
  };
  // The symmetric half of the similarity matrix, four rows at a time so each loaded q row
  // serves four dot products (the loop is memory-bound otherwise).
  const sims = new Float64Array(4 * n);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const rowsHere = Math.min(4, n - p0);
    const a0 = p0 * dim;
    const a1 = Math.min(p0 + 1, n - 1) * dim;
    const a2 = Math.min(p0 + 2, n - 1) * dim;
    const a3 = Math.min(p0 + 3, n - 1) * dim;
    for (let q = p0 + 1; q < n; q++) {
      const qo = q * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < dim; i++) {
        const z = Z[qo + i];
        s0 += Z[a0 + i] * z;
        s1 += Z[a1 + i] * z;
        s2 += Z[a2 + i] * z;
        s3 += Z[a3 + i] * z;
      }
      sims[q] = s0;
      sims[n + q] = s1;
      sims[2 * n + q] = s2;
      sims[3 * n + q] = s3;
    }
    for (let r = 0; r < rowsHere; r++) {
      const p = p0 + r;
      for (let q = p + 1; q < n; q++) {
        const s = sims[r * n + q];
        insert(p, q, s);
        insert(q, p, s);
      }
    }
  }
  return topIdx;
}

/** Weak probabilities (n x classes) spread over the neighbour graph as described above. */
export function propagateLabels(
  weak: Float32Array,
  classes: number,
  neighbours: Int32Array,
  k: number,
  mix: number,
  steps: number,
): Float32Array {
  const n = weak.length / classes;
  const kk = neighbours.length / Math.max(1, n);
  let y = Float32Array.from(weak);
  for (let t = 0; t < steps; t++) {
    const next = new Float32Array(weak.length);
    for (let p = 0; p < n; p++) {
      for (let j = 0; j < kk && j < k; j++) {
        const q = neighbours[p * kk + j];
        if (q < 0) continue;
        for (let c = 0; c < classes; c++) next[p * classes + c] += y[q * classes + c];
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += next[p * classes + c];
      for (let c = 0; c < classes; c++) {
        const nb = sum > 0 ? next[p * classes + c] / sum : weak[p * classes + c];
        next[p * classes + c] = (1 - mix) * weak[p * classes + c] + mix * nb;
      }
    }
    y = next;
  }
  return y;
}
