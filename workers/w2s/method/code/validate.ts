import { RunnerError } from '../../../../src/domain/errors.js';

/** How far a row of probabilities may sum from 1 (float32 rounding in the method's own maths). */
const SUM_TOLERANCE = 1e-3;

/**
 * Checks a hook's probabilities on the host before anything uses them: every value finite and
 * in [0, 1], every row summing to 1. Returns float32 rows renormalised to sum exactly to 1.
 */
export function checkProbabilities(values: Float64Array, rows: number, classes: number, hook: string): Float32Array {
  if (values.length !== rows * classes) throw fail(`${hook} returned ${values.length} numbers, expected ${rows * classes}`);
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const v = values[r * classes + j];
      if (!Number.isFinite(v) || v < 0 || v > 1 + SUM_TOLERANCE) {
        throw fail(`${hook} row ${r} class ${j} is ${v}; accepted: probabilities, finite numbers in [0, 1]`);
      }
      sum += v;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) throw fail(`${hook} row ${r} sums to ${sum}; accepted: each row sums to 1`);
    for (let j = 0; j < classes; j++) out[r * classes + j] = values[r * classes + j] / sum;
  }
  return out;
}

/**
 * Checks per-example weights: finite, non-negative, not all zero. Returns them scaled to mean 1
 * (training divides by each batch's weight sum, so the scale only matters for float range).
 */
export function checkWeights(values: Float64Array, n: number, hook: string): Float32Array {
  if (values.length !== n) throw fail(`${hook} returned ${values.length} values, expected ${n}`);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < 0) throw fail(`${hook}[${i}] is ${v}; accepted: finite numbers >= 0`);
    if (v > max) max = v;
  }
  if (max === 0) throw fail(`${hook} are all 0; accepted: at least one weight > 0`);
  // Divide by the largest first so the sum cannot overflow, then scale to mean 1.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] / max;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((values[i] / max) * n) / sum;
  return out;
}

function fail(message: string): RunnerError {
  return new RunnerError(`method code: ${message}`, { retry: false });
}
