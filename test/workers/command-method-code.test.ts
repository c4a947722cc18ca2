import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { effectiveSignalLeak } from '../../src/scoring/detectors/effective-signal.js';
import { CommandRunner, type CommandRunnerOptions } from '../../workers/command/command-runner.js';
import { networkIsolation } from '../../workers/command/network-isolation.js';
import { MethodProcessError } from '../../workers/sandbox/errors.js';

// A job whose method carries code runs agent-written code inside the trainer's process group:
// whatever ends it early (its own error, a crash, memory, time) is the method's failure and is
// never handed to another worker; and what it trained on is judged by the runner against gold the
// trainer never had.

const trainer = [process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trainers', 'method-code.mjs')];
const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });

const pythonCode = parseMethod({ name: 'py', code: { language: 'python', source: 'def weights(ctx):\n    return ctx.weak[:, 0] + 1\n' } });
const noCode = parseMethod({ name: 'plain' });
const spec = (method = pythonCode): JobSpec => ({
  experimentId: 'exp-code-001',
  task: 'toy',
  seed: 1,
  method,
  weakLabels: { ids: ['b-1', 'b-2', 'b-3', 'b-4'], probs: [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]] },
});

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'aar-method-code-'));
  // Split B's gold: the weak teacher is right on b-1 and b-3, wrong on b-2 and b-4.
  mkdirSync(path.join(tmp, 'labels', 'toy'), { recursive: true });
  writeFileSync(path.join(tmp, 'labels', 'toy', 'train_unlabeled_labels.jsonl'), ['b-1:0', 'b-2:1', 'b-3:1', 'b-4:0'].map((x) => JSON.stringify({ id: x.split(':')[0], label: Number(x.split(':')[1]) })).join('\n') + '\n');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function runner(mode: string, o: Partial<CommandRunnerOptions> = {}): CommandRunner {
  return new CommandRunner({ command: trainer, dataDir: tmp, labelsDir: path.join(tmp, 'labels'), timeoutMs: 20_000, ...o, env: { AAR_TEST_MODE: mode, ...o.env } });
}

async function failure(p: Promise<unknown>): Promise<RunnerError> {
  const e = await p.then(() => new Error('expected the run to fail'), (err: unknown) => err);
  expect(e).toBeInstanceOf(RunnerError);
  return e as RunnerError;
}

describe("a method's own failure on the command runner", () => {
  it("is the trainer's AAR_METHOD_ERROR message, with its traceback, never retried", async () => {
    const e = await failure(runner('method-error').run(spec(), ctx()));
    expect(e.retry).toBe(false);
    // The author reads the reason first, then the traceback's last lines.
    expect(e.message).toMatch(/^method code: weights \(line 3\): may not open files \(tried '\/labels\/x\.jsonl'\)\n--- stderr tail ---\n/);
    expect(e.message).toContain('File "<method>", line 3, in weights');
  });

  it("code refused before it ran (the trainer's exit 2) reads as the trainer's reason, first", async () => {
    const e = await failure(runner('refuse').run(spec(), ctx()));
    expect(e.retry).toBe(false);
    expect(e.message).toMatch(/^the trainer refused the method before running it: aar-gpu: invalid input, not retrying: method\.code\.source: syntax error at line 2 column 12\n/);
    // Without code, exit 2 is the trainer refusing the job (a missing file, a field it lacks).
    const plain = await failure(runner('refuse').run(spec(noCode), ctx()));
    expect(plain.message).toMatch(/^Trainer `.*` rejected the job as invalid input; not retrying \(exit code 2\)/);
  });

  it('a crash or a signal with method code is the method’s fault (not retried); the same crash without code is retried', async () => {
    const crash = await failure(runner('crash').run(spec(), ctx()));
    expect(crash).toBeInstanceOf(MethodProcessError);
    expect(crash.retry).toBe(false);
    expect(crash.message).toMatch(/^method code crashed its process \(exit code 1\)/);
    const segv = await failure(runner('segv').run(spec(), ctx()));
    expect(segv.retry).toBe(false);
    expect(segv.message).toMatch(/killed by SIGSEGV/);
    // Without method code a crash is the infrastructure's (a CUDA fault, a lost node): retried.
    const plain = await failure(runner('crash').run(spec(noCode), ctx()));
    expect(plain).not.toBeInstanceOf(MethodProcessError);
    expect(plain.retry).toBe(true);
  });

  it("past its memory limit its process group is killed and the seed fails as out of memory, not retried", async () => {
    const started = Date.now();
    const e = await failure(runner('hog', { methodLimits: { memoryMb: 150 }, env: { AAR_TEST_MB: '400' } }).run(spec(), ctx()));
    expect(e).toBeInstanceOf(MethodProcessError);
    expect(e.retry).toBe(false);
    expect(e.message).toMatch(/^method code ran out of memory \(limit 150 MB\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
    // The limit is for method code: a trainer without it may use what it needs.
    const plain = runner('hog', { methodLimits: { memoryMb: 150 }, env: { AAR_TEST_MB: '200' }, timeoutMs: 3000 }).run(spec(noCode), ctx());
    const timedOut = await failure(plain);
    expect(timedOut.message).toMatch(/timed out after 3000 ms/);
    expect(timedOut.retry).toBe(true);
  });

  it('past its wall-time limit it fails as timed out, not retried', async () => {
    const e = await failure(runner('hang', { methodLimits: { wallMs: 1500 } }).run(spec(), ctx()));
    expect(e).toBeInstanceOf(MethodProcessError);
    expect(e.retry).toBe(false);
    expect(e.message).toMatch(/^method code ran past its wall-time limit of 2 s/);
  });
});

describe('no network for method code', () => {
  it('a job with method code cannot reach a port on this machine (its own network namespace); one without code can', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as AddressInfo).port);
    try {
      expect(networkIsolation().network).toBe('namespace');
      const isolated = await runner('connect', { env: { AAR_TEST_PORT: port } }).run(spec(), ctx());
      expect(isolated.stats).toMatchObject({ reached: expect.stringMatching(/^E(NETUNREACH|CONNREFUSED|ACCES|PERM)$/), methodIsolation: { network: 'namespace' } });
      const plain = await runner('connect', { env: { AAR_TEST_PORT: port } }).run(spec(noCode), ctx());
      expect(plain.stats).toEqual({ reached: 'connected' });
    } finally {
      server.close();
    }
  });
});

describe('what a method trained on, judged by the runner against split-B gold', () => {
  const signal = (targets: number[][]) => ({ ids: ['b-1', 'b-2', 'b-3', 'b-4'], weights: null, stages: [{ hook: 'transform_labels', targets: targets.flat() }] });

  it('targets equal to gold are a signal better than any ceiling: the detector flags them', async () => {
    const file = path.join(tmp, 'signal.json');
    writeFileSync(file, JSON.stringify(signal([[1, 0], [0, 1], [0, 1], [1, 0]])));
    const r = await runner('signal', { env: { AAR_TEST_SIGNAL: file } }).run(spec(), ctx());
    expect(r.stats.effectiveSignal).toMatchObject({ items: 4, weakAccuracy: 0.5, mostAccurate: { accuracy: 1 }, stages: 1 });
    expect(r).not.toHaveProperty('signal');
    const score = { public: { ceiling: 0.9, weak: 0.6, student: 0.95 }, private: { ceiling: 0.9, weak: 0.6, student: 0.95 } };
    expect(effectiveSignalLeak(r.stats, score)?.detector).toBe('forbidden-information');
    // The weak labels themselves are no leak.
    writeFileSync(file, JSON.stringify(signal([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])));
    const honest = await runner('signal', { env: { AAR_TEST_SIGNAL: file } }).run(spec(), ctx());
    expect(honest.stats.effectiveSignal).toMatchObject({ mostAccurate: { accuracy: 0.5 } });
    expect(effectiveSignalLeak(honest.stats, score)).toBeUndefined();
  });

  it("a trainer's own stats.effectiveSignal is dropped (only trusted code measures it), and a malformed signal fails the job", async () => {
    const forged = await runner('forge').run(spec(), ctx());
    expect(forged.stats).not.toHaveProperty('effectiveSignal');
    // Nor may a trainer without code claim it ran without network.
    expect((await runner('forge').run(spec(noCode), ctx())).stats).toEqual({ trainer: 'fixture' });
    const file = path.join(tmp, 'signal.json');
    writeFileSync(file, JSON.stringify({ ids: ['b-1', 'nope', 'b-3', 'b-4'], stages: [{ hook: 'loss', targets: [1, 0, 0, 1, 0, 1, 1, 0] }] }));
    const e = await failure(runner('signal', { env: { AAR_TEST_SIGNAL: file } }).run(spec(), ctx()));
    expect(e.retry).toBe(false);
    expect(e.message).toMatch(/signal\.ids\[1\] "nope" is not a split-B item/);
    // Weights are checked as a weights hook's are: all 0 is no weighting at all.
    writeFileSync(file, JSON.stringify({ ids: ['b-1', 'b-2', 'b-3', 'b-4'], weights: [0, 0, 0, 0], stages: [{ hook: 'weights', targets: [1, 0, 1, 0, 0, 1, 0, 1] }] }));
    expect((await failure(runner('signal', { env: { AAR_TEST_SIGNAL: file } }).run(spec(), ctx()))).message).toMatch(/signal\.weights are all 0/);
  });
});
