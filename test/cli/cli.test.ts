import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testCacheDir } from '../helpers/cache-dir.js';
import { TASK_NAMES } from '../../workers/w2s/data/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aar-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI as a real process, as a user would. */
function aar(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, AAR_CACHE_DIR: testCacheDir(), AAR_HOME: path.join(tmp, 'home') },
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectMeanSd(x: unknown): void {
  expect(x).toEqual({ mean: expect.any(Number), sd: expect.any(Number) });
  const { mean, sd } = x as { mean: number; sd: number };
  expect(Number.isFinite(mean) && Number.isFinite(sd)).toBe(true);
  expect(sd).toBeGreaterThanOrEqual(0);
}

function expectAccuracy(x: unknown): void {
  expectMeanSd(x);
  const { mean } = x as { mean: number };
  expect(mean).toBeGreaterThanOrEqual(0);
  expect(mean).toBeLessThanOrEqual(1);
}

describe('aar CLI', () => {
  it('uses the shared test cache set up for the run', () => {
    expect(testCacheDir()).toBe(inject('aarCacheDir'));
  });

  it('eval --json prints one JSON object with the scores', () => {
    const r = aar('eval', '--task', 'spam', '--method', 'naive', '--seeds', '1,2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const json = JSON.parse(lines[lines.length - 1]);
    expect(json).toMatchObject({ task: 'spam', method: 'naive', seeds: [1, 2] });
    for (const key of ['weak', 'ceiling', 'student'] as const) expectAccuracy(json[key]);
    expect(json.ceiling.mean).toBeGreaterThan(json.weak.mean);
    expectMeanSd(json.pgr.public);
    expectMeanSd(json.pgr.private);
    expect(typeof json.ms).toBe('number');
    expect(json.ms).toBeGreaterThanOrEqual(0);
    expect(json.msPerSeed).toHaveLength(2);
  });

  it('eval prints a table without --json', () => {
    const r = aar('eval', '--task', 'spam', '--method', 'naive', '--seeds', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('spam · method naive · seeds 1');
    expect(r.stdout).toContain('PGR private');
  });

  it('rejects an unknown task with exit code 2, listing the accepted tasks', () => {
    const r = aar('eval', '--task', 'poetry', '--method', 'naive');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--task');
    expect(r.stderr).toContain('accepted');
    expect(r.stderr).toContain('spam, sentiment, math, code');
    expect(r.stdout).toBe('');
  });

  it('rejects bad seeds with exit code 2', () => {
    const r = aar('eval', '--task', 'spam', '--method', 'naive', '--seeds', '1,x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seeds');
    expect(r.stderr).not.toContain('    at '); // a message, not a stack trace
  });

  it('rejects a method file with a bad field with exit code 2, naming the field', () => {
    const file = path.join(tmp, 'bad-method.json');
    writeFileSync(file, JSON.stringify({ epochs: 500 }));
    const r = aar('eval', '--task', 'spam', '--method', file, '--seeds', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('method.epochs');
    expect(r.stderr).toContain('at most 200');
  });

  it('rejects an unknown flag with exit code 2', () => {
    const r = aar('eval', '--task', 'spam', '--method', 'naive', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
  });

  it('rejects an unknown command with exit code 2', () => {
    const r = aar('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toContain('accepted');
  });

  it('--help exits 0 and lists the commands', () => {
    const r = aar('--help');
    expect(r.code).toBe(0);
    for (const command of ['start', 'tasks', 'eval']) expect(r.stdout).toContain(command);
    const sub = aar('eval', '--help');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--seeds');
  });

  it('tasks --json lists every task with its teacher family, sizes, baselines, gap and naive PGR', () => {
    const r = aar('tasks', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const tasks = JSON.parse(lines[lines.length - 1]) as Array<Record<string, any>>;
    // The same-family defaults, then each data set's cross-view variant.
    expect(tasks.map((t) => t.task)).toEqual([...TASK_NAMES, ...TASK_NAMES.map((t) => `${t}@xview`)]);
    for (const t of tasks) {
      expect(t.teacher.family).toMatch(t.task.endsWith('@xview') ? /^xview$/ : /^(projection|narrow-prior)$/);
      expect(t.teacher.about).toEqual(expect.any(String));
      expect(t.baselines.gap).toBeCloseTo(t.baselines.ceiling.mean - t.baselines.weak.mean, 12);
    }
    for (const t of tasks) {
      const { items, gold, train, validation, testPublic, testPrivate } = t.sizes;
      for (const n of [items, gold, train, validation, testPublic, testPrivate]) expect(Number.isInteger(n) && n > 0).toBe(true);
      expect(gold + train + validation + testPublic + testPrivate).toBe(items);
      expect(testPublic).toBe(testPrivate);
      expect(t.baselines.seeds).toEqual([1, 2, 3, 4, 5]);
      expectAccuracy(t.baselines.weak);
      expectAccuracy(t.baselines.ceiling);
      expectMeanSd(t.baselines.naivePgr);
      expect(t.baselines.majority).toBeGreaterThanOrEqual(0.5);
      expect(t.baselines.majority).toBeLessThanOrEqual(1);
    }
  });
});
