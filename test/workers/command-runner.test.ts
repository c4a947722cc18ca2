import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import type { RunProgress } from '../../workers/runner.js';
import { CommandRunner, KILL_GRACE_MS, PROGRESS_PREFIX, type CommandRunnerOptions } from '../../workers/command/command-runner.js';

const trainers = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trainers');
const node = (script: string): string[] => [process.execPath, path.join(trainers, script)];

const spec: JobSpec = {
  experimentId: 'exp-cmd-001',
  task: 'sentiment',
  seed: 7,
  method: { name: 'naive', labels: 'soft', labelSmoothing: 0 },
};

let tmp: string;
let pidFile: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'aar-command-runner-'));
  pidFile = path.join(tmp, 'pids');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function runner(o: Partial<CommandRunnerOptions> & Pick<CommandRunnerOptions, 'command'>): CommandRunner {
  return new CommandRunner({ dataDir: tmp, timeoutMs: 20_000, ...o, env: { AAR_TEST_PIDFILE: pidFile, ...o.env } });
}

function context(signal = new AbortController().signal): { signal: AbortSignal; progress: (p: RunProgress) => void; seen: RunProgress[] } {
  const seen: RunProgress[] = [];
  return { signal, progress: (p) => seen.push(p), seen };
}

/** Runs `promise`, expects a RunnerError and returns it. */
async function failure(promise: Promise<unknown>): Promise<RunnerError> {
  const e = await promise.then(
    () => new Error('expected a RunnerError, but the run succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RunnerError);
  return e as RunnerError;
}

/** Alive means running: a zombie is dead, only waiting for init (slow to reap in some containers). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

/** Waits (polling) until the fixture has written its pids: proof that it really started. */
async function pidsWritten(): Promise<number[]> {
  await vi.waitFor(() => expect(existsSync(pidFile)).toBe(true), { timeout: 10_000, interval: 20 });
  return readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
}

async function expectAllDead(pids: number[]): Promise<void> {
  await vi.waitFor(() => expect(pids.filter(isAlive)).toEqual([]), { timeout: 5_000, interval: 20 });
}

describe('CommandRunner', () => {
  it("keeps aar's own secrets (Anthropic, Slack) out of the trainer's environment", async () => {
    const saved = { a: process.env.ANTHROPIC_API_KEY, s: process.env.SLACK_BOT_TOKEN };
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-secret';
    process.env.SLACK_BOT_TOKEN = 'xoxb-test-secret';
    try {
      const result = await runner({ command: node('good.mjs'), cwd: tmp }).run(spec, { signal: new AbortController().signal, progress: () => {} });
      const env = result.stats.env as Record<string, unknown>;
      expect(env.AAR_TASK).toBe('sentiment');
      expect(env).not.toHaveProperty('ANTHROPIC_API_KEY');
      expect(env).not.toHaveProperty('SLACK_BOT_TOKEN');
    } finally {
      if (saved.a === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved.a;
      if (saved.s === undefined) delete process.env.SLACK_BOT_TOKEN;
      else process.env.SLACK_BOT_TOKEN = saved.s;
    }
  });

  it('passes the spec on stdin and context in env, forwards progress in order, parses the result and keeps other stderr', async () => {
    const ctx = context();
    const result = await runner({ command: node('good.mjs'), cwd: tmp, env: { EXTRA: 'x' } }).run(spec, ctx);

    const ids = ['t-0001', 't-0002', 't-0003'];
    expect(result.student).toEqual({ ids, classes: [0, 1, 0] });
    expect(result.weak).toEqual({ ids, classes: [0, 0, 0] });
    expect(result.ceiling).toEqual({ ids, classes: [1, 0, 1] });
    expect(result.stats.spec).toEqual(spec);
    expect(result.stats.env).toEqual({ AAR_DATA_DIR: tmp, AAR_EXPERIMENT_ID: 'exp-cmd-001', AAR_TASK: 'sentiment', AAR_SEED: '7', AAR_JOB_ID: 'exp-cmd-001-s7', EXTRA: 'x' });
    expect(result.stats.cwd).toBe(tmp);

    expect(ctx.seen).toEqual([{ fraction: 0.3, note: 'step 30 loss 0.41' }, { fraction: 1, note: 'done' }]);
    expect(result.stderrTail).toContain(`loading features from ${tmp}`);
    expect(result.stderrTail).toContain('warning: lr schedule clipped');
    expect(result.stderrTail).toMatch(/saved checkpoint\n$/);
    // Malformed progress lines are not progress, but are kept for debugging; valid ones are not.
    expect(result.stderrTail).toContain(`${PROGRESS_PREFIX} {"fraction":"half"}`);
    expect(result.stderrTail).toContain(`${PROGRESS_PREFIX} not json`);
    expect(result.stderrTail).not.toContain('step 30');
  });

  it('keeps only the last stderrTailBytes bytes of stderr', async () => {
    const result = await runner({ command: node('good.mjs'), stderrTailBytes: 30 }).run(spec, context());
    expect(result.stderrTail).toBe('warning: lr schedule clipped\nsaved checkpoint\n'.slice(-30));
    expect(Buffer.byteLength(result.stderrTail!)).toBeLessThanOrEqual(30);
  });

  it('leaves no abort listener or timer behind', async () => {
    const ac = new AbortController();
    const add = vi.spyOn(ac.signal, 'addEventListener');
    const remove = vi.spyOn(ac.signal, 'removeEventListener');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const run = runner({ command: node('good.mjs') }).run(spec, context(ac.signal));
      expect(vi.getTimerCount()).toBe(1);
      await run;
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0][1]);
  });

  it('on timeout kills the whole process group, grandchildren included, and asks for a retry', async () => {
    const t0 = Date.now();
    const e = await failure(runner({ command: ['bash', path.join(trainers, 'hang.sh')], timeoutMs: 500 }).run(spec, context()));
    const elapsed = Date.now() - t0;
    expect(e.retry).toBe(true);
    expect(e.message).toContain('timed out after 500 ms');
    expect(e.message).toContain('killed by SIGTERM');
    expect(e.stderrTail).toContain('started grandchild');
    expect(elapsed).toBeGreaterThanOrEqual(500);
    // SIGTERM is enough here: no waiting out the grace period, even while init is slow to reap the dead grandchild.
    expect(elapsed).toBeLessThan(500 + KILL_GRACE_MS / 2);
    const [leader, grandchild] = await pidsWritten();
    expect(e.stderrTail).toContain(`started grandchild ${grandchild}`);
    await expectAllDead([leader, grandchild]);
  });

  it('escalates to SIGKILL when the trainer ignores SIGTERM', async () => {
    const t0 = Date.now();
    const e = await failure(runner({ command: node('stubborn.mjs'), timeoutMs: 300 }).run(spec, context()));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300 + KILL_GRACE_MS - 50);
    expect(e.retry).toBe(true);
    expect(e.message).toContain('killed by SIGKILL');
    expect(e.stderrTail).toContain('ignoring SIGTERM');
    await expectAllDead(await pidsWritten());
  });

  it('returns the result of a trainer that exits leaving a child behind, and kills that child', async () => {
    const t0 = Date.now();
    const result = await runner({ command: node('straggler.mjs') }).run(spec, context());
    expect(Date.now() - t0).toBeLessThan(KILL_GRACE_MS);
    expect(result.student).toEqual({ ids: ['t-0001'], classes: [1] });
    await expectAllDead(await pidsWritten());
  });

  it('on cancellation kills the process group and does not retry', async () => {
    const ac = new AbortController();
    const ctx = context(ac.signal);
    const run = runner({ command: ['bash', path.join(trainers, 'hang.sh')] }).run(spec, ctx);
    const pids = await pidsWritten();
    expect(pids.every(isAlive)).toBe(true);
    ac.abort();
    const e = await failure(run);
    expect(e.retry).toBe(false);
    expect(e.message).toContain('cancelled');
    await expectAllDead(pids);
  });

  it('does not start a trainer when already cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await failure(runner({ command: ['bash', path.join(trainers, 'hang.sh')] }).run(spec, context(ac.signal)));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('cancelled');
    expect(existsSync(pidFile)).toBe(false);
  });

  it('rejects stdout that is not JSON without retry, quoting the output', async () => {
    const e = await failure(runner({ command: node('garbage.mjs') }).run(spec, context()));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('invalid JSON');
    expect(e.message).toContain('exit code 0');
    expect(e.message).toContain('Epoch 1/3: loss 0.693');
  });

  it('rejects a result of the wrong shape without retry, naming the field', async () => {
    const e = await failure(runner({ command: node('wrong-shape.mjs') }).run(spec, context()));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('result.student.classes.0: expected number');
    expect(e.message).toContain('{"student":{"ids":["t-0001"],"classes":["positive"]}');
  });

  it('retries a non-zero exit (a CUDA OOM), with the stderr tail in the message', async () => {
    const e = await failure(runner({ command: node('oom.mjs') }).run(spec, context()));
    expect(e.retry).toBe(true);
    expect(e.message).toContain('exit code 1');
    expect(e.message).toContain('CUDA out of memory');
    expect(e.stderrTail).toContain('CUDA out of memory');
  });

  it('does not retry exit code 2 (invalid input)', async () => {
    const e = await failure(runner({ command: node('invalid-input.mjs') }).run(spec, context()));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('exit code 2');
    expect(e.message).toContain('unsupported task for this trainer');
  });

  it('kills a trainer that floods stdout, without retry', async () => {
    const e = await failure(runner({ command: node('flood.mjs'), maxStdoutBytes: 1024 * 1024 }).run(spec, context()));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('more than 1048576 bytes on stdout');
  });

  it('does not retry a command that does not exist, naming it', async () => {
    const e = await failure(runner({ command: ['aar-no-such-trainer-xyz', 'train.py'] }).run(spec, context()));
    expect(e.retry).toBe(false);
    expect(e.message).toContain('aar-no-such-trainer-xyz train.py');
    expect(e.message).toContain('ENOENT');
  });
});
