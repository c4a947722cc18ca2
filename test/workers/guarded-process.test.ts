import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import { MethodProcessError } from '../../workers/sandbox/errors.js';
import { baseEnv, discardSpare, runGuarded, spawnGuarded, type GuardedRun } from '../../workers/sandbox/guarded-process.js';

// The guard every piece of method code runs under (JS hooks today, Python hooks with issue 20):
// real child processes doing what hostile or broken code does to its process.

/** A Node child running `body` with the request in `req` and `send(obj)` writing a line on fd 3. */
function node(body: string, o: Partial<GuardedRun> & { flags?: string[] } = {}): Promise<unknown> {
  const prelude = `const fs = require('node:fs'); const req = JSON.parse(fs.readFileSync(0, 'utf8')); const send = (m) => fs.writeSync(3, JSON.stringify(m) + '\\n');`;
  return runGuarded({
    command: process.execPath,
    args: [...(o.flags ?? []), '-e', `${prelude}\n${body}`],
    env: baseEnv(),
    request: { x: 21 },
    limits: { memoryMb: 1024, wallMs: 20_000 },
    what: 'method code',
    signal: new AbortController().signal,
    ...o,
  });
}

/** Awaits a rejection that must be a MethodProcessError; returns it and how long it took. */
async function crash(p: Promise<unknown>): Promise<{ err: MethodProcessError; ms: number }> {
  const t0 = performance.now();
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MethodProcessError);
  expect((err as MethodProcessError).retry).toBe(false);
  return { err: err as MethodProcessError, ms: performance.now() - t0 };
}

/** Running, not a zombie: a killed grandchild is reparented to init and may wait there to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

describe('guarded method process', () => {
  it('passes the request in and the progress and result out', async () => {
    const progress: unknown[] = [];
    const result = await node(`send({ type: 'progress', fraction: 0.5, note: 'half' }); send({ type: 'result', result: { y: req.x * 2 } });`, {
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ y: 42 });
    expect(progress).toEqual([{ fraction: 0.5, note: 'half' }]);
  });

  it('the child’s environment is an allowlist: no queue, cache path or secrets', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { REDIS_URL: 'redis://secret', AAR_CACHE_DIR: '/labels', ANTHROPIC_API_KEY: 'sk-x', SLACK_BOT_TOKEN: 'xoxb' });
    try {
      const keys = (await node(`send({ type: 'result', result: Object.keys(process.env) });`)) as string[];
      expect(keys.every((k) => ['PATH', 'LANG', 'LC_ALL', 'TZ'].includes(k)), keys.join(',')).toBe(true);
    } finally {
      for (const k of ['REDIS_URL', 'AAR_CACHE_DIR', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN']) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('a reported error keeps its message and retry flag', async () => {
    await expect(node(`send({ type: 'error', message: 'bad hook', retry: false }); process.exit(0);`)).rejects.toMatchObject({ message: 'bad hook', retry: false });
    await expect(node(`send({ type: 'error', message: 'bad hook', retry: false });`)).rejects.toBeInstanceOf(RunnerError);
  });

  it('V8 running out of heap is an out-of-memory failure naming the limit, found from its trace at once', async () => {
    const { err, ms } = await crash(node(`const a = []; for (;;) a.push(new Array(1e5).fill(1.5));`, { flags: ['--max-old-space-size=48'], heapLimitMb: 48 }));
    expect(err.kind).toBe('out_of_memory');
    expect(err.code).toBe('method_out_of_memory');
    expect(err.message).toMatch(/^method code ran out of memory \(limit 48 MB\)/);
    expect(ms).toBeLessThan(15_000);
  });

  it('memory outside the heap (buffers) is stopped at the resident-memory limit', async () => {
    const { err } = await crash(node(`const keep = []; for (;;) { keep.push(Buffer.alloc(16 * 2 ** 20, 1)); }`, { limits: { memoryMb: 200, wallMs: 20_000 } }));
    expect(err.kind).toBe('out_of_memory');
    expect(err.message).toMatch(/^method code ran out of memory \(limit 200 MB\)/);
  });

  it('memory spread over subprocesses counts together against the limit', async () => {
    // Three grandchildren of ~120 MB each: each alone under the 250 MB limit, together over it.
    const grandchild = `const keep = []; for (let i = 0; i < 8; i++) keep.push(Buffer.alloc(15 * 2 ** 20, 1)); setInterval(() => {}, 1000);`;
    const { err, ms } = await crash(
      node(`const { spawn } = require('node:child_process'); for (let i = 0; i < 3; i++) spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`, {
        limits: { memoryMb: 250, wallMs: 20_000 },
      }),
    );
    expect(err.kind).toBe('out_of_memory');
    expect(err.message).toMatch(/^method code ran out of memory \(limit 250 MB\)/);
    expect(ms).toBeLessThan(15_000);
  });

  it('a hang that ignores SIGTERM is killed at the wall-time limit', async () => {
    const { err, ms } = await crash(node(`process.on('SIGTERM', () => {}); for (;;) {}`, { limits: { memoryMb: 1024, wallMs: 800 } }));
    expect(err.kind).toBe('timed_out');
    expect(err.message).toBe('method code ran past its wall-time limit of 1 s; its process was stopped');
    expect(ms).toBeLessThan(5000);
  });

  it('a process that dies by a signal or exits without an answer is a crash, with its stderr kept', async () => {
    const aborted = await crash(node(`console.error('about to die'); process.abort();`));
    expect(aborted.err.kind).toBe('crashed');
    expect(aborted.err.message).toBe('method code crashed its process (signal SIGABRT) before answering');
    expect(aborted.err.stderrTail).toContain('about to die');
    const segv = await crash(node(`process.kill(process.pid, 'SIGSEGV');`));
    expect(segv.err.message).toContain('signal SIGSEGV');
    const silent = await crash(node(`process.exit(3);`));
    expect(silent.err.message).toBe('method code crashed its process (exit code 3) before answering');
  });

  it('an abort (cancel, queue timeout, shutdown) rejects with its reason and kills the process group, grandchildren too', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const run = node(
      `const { spawn } = require('node:child_process'); const g = spawn('sleep', ['60'], { stdio: 'inherit' }); send({ type: 'progress', fraction: 0, note: String(process.pid) + ' ' + g.pid }); setInterval(() => {}, 1000);`,
      { signal: controller.signal, onProgress: (p) => pids.push(...p.note!.split(' ').map(Number)) },
    );
    const deadline = Date.now() + 10_000;
    while (pids.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pids).toHaveLength(2);
    controller.abort(new RunnerError('cancelled', { retry: false }));
    await expect(run).rejects.toMatchObject({ message: 'cancelled' });
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('a child that exits but leaves a grandchild holding its pipes still ends the run', async () => {
    const t0 = performance.now();
    await expect(node(`require('node:child_process').spawn('sleep', ['60'], { stdio: 'inherit', detached: false }).unref(); send({ type: 'result', result: 1 }); process.exit(0);`)).resolves.toBe(1);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('speaks the same protocol to a Python child (issue 20’s hooks), and holds it to the resident-memory limit', async () => {
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    const py = (body: string, limits = { memoryMb: 1024, wallMs: 20_000 }) =>
      runGuarded({
        command: python,
        args: ['-c', `import json, os, sys\nreq = json.loads(sys.stdin.readline())\nsend = lambda m: os.write(3, (json.dumps(m) + "\\n").encode())\n${body}`],
        env: baseEnv(),
        request: { x: 21 },
        limits,
        what: 'method code',
        signal: new AbortController().signal,
      });
    await expect(py(`send({"type": "result", "result": req["x"] * 2})`)).resolves.toBe(42);
    const { err } = await crash(py(`keep = []\nwhile True: keep.append(bytearray(16 * 2 ** 20))`, { memoryMb: 200, wallMs: 20_000 }));
    expect(err.kind).toBe('out_of_memory');
  });

  it('a spare child started ahead runs the next job; a spare that died is replaced, never blamed on the method', async () => {
    const spec = {
      command: process.execPath,
      args: ['-e', `require('node:fs').readFileSync(0); require('node:fs').writeSync(3, JSON.stringify({ type: 'result', result: process.pid }) + '\\n');`],
      env: baseEnv(),
    };
    const run = (spare: ReturnType<typeof spawnGuarded>) =>
      runGuarded({ ...spec, spare, request: {}, limits: { memoryMb: 512, wallMs: 20_000 }, what: 'method code', signal: new AbortController().signal });
    const warm = spawnGuarded(spec);
    expect(await run(warm)).toBe(warm.pid);
    const dead = spawnGuarded(spec);
    discardSpare(dead);
    await new Promise((r) => dead.once('exit', r));
    const pid = await run(dead);
    expect(pid).not.toBe(dead.pid);
    expect(typeof pid).toBe('number');
  });
});
