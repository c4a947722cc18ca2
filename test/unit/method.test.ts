import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { BUILTIN_METHODS, builtinMethod, parseMethod } from '../../src/domain/method.js';

/** Runs `fn`, expects an InvalidInputError and returns it. */
function invalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).code).toBe('invalid_input');
    return e as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError, but nothing was thrown');
}

describe('parseMethod', () => {
  it('accepts {} as the naive method: soft labels, no smoothing, every technique off', () => {
    const m = parseMethod({});
    expect(m).toEqual({ labels: 'soft', labelSmoothing: 0 });
  });

  it('accepts every built-in method and keeps its name', () => {
    expect(Object.keys(BUILTIN_METHODS)).toEqual(expect.arrayContaining(['naive', 'aux-conf']));
    for (const name of Object.keys(BUILTIN_METHODS)) {
      const m = builtinMethod(name);
      expect(m.name).toBe(name);
      expect(parseMethod(BUILTIN_METHODS[name])).toEqual(m);
    }
  });

  it('fills defaults of nested techniques', () => {
    const m = parseMethod({ auxConf: { alphaMax: 0.5 }, earlyStopping: {}, selfTraining: { rounds: 2 } });
    expect(m.auxConf).toEqual({ alphaMax: 0.5, warmup: 0.2, threshold: 'adaptive', fixedThreshold: 0.5 });
    expect(m.earlyStopping).toEqual({ patience: 3 });
    expect(m.selfTraining).toEqual({ rounds: 2, mix: 0.5 });
  });

  it('rejects an unknown top-level field, naming its path', () => {
    const e = invalid(() => parseMethod({ bogus: 1 }));
    expect(e.message).toContain('method.bogus');
    expect(e.message).toContain('unknown field');
    expect(e.problems).toEqual([{ field: 'method.bogus', problem: 'unknown field' }]);
  });

  it('rejects an unknown nested field, naming its full path', () => {
    const e = invalid(() => parseMethod({ auxConf: { alphaMax: 0.5, extra: true } }));
    expect(e.message).toContain('method.auxConf.extra');
    expect(e.message).toContain('unknown field');
  });

  it.each([
    [{ epochs: 500 }, 'method.epochs', 'at most 200'],
    [{ lr: 0 }, 'method.lr', 'at least 0.00001'],
    [{ filter: { keep: 1.5 } }, 'method.filter.keep', 'at most 1'],
    [{ filter: { keep: 0 } }, 'method.filter.keep', 'at least 0 (exclusive)'],
    [{ head: { kind: 'mlp', width: 1 } }, 'method.head.width', 'at least 4'],
    [{ ensemble: { size: 10 } }, 'method.ensemble.size', 'at most 9'],
  ])('rejects out-of-range %j, naming %s and the bound', (input, field, bound) => {
    const e = invalid(() => parseMethod(input));
    expect(e.message).toContain(field);
    expect(e.message).toContain(bound);
    expect(e.problems.map((p) => p.field)).toEqual([field]);
  });

  it('rejects a non-integer where an integer is required', () => {
    const e = invalid(() => parseMethod({ epochs: 2.5 }));
    expect(e.message).toContain('method.epochs');
  });

  it('rejects a bad enum value, listing the accepted values', () => {
    const e = invalid(() => parseMethod({ labels: 'medium' }));
    expect(e.message).toContain('method.labels');
    expect(e.message).toContain('"soft"');
    expect(e.message).toContain('"hard"');
  });

  it('reports every bad field at once', () => {
    const e = invalid(() => parseMethod({ epochs: 0, lr: 5, bogus: 1 }));
    expect(e.problems.map((p) => p.field).sort()).toEqual(['method.bogus', 'method.epochs', 'method.lr']);
  });

  it('rejects a non-object', () => {
    const e = invalid(() => parseMethod('naive'));
    expect(e.message).toContain('method');
    expect(e.message).toContain('expected object');
  });
});

describe('builtinMethod', () => {
  it('rejects an unknown name, listing the accepted names', () => {
    const e = invalid(() => builtinMethod('nope'));
    expect(e.message).toContain('"nope"');
    for (const name of Object.keys(BUILTIN_METHODS)) expect(e.message).toContain(name);
  });

  it('does not treat Object.prototype keys as built-ins', () => {
    invalid(() => builtinMethod('toString'));
    invalid(() => builtinMethod('__proto__'));
  });
});
