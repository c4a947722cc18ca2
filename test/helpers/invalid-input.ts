import { expect } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';

/** Runs `fn`, expects it to throw an InvalidInputError, and returns that error. */
export function invalidInput(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).code).toBe('invalid_input');
    return e as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError, but nothing was thrown');
}
