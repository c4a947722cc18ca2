import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testCacheDir } from '../helpers/cache-dir.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aar-cli-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `aar export-data` as a real process; AAR_DATA_DIR only when given. */
function exportData(args: string[], dataDir?: string) {
  const { AAR_DATA_DIR: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'export-data', ...args], {
    cwd: ROOT,
    env: { ...env, AAR_CACHE_DIR: testCacheDir(), AAR_HOME: path.join(tmp, 'home'), ...(dataDir ? { AAR_DATA_DIR: dataDir } : {}) },
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const meta = (dir: string, task: string) => JSON.parse(readFileSync(path.join(dir, task, 'meta.json'), 'utf8'));

describe('aar export-data', () => {
  it('writes the chosen task and prints its counts and folder; refuses to overwrite it without --force', () => {
    const out = path.join(tmp, 'one');
    const r = exportData(['--out', out, '--task', 'sentiment', '--split-seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const folder = path.join(out, 'sentiment');
    const labelsFolder = path.join(`${out}.labels`, 'sentiment');
    expect(r.stdout).toBe(`sentiment: 800 labeled, 1461 unlabeled, 1000 test (500 public + 500 private), 0.2 MB -> ${folder} (labels: ${labelsFolder})\n`);
    expect(existsSync(path.join(folder, 'train_labeled.jsonl'))).toBe(false);
    expect(lines(path.join(labelsFolder, 'train_labeled.jsonl'))).toHaveLength(800);
    expect(lines(path.join(labelsFolder, 'train_unlabeled_labels.jsonl'))).toHaveLength(1461);
    expect(lines(path.join(folder, 'train_unlabeled.jsonl'))).toHaveLength(1461);
    expect(lines(path.join(folder, 'test.jsonl'))).toHaveLength(1000);
    expect(meta(out, 'sentiment')).toMatchObject({ task: 'sentiment', splitSeed: 3 });
    const gold = readFileSync(path.join(labelsFolder, 'train_labeled.jsonl'), 'utf8');

    const again = exportData(['--out', out, '--task', 'sentiment']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(folder);
    expect(again.stderr).toContain('--force');
    expect(again.stdout).toBe('');
    expect(readFileSync(path.join(labelsFolder, 'train_labeled.jsonl'), 'utf8')).toBe(gold);

    const forced = exportData(['--out', out, '--task', 'sentiment', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(meta(out, 'sentiment').splitSeed).toBe(1);
  });

  it('writes into AAR_DATA_DIR without --out, taking tasks repeated or comma-separated', () => {
    const dataDir = path.join(tmp, 'env');
    const r = exportData(['--task', 'math', '--task', 'code,math'], dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(':')[0])).toEqual(['math', 'code']);
    expect(r.stdout).toContain(`-> ${path.join(dataDir, 'code')}`);
    expect(lines(path.join(dataDir, 'math', 'test.jsonl'))).toHaveLength(2000);
    expect(lines(path.join(`${dataDir}.labels`, 'code', 'train_labeled.jsonl'))).toHaveLength(60);
  });

  it.each([
    ['an unknown task and a split seed of 0', ['--task', 'spam,poetry', '--split-seed', '0'], ['--task', 'spam, sentiment, math, code', '--split-seed', 'an integer 1..']],
    ['an unknown flag', ['--seed', '2'], ['--seed', 'accepted: --out, --labels-out, --task, --split-seed, --force']],
  ])('rejects %s with exit code 2, naming each bad flag, writing nothing', (_, args, expected) => {
    const out = path.join(tmp, 'bad');
    const r = exportData(['--out', out, ...args]);
    expect(r.code).toBe(2);
    for (const text of expected) expect(r.stderr).toContain(text);
    expect(r.stderr).not.toContain('    at ');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('requires --out when AAR_DATA_DIR is not set, and an integer split seed', () => {
    const r = exportData(['--task', 'math', '--split-seed', '2.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out: required (or set AAR_DATA_DIR)');
    expect(r.stderr).toContain('--split-seed: "2.5" is not accepted');
    expect(r.stdout).toBe('');
  });

  it('is listed in aar --help', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toContain('export-data');
  });
});
