import { describe, expect, it } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import { MethodCode, type MethodCodeData } from '../../workers/w2s/method/code/hooks.js';
import { MethodSandbox, type SandboxLimits } from '../../workers/w2s/method/code/sandbox.js';

const N = 6;
const K = 2;

/** A small train set: what a method's code may see, and nothing else. */
function data(): MethodCodeData {
  return {
    weak: Float32Array.from({ length: N * K }, (_, i) => (i % 2 ? 0.3 : 0.7)),
    features: Float32Array.from({ length: N * 3 }, (_, i) => i / 10),
    dim: 3,
    weakFeatures: Float32Array.from({ length: N * 4 }, (_, i) => i % 4),
    weakDim: 4,
    classes: K,
  };
}

/** Loads `source` and runs its transformLabels; the sandbox is disposed whatever happens. */
function transform(source: string, limits?: Partial<SandboxLimits>): Float32Array | undefined {
  const code = new MethodCode({ source }, data(), { seed: 1, limits });
  try {
    return code.transformLabels();
  } finally {
    code.dispose();
  }
}

/** Runs `fn`, expects a never-retry RunnerError and returns its message. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RunnerError);
    expect((e as RunnerError).retry).toBe(false);
    return (e as RunnerError).message;
  }
  throw new Error('expected a RunnerError, but nothing was thrown');
}

/** Time a call takes, in ms, and its failure message. */
function timedFailure(fn: () => unknown): { ms: number; message: string } {
  const t0 = performance.now();
  const message = failure(fn);
  return { ms: performance.now() - t0, message };
}

const VALID = `function transformLabels({ n, classes }) { return Array.from({ length: n }, () => [0.25, 0.75]); }`;

// Probes report what they see by throwing: the message is the one thing that comes back.
const probe = (expr: string) => `function transformLabels() { throw new Error('probe:' + JSON.stringify(${expr})); }`;
const probed = (expr: string): unknown => {
  const m = failure(() => transform(probe(expr)));
  const at = m.indexOf('probe:');
  expect(at, m).toBeGreaterThan(0);
  // The message ends with where in the source it was thrown.
  return JSON.parse(m.slice(at + 'probe:'.length).replace(/ \(at line \d+, column \d+ of method\.code\.source\)$/, ''));
};

// Every global of a fresh context: ECMAScript's intrinsics, the prelude's no-op console, and
// the hook the probe itself defines. Nothing from Node, isolated-vm or the benchmark.
const ALLOWED_GLOBALS = new Set(
  ('Object Function Array Number parseFloat parseInt Infinity NaN undefined Boolean String Symbol Date Promise RegExp ' +
    'Error AggregateError EvalError RangeError ReferenceError SyntaxError TypeError URIError globalThis JSON Math Intl ' +
    'ArrayBuffer Uint8Array Int8Array Uint16Array Int16Array Uint32Array Int32Array Float32Array Float64Array ' +
    'Uint8ClampedArray BigUint64Array BigInt64Array DataView Map BigInt Set WeakMap WeakSet Proxy Reflect ' +
    'FinalizationRegistry WeakRef decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape eval ' +
    'isFinite isNaN console transformLabels').split(' '),
);

describe('method code hooks', () => {
  it('runs a valid transformLabels and returns validated float32 probabilities', () => {
    const out = transform(VALID)!;
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual(Array.from({ length: N }, () => [0.25, 0.75]).flat());
  });

  it('accepts flat arrays, typed arrays and top-level const hooks, and runs weights and epochTargets', () => {
    expect(transform(`const transformLabels = ({ n }) => new Float64Array(n * 2).fill(0.5);`)).toHaveLength(N * K);
    const code = new MethodCode(
      {
        source: `function weights({ n }) { return Array.from({ length: n }, (_, i) => i); }
                 function epochTargets({ weak, student, epoch }) { return weak.map((w, i) => (epoch % 2 ? student[i] : w)); }`,
      },
      data(),
      { seed: 1 },
    );
    try {
      expect(code.hooks).toEqual(['weights', 'epochTargets']);
      expect(code.transformLabels()).toBeUndefined();
      const w = code.weights()!;
      // Scaled to mean 1 (training divides by each batch's weight sum anyway).
      expect(Array.from(w).reduce((a, b) => a + b, 0)).toBeCloseTo(N, 4);
      const student = Float32Array.from({ length: N * K }, (_, i) => (i % 2 ? 0.9 : 0.1));
      const t = code.epochTargets()!({ weak: data().weak, student, epoch: 1, epochs: 3 });
      expect(Array.from(t)).toEqual(Array.from(student));
    } finally {
      code.dispose();
    }
  });

  it('reports a SyntaxError with its line', () => {
    expect(failure(() => transform('function transformLabels( {'))).toMatch(/^method code: SyntaxError: .*method\.js:1/);
  });

  it('requires at least one hook, and every hook method.code.hooks names', () => {
    expect(failure(() => transform('const x = 1;'))).toContain('defines none of the hooks; accepted: functions named transformLabels, weights, epochTargets');
    expect(failure(() => new MethodCode({ source: VALID, hooks: ['weights'] }, data(), { seed: 1 }))).toContain(
      'does not define weights (method.code.hooks asks for it)',
    );
  });

  it.each([
    [`function transformLabels() { return [[0.5, 0.5], [0.5, 0.5], [1, 0]]; }`, 'transformLabels returned 3 rows, expected 6'],
    [`function transformLabels({ n }) { return new Array(n * 2).fill(0.7); }`, 'transformLabels row 0 sums to 1.4; accepted: each row sums to 1'],
    [`function transformLabels({ n }) { return new Array(n * 2).fill(NaN); }`, 'transformLabels row 0 class 0 is NaN; accepted: probabilities'],
    [`function transformLabels({ n }) { return Array.from({ length: n }, () => [1.5, -0.5]); }`, 'transformLabels row 0 class 0 is 1.5'],
    [`function transformLabels({ n }) { return Array.from({ length: n }, () => ['0.5', 0.5]); }`, 'transformLabels row 0 value 0 is string, expected a number'],
    [`function transformLabels() { return 7; }`, 'transformLabels returned number, expected an array'],
    [`function transformLabels() { throw new TypeError('nope'); }`, 'transformLabels threw TypeError: nope'],
  ])('refuses bad output before it is used: %s', (source, message) => {
    expect(failure(() => transform(source))).toContain(`method code: ${message}`);
  });

  it('refuses bad weights: negative, infinite, all zero', () => {
    const weights = (body: string) => () => new MethodCode({ source: `function weights({ n }) { ${body} }` }, data(), { seed: 1 }).weights();
    expect(failure(weights('return new Array(n).fill(-1);'))).toContain('weights[0] is -1; accepted: finite numbers >= 0');
    expect(failure(weights('return new Array(n).fill(Infinity);'))).toContain('weights[0] is Infinity');
    expect(failure(weights('return new Array(n).fill(0);'))).toContain('weights are all 0');
  });

  it('seeds Math.random, so a method that samples is reproducible', () => {
    const source = `function transformLabels({ n }) { return Array.from({ length: n }, () => { const p = Math.random(); return [p, 1 - p]; }); }`;
    const a = transform(source)!;
    expect(Array.from(transform(source)!)).toEqual(Array.from(a));
    expect(new Set(a).size).toBeGreaterThan(2);
  });
});

describe('method code escapes are contained and reported as failed experiments', () => {
  it('constructor chains reach only the isolate: no process, no require', () => {
    expect(failure(() => transform(`function transformLabels() { return this.constructor.constructor('return process')(); }`))).toBe(
      'method code: transformLabels threw ReferenceError: process is not defined (at line 1, column 83 of method.code.source)',
    );
    // At the top level `this` is the isolate's own global.
    expect(failure(() => transform(`this.constructor.constructor('return process')();`))).toBe(
      'method code: the top level of the source threw ReferenceError: process is not defined (at line 1, column 47 of method.code.source)',
    );
    const seen = probed(`(() => {
      const g = ({}).constructor.constructor('return globalThis')();
      const viaError = (() => { try { null.x; } catch (e) { return e.constructor.constructor('return this')(); } })();
      const names = ['process', 'require', 'module', 'exports', 'global', 'Buffer', 'fetch', 'setTimeout', 'setImmediate',
        'queueMicrotask', 'structuredClone', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'ivm', '_ivm', 'isolatedVm'];
      return { same: g === globalThis && viaError === globalThis, found: names.filter((k) => typeof g[k] !== 'undefined'),
        importMeta: (() => { try { return typeof eval('import.meta'); } catch (e) { return e.name; } })() };
    })()`);
    expect(seen).toEqual({ same: true, found: [], importMeta: 'SyntaxError' });
    // A dynamic import has no module loader to reach.
    expect(failure(() => transform(`function transformLabels() { return import('node:fs'); }`))).toBe('method code: transformLabels threw Error: Not supported');
  });

  it('the context holds only ECMAScript intrinsics: no labels, ids, evaluation data or host objects', () => {
    const names = probed(`Reflect.ownKeys(globalThis).map(String).filter((k) => !${JSON.stringify([...ALLOWED_GLOBALS])}.includes(k))`);
    expect(names).toEqual([]);
    // The argument is the train items' weak labels and features: exactly these keys.
    expect(probed(`Object.keys(arguments[0]).sort()`)).toEqual(['classes', 'dim', 'features', 'n', 'weak', 'weakDim', 'weakFeatures'].sort());
    const shapes = probed(`(({ weak, features, weakFeatures }) => [weak.constructor.name, weak.length, features.length, weakFeatures.length])(arguments[0])`);
    expect(shapes).toEqual(['Float32Array', N * K, N * 3, N * 4]);
  });

  it('prototype pollution stays in the isolate; the host still validates', () => {
    const pollute = `
      Object.prototype.polluted = 1;
      Array.prototype.map = function () { return 'pwned'; };
      Array.isArray = () => true;
      Reflect.apply = () => 'pwned';
      Float64Array.prototype.fill = function () { return this; };
      Object.defineProperty(Object.prototype, 'transformLabels', { get() { return () => 'pwned'; }, configurable: true });
      Object.defineProperty(Array.prototype, '0', { get() { return 'pwned'; }, configurable: true });
    `;
    // Polluted, yet a valid result still comes out right...
    const out = transform(`${pollute}\nfunction transformLabels({ n }) { return Array.from({ length: n }, () => [0.25, 0.75]); }`);
    expect(Array.from(out!)).toEqual(Array.from({ length: N }, () => [0.25, 0.75]).flat());
    // ...and a wrong one is still refused.
    expect(failure(() => transform(`${pollute}\nfunction transformLabels() { return [[0.5, 0.5]]; }`))).toContain('returned 1 rows, expected 6');
    expect(failure(() => transform(`${pollute}\nfunction transformLabels({ n }) { return Array.from({ length: n * 2 }, () => 0.9); }`))).toContain('sums to 1.8');
    // The host's own prototypes are untouched.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([1, 2].map((x) => x + 1)).toEqual([2, 3]);
    expect(Array.isArray({})).toBe(false);
    expect(Reflect.apply(Math.max, undefined, [1, 2])).toBe(2);
    expect(Object.getOwnPropertyDescriptor(Array.prototype, '0')).toBeUndefined();
  });

  it('an infinite loop is killed at the per-call timeout, at the top level too', () => {
    const inHook = timedFailure(() => transform(`function transformLabels() { for (;;) {} }`, { callTimeoutMs: 300 }));
    expect(inHook.message).toBe('method code: transformLabels timed out after 300 ms');
    expect(inHook.ms).toBeLessThan(1500);
    const top = timedFailure(() => transform(`while (true) {}`, { callTimeoutMs: 300 }));
    expect(top.message).toBe('method code: the top level of the source timed out after 300 ms');
    expect(top.ms).toBeLessThan(1500);
  });

  it('the total budget stops a method whose calls each stay under the per-call limit', () => {
    const sandbox = new MethodSandbox(`function epochTargets() { const t = Date.now(); while (Date.now() - t < 150) {} return [0.5, 0.5]; }`, {
      seed: 1,
      limits: { callTimeoutMs: 1000, totalBudgetMs: 400 },
    });
    try {
      const message = failure(() => {
        for (let epoch = 0; epoch < 10; epoch++) sandbox.call('epochTargets', {}, 1, 2);
      });
      expect(message).toMatch(/^method code: (epochTargets timed out after \d+ ms \(what was left of the 400 ms budget\)|total time budget of 400 ms used up before epochTargets)$/);
    } finally {
      sandbox.dispose();
    }
  });

  it('a memory bomb hits the memory limit; the isolate is disposed and the host lives on', () => {
    const before = process.memoryUsage().rss;
    const bomb = timedFailure(() => transform(`function transformLabels() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }`, { memoryMb: 32 }));
    expect(bomb.message).toBe('method code: memory limit of 32 MB exceeded in transformLabels');
    expect(bomb.ms).toBeLessThan(2000);
    // Big buffers count against the limit too, and WebAssembly memory (which would not) is gone.
    expect(failure(() => transform(`function transformLabels() { return new Float64Array(1e8); }`))).toContain('RangeError: Array buffer allocation failed');
    expect(failure(() => transform(`function transformLabels() { return new WebAssembly.Memory({ initial: 30000 }); }`))).toContain(
      'ReferenceError: WebAssembly is not defined',
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
    expect(transform(VALID)).toHaveLength(N * K);
  });

  it('a huge output is refused by its length inside the isolate, before any copy', () => {
    for (const source of [
      `function transformLabels() { return new Array(1e8); }`,
      `function transformLabels() { return new Proxy([], { get: (t, k) => (k === 'length' ? 1e9 : 0.5) }); }`,
      `function transformLabels({ n }) { return Array.from({ length: n }, () => new Array(1e8)); }`,
    ]) {
      const huge = timedFailure(() => transform(source));
      expect(huge.message).toMatch(/returned 100+ numbers, expected 6 rows of 2|row 0 has 100000000 values, expected 2/);
      expect(huge.ms).toBeLessThan(500);
    }
  });

  it('async tricks: a Promise or thenable is refused; microtasks run under the same timeout', () => {
    expect(failure(() => transform(`async function transformLabels({ n }) { return new Array(n * 2).fill(0.5); }`))).toBe(
      'method code: transformLabels returned a Promise or thenable; hooks must return their result synchronously',
    );
    expect(failure(() => transform(`function transformLabels({ n }) { return { then(ok) { ok(new Array(n * 2).fill(0.5)); } }; }`))).toContain(
      'returned a Promise or thenable',
    );
    const flood = timedFailure(() =>
      transform(`function transformLabels({ n }) { (function f() { Promise.resolve().then(f); })(); return new Array(n * 2).fill(0.5); }`, { callTimeoutMs: 300 }),
    );
    expect(flood.message).toBe('method code: transformLabels timed out after 300 ms');
    expect(flood.ms).toBeLessThan(1500);
  });

  it('thrown values cannot hang or flood the host: getters run under the timeout, messages are cut', () => {
    const getter = timedFailure(() =>
      transform(`function transformLabels() { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;) {} } }); throw e; }`, {
        callTimeoutMs: 300,
      }),
    );
    expect(getter.message).toBe('method code: transformLabels timed out after 300 ms');
    expect(getter.ms).toBeLessThan(1500);
    expect(failure(() => transform(`function transformLabels() { throw 'x'.repeat(1e6); }`)).length).toBeLessThan(600);
    expect(failure(() => transform(`function transformLabels() { throw { get name() { throw 1; } }; }`))).toBe(
      'method code: transformLabels threw an error that cannot be read',
    );
  });
});
