import { describe, expect, it } from 'vitest';
import { UndefinedPgrError } from '../../src/domain/errors.js';
import { pgr } from '../../src/scoring/pgr.js';

function undefinedPgr(fn: () => unknown): UndefinedPgrError {
  try {
    const value = fn();
    throw new Error(`expected UndefinedPgrError, got ${String(value)}`);
  } catch (e) {
    expect(e).toBeInstanceOf(UndefinedPgrError);
    expect((e as UndefinedPgrError).code).toBe('pgr_undefined');
    return e as UndefinedPgrError;
  }
}

describe('pgr', () => {
  it('is the share of the weak-to-ceiling gap the student recovers', () => {
    expect(pgr(0.9, 0.8, 1.0)).toBeCloseTo(0.5, 12);
    expect(pgr(0.8, 0.8, 1.0)).toBe(0);
    expect(pgr(1.0, 0.8, 1.0)).toBeCloseTo(1, 12);
  });

  it('can be negative or above 1 when the student is worse than weak or better than the ceiling', () => {
    expect(pgr(0.7, 0.8, 1.0)).toBeCloseTo(-0.5, 12);
    expect(pgr(0.95, 0.8, 0.9)).toBeCloseTo(1.5, 12);
  });

  it('throws UndefinedPgrError (not Infinity) when the ceiling equals the weak teacher', () => {
    const e = undefinedPgr(() => pgr(0.9, 0.8, 0.8, 'the public half of spam'));
    expect(e.weak).toBe(0.8);
    expect(e.ceiling).toBe(0.8);
    expect(e.message).toContain('the public half of spam');
  });

  it('throws UndefinedPgrError (not a sign-flipped ratio) when the ceiling is below the weak teacher', () => {
    undefinedPgr(() => pgr(0.9, 0.8, 0.7));
  });

  it('throws UndefinedPgrError (not NaN) when an accuracy is NaN', () => {
    undefinedPgr(() => pgr(0.9, 0.8, Number.NaN));
    undefinedPgr(() => pgr(0.9, Number.NaN, 1.0));
  });
});
