import { describe, expect, it } from 'vitest';
import { BUILTIN_METHODS, builtinMethod, parseMethod, type MethodInput } from '../../src/domain/method.js';
import { consistentPositions } from '../../workers/w2s/method/consistency.js';
import { nearestNeighbours, propagateLabels } from '../../workers/w2s/method/knn.js';
import { trainStudent, type StudentInput } from '../../workers/w2s/method/student.js';
import { Rng } from '../../workers/w2s/rng.js';
import { invalidInput as invalid } from '../helpers/invalid-input.js';

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
    const n = parseMethod({ knn: {}, consistency: {} });
    expect(n.knn).toEqual({ k: 10, mix: 0.5, steps: 1 });
    expect(n.consistency).toEqual({ drop: 0.2 });
  });

  it('rejects an unknown top-level field, naming its path', () => {
    const e = invalid(() => parseMethod({ bogus: 1 }));
    expect(e.message).toContain('method.bogus');
    expect(e.message).toContain('unknown field');
    expect(e.problems).toEqual([{ field: 'method.bogus', problem: expect.stringMatching(/^unknown field; accepted here: name, labels, auxConf, filter, .*, batchSize$/) }]);
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
    [{ knn: { k: 0 } }, 'method.knn.k', 'at least 1'],
    [{ knn: { k: 101 } }, 'method.knn.k', 'at most 100'],
    [{ knn: { mix: 1.5 } }, 'method.knn.mix', 'at most 1'],
    [{ knn: { steps: 11 } }, 'method.knn.steps', 'at most 10'],
    [{ consistency: { drop: 0 } }, 'method.consistency.drop', 'at least 0 (exclusive)'],
    [{ consistency: { drop: 0.95 } }, 'method.consistency.drop', 'at most 0.9'],
  ])('rejects out-of-range %j, naming %s and the bound', (input, field, bound) => {
    const e = invalid(() => parseMethod(input));
    expect(e.message).toContain(field);
    expect(e.message).toContain(bound);
    expect(e.problems.map((p) => p.field)).toEqual([field]);
  });

  it('accepts method code: a source and optionally the hooks to call', () => {
    expect(parseMethod({ code: { source: 'function weights({ n }) { return new Array(n).fill(1); }' } }).code).toEqual({
      source: 'function weights({ n }) { return new Array(n).fill(1); }',
    });
    expect(parseMethod({ code: { source: 'x', hooks: ['transformLabels', 'epochTargets'] } }).code?.hooks).toEqual(['transformLabels', 'epochTargets']);
  });

  it.each([
    [{ code: { source: '' } }, 'method.code.source', 'at least 1'],
    [{ code: { source: 'x'.repeat(20_001) } }, 'method.code.source', 'at most 20000'],
    [{ code: { source: 'x', hooks: [] } }, 'method.code.hooks', 'at least 1'],
    [{ code: { source: 'x', hooks: ['predict'] } }, 'method.code.hooks.0', '"transformLabels", "weights", "epochTargets"'],
    [{ code: { source: 'x', hooks: ['weights', 'weights'] } }, 'method.code.hooks', 'each hook at most once'],
    [{ code: { source: 'x', language: 'ruby' } }, 'method.code.language', '"javascript", "python"'],
  ])('rejects bad method code %j, naming %s and what is accepted', (input, field, accepted) => {
    const e = invalid(() => parseMethod(input));
    expect(e.problems.map((p) => p.field)).toEqual([field]);
    expect(e.message).toContain(accepted);
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

describe('knn label propagation', () => {
  // Two clusters in 2-d, offset so centring matters: rows 0-2 near one direction, 3-5 near another.
  const X = Float32Array.from([10, 11, 10, 11.1, 10.1, 11, 11, 10, 11.1, 10, 11, 10.1]);
  const rows = Int32Array.from([0, 1, 2, 3, 4, 5]);

  it('finds each row\'s neighbours in its own cluster, by cosine of centred rows', () => {
    const nb = nearestNeighbours(X, 2, rows, 2);
    for (let p = 0; p < 6; p++) {
      for (const q of nb.subarray(p * 2, p * 2 + 2)) {
        expect(q).not.toBe(p);
        expect(q < 3).toBe(p < 3);
      }
    }
  });

  it('outvotes one wrong weak label in a cluster and keeps the weak labels at mix 0', () => {
    // Weak labels: cluster A is class 0 except row 1, which the teacher gets wrong.
    const weak = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.9, 0.1, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9]);
    const nb = nearestNeighbours(X, 2, rows, 2);
    expect(propagateLabels(weak, 2, nb, 2, 0, 1)).toEqual(weak);
    const spread = propagateLabels(weak, 2, nb, 2, 0.8, 1);
    expect(spread[1 * 2]).toBeGreaterThan(spread[1 * 2 + 1]);
    for (let r = 0; r < 6; r++) expect(spread[r * 2] + spread[r * 2 + 1]).toBeCloseTo(1, 6);
  });
});

describe('consistency filtering', () => {
  it('drops the items whose weak class the student gives the least probability', () => {
    const student = Float32Array.from([0.9, 0.1, 0.1, 0.9, 0.6, 0.4, 0.3, 0.7]);
    const weak = Float32Array.from([0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.4, 0.6]);
    expect(Array.from(consistentPositions(student, weak, 2, 0.25))).toEqual([0, 2, 3]);
  });
});

describe('new method options in trainStudent', () => {
  // A small synthetic task: the class is the sign of x0 + x1; the weak labels flip 25% of items.
  const n = 400;
  const dim = 8;
  const rng = new Rng(1, 'synthetic');
  const X = new Float32Array(n * dim);
  const weak = new Float32Array(n * 2);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) X[r * dim + i] = rng.normal();
    const y = X[r * dim] + X[r * dim + 1] > 0 ? 1 : 0;
    const label = rng.next() < 0.25 ? 1 - y : y;
    weak[r * 2 + label] = 0.8;
    weak[r * 2 + 1 - label] = 0.2;
  }
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const run = (method: MethodInput, hooks: Pick<StudentInput, 'weights' | 'epochTargets'> = {}) =>
    trainStudent({
      X,
      dim,
      classes: 2,
      train: all.slice(0, 300),
      validation: all.slice(300),
      weakTrain: weak.slice(0, 600),
      weakValidation: weak.slice(600),
      predict: all,
      defaults: { epochs: 5, lr: 0.01, l2: 1e-3, batchSize: 32, head: { kind: 'linear' } },
      method: parseMethod(method),
      seed: 3,
      ...hooks,
    });

  it.each([[{ knn: { k: 5, mix: 0.7, steps: 2 } }], [{ consistency: { drop: 0.2 } }]])('%j changes the student, identically on every run', (option) => {
    const plain = run({});
    const a = run(option);
    const b = run(option);
    expect(Array.from(b.probs)).toEqual(Array.from(a.probs));
    expect(b.epochs).toEqual(a.epochs);
    expect(Array.from(a.probs)).not.toEqual(Array.from(plain.probs));
  });

  // Method code's hooks reach training through these inputs (method/code/hooks.ts fills them).
  it('unit weights and an epochTargets that returns the weak targets change nothing', () => {
    const plain = run({ filter: { keep: 0.8 }, auxConf: { alphaMax: 0.5 } });
    const seen: number[] = [];
    const hooked = run(
      { filter: { keep: 0.8 }, auxConf: { alphaMax: 0.5 } },
      {
        weights: new Float32Array(300).fill(1),
        epochTargets: ({ weak: w, student, epoch, epochs }) => {
          expect(student).toHaveLength(600);
          expect(epochs).toBe(5);
          seen.push(epoch);
          return w;
        },
      },
    );
    expect(Array.from(hooked.probs)).toEqual(Array.from(plain.probs));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('weights and epochTargets change the student', () => {
    const plain = run({});
    const weights = Float32Array.from({ length: 300 }, (_, i) => (i % 3 ? 1 : 0));
    expect(Array.from(run({}, { weights }).probs)).not.toEqual(Array.from(plain.probs));
    const flipped = run({}, { epochTargets: ({ weak: w }) => w.map((_, i) => w[i ^ 1]) });
    expect(Array.from(flipped.probs)).not.toEqual(Array.from(plain.probs));
  });
});
