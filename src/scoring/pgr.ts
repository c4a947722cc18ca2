import { UndefinedPgrError } from '../domain/errors.js';

/**
 * Performance Gap Recovered: the share of the weak-to-ceiling gap the student closes.
 * Undefined (an error, not a division by zero) when the ceiling does not beat the weak teacher.
 */
export function pgr(student: number, weak: number, ceiling: number, where = 'this split'): number {
  if (!(ceiling > weak)) throw new UndefinedPgrError(weak, ceiling, where);
  return (student - weak) / (ceiling - weak);
}
