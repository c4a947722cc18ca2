import { afterAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { CONFIDENCE_WEIGHTS_CODE } from '../../workers/w2s/method/code/index.js';
import { MethodProcessError } from '../../workers/sandbox/errors.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { MEMORY_BOMB_CODE, OUT_OF_MEMORY_REASON } from '../helpers/method-bombs.js';

// The next variants of the sandbox escapes, each through the real w2s runner (its guarded child
// process, the isolate inside it). Before method code had a process of its own, every one of the
// "fatal" rows below hung or crashed the host process (measured: V8 prints its GC trace and then
// hangs ignoring SIGTERM, or dies with SIGTRAP), taking the coordinator or worker with it.
// Now each is one failed seed with a reason, and the same runner goes on to the next job.

const runner = new W2sRunner({ cacheDir: testCacheDir(), threads: 1 });
afterAll(() => runner.close());

const V = 'return Array.from({ length: n }, () => [0.5, 0.5]);';
const run = (source: string) =>
  runner.run({ experimentId: 'exp-escape', seed: 1, task: 'spam', method: parseMethod({ code: { source } }) } satisfies JobSpec, {
    signal: new AbortController().signal,
    progress: () => {},
  });

const TIMED_OUT = /^method code: transformLabels timed out after 2000 ms$/;

describe('sandbox escapes, next variants: each fails only its own job, as the method’s fault', () => {
  it.each([
    // Fatal for V8 inside a 64 MB isolate: one allocation far past the limit.
    ['the issue’s bomb: new Array(1e9).fill(1)', MEMORY_BOMB_CODE, OUT_OF_MEMORY_REASON],
    ['a 1e8-element filled array', 'function transformLabels() { return new Array(1e8).fill(0.5); }', OUT_OF_MEMORY_REASON],
    ['Array.from of 1e8', 'function transformLabels() { return Array.from({ length: 1e8 }, () => 1); }', OUT_OF_MEMORY_REASON],
    ['2^26 fresh objects', 'function transformLabels() { return new Array(2 ** 26).fill({}).map(() => ({})); }', OUT_OF_MEMORY_REASON],
    ['a bomb in epochTargets at epoch 2', `function epochTargets({ epoch, n }) { if (epoch === 2) new Array(1e9).fill(1); ${V} }`, OUT_OF_MEMORY_REASON],
    ['a string at V8’s size limit split into an array (fatal invalid size)', 'function transformLabels() { return "x".padStart(2 ** 29 - 30, "y").split(""); }', /^method code crashed its process \(signal SIG(TRAP|ABRT|SEGV|ILL)\) before answering: Fatal JavaScript invalid size error \d+/],
    // Loops the per-call timeout must reach, wherever they hide (the deep JSON may hit memory first).
    ['recursion that catches the stack overflow and recurses again', `function transformLabels({ n }) { function f(d) { try { f(d + 1); } catch (e) { f(d + 1); } } f(0); ${V} }`, TIMED_OUT],
    ['catastrophic regex backtracking', `function transformLabels({ n }) { /(a+)+$/.test('a'.repeat(40) + 'b'); ${V} }`, TIMED_OUT],
    ['a looping Error.prepareStackTrace', "function transformLabels() { Error.prepareStackTrace = () => { for (;;) {} }; throw new Error('x'); }", TIMED_OUT],
    ['a proxy whose elements loop', 'function transformLabels({ n }) { return new Proxy([], { get(t, k) { if (k === "length") return n; for (;;) {} } }); }', TIMED_OUT],
    // Timing decides whether the getter finishes inside the call's limit; either way the reason stays short.
    ['an error whose message getter builds 256 MB', "function transformLabels() { throw { name: 'E', get message() { return 'm'.repeat(2 ** 28); } }; }", /^method code: transformLabels (timed out after 2000 ms$|threw E: m+$)/],
    ['a 1e7-deep JSON.stringify', 'function transformLabels() { const o = []; let c = o; for (let i = 0; i < 1e7; i++) { const d = []; c.push(d); c = d; } JSON.stringify(o); }', /^method code(: transformLabels timed out after 2000 ms$| ran out of memory \(limit 64 MB\)|: memory limit of 64 MB exceeded)/],
    // Refused by the isolate itself.
    ['plain deep recursion', 'function transformLabels() { const f = () => f(); f(); }', /RangeError: Maximum call stack size exceeded/],
    ['Atomics.wait on shared memory', 'function transformLabels() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }', /ReferenceError: Atomics is not defined/],
    ['a string doubled until it breaks', "function transformLabels() { let s = 'x'; for (;;) s += s; }", /RangeError: Invalid string length/],
    ['a huge string as the output', "function transformLabels() { return 'x'.repeat(5e8); }", /returned string, expected an array/],
  ])('%s', async (_name, source, reason) => {
    const t0 = performance.now();
    const err = await run(source).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ retry: false });
    expect((err as Error).message).toMatch(reason as RegExp);
    // What reaches the agent and the thread is one short line, whatever the code produced.
    expect((err as Error).message.length).toBeLessThan(700);
    if (/ran out of memory|crashed its process/.test((err as Error).message)) expect(err).toBeInstanceOf(MethodProcessError);
    // Stopped at the first sign, not at the process's 10-minute wall limit.
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it('the host process lives on, small, and the same runner trains the next job', async () => {
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 2 ** 20);
    const result = (await run(CONFIDENCE_WEIGHTS_CODE)) as unknown as { stats: { codeHooks: string[] } };
    expect(result.stats.codeHooks).toEqual(['weights']);
  });
});
