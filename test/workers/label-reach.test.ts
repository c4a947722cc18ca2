import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRunner } from '../../workers/command/command-runner.js';
import { trainerEnvironment } from '../../workers/command/trainer-env.js';
import { loadTaskFeatures, loadTestLabels, MASKED_LABEL, testLabelsPath } from '../../workers/w2s/data/cache.js';
import { exportTaskData } from '../../workers/w2s/export/index.js';
import { testCacheDir } from '../helpers/cache-dir.js';

// What a trainer's method phase (agent-controlled code) can reach on a worker: its environment,
// the data folder it is given, and the worker's feature cache if it knows (or guesses) the path.
// None of it may hold a test label, a gold label or a credential.

const trainers = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trainers');
const tmp = mkdtempSync(path.join(tmpdir(), 'aar-label-reach-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PLANTED = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  AAR_HOME: '/srv/aar',
  AAR_LABELS_DIR: '/srv/aar/labels',
  HF_TOKEN: 'hf_secret',
  GITHUB_TOKEN: 'ghp_secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  DATABASE_PASSWORD: 'pw',
  ANTHROPIC_API_KEY: 'sk-ant-secret',
  SLACK_BOT_TOKEN: 'xoxb-secret',
  CUDA_VISIBLE_DEVICES: '0',
  PYTHONHASHSEED: '0',
};

let snooped: { env: Record<string, string>; cacheDir: string | null; labels: Record<string, number>; dataLabels: Record<string, number> };
let dataDir: string;

beforeAll(async () => {
  // The worker's feature cache for spam (built here if this run has none yet).
  loadTaskFeatures(testCacheDir(), 'spam');
  dataDir = path.join(tmp, 'data');
  exportTaskData({ cacheDir: testCacheDir(), out: dataDir, tasks: ['spam'], splitSeed: 1 });
  const saved = { ...process.env };
  Object.assign(process.env, PLANTED, { AAR_CACHE_DIR: testCacheDir() });
  try {
    const runner = new CommandRunner({
      command: [process.execPath, path.join(trainers, 'snoop.mjs')],
      dataDir,
      labelsDir: `${dataDir}.labels`,
      timeoutMs: 60_000,
      env: { SNOOP_GUESSED_CACHE: testCacheDir() },
    });
    const r = await runner.run({ experimentId: 'exp-snoop-1', task: 'spam', seed: 1, method: { name: 'snoop', labels: 'soft', labelSmoothing: 0 } }, { signal: new AbortController().signal, progress: () => {} });
    snooped = r.stats as typeof snooped;
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}, 300_000);

describe('what a trainer can reach', () => {
  it('inherits an allowlisted environment: no queue, no cache or labels path, no credential', () => {
    for (const name of [...Object.keys(PLANTED).filter((k) => !['CUDA_VISIBLE_DEVICES', 'PYTHONHASHSEED'].includes(k)), 'AAR_CACHE_DIR']) {
      expect(snooped.env[name], name).toBeUndefined();
    }
    expect(snooped.env).toMatchObject({ CUDA_VISIBLE_DEVICES: '0', PYTHONHASHSEED: '0', AAR_PHASE: 'method', AAR_DATA_DIR: dataDir, AAR_TASK: 'spam' });
    expect(snooped.env.PATH).toBe(process.env.PATH);
    expect(snooped.cacheDir).toBeNull();
  });

  it('finds no test label in the feature cache, even knowing its path, and no label at all in its data folder', () => {
    const truth = loadTestLabels(testCacheDir(), 'spam');
    expect(truth.size).toBe(2000);
    let read = 0;
    let right = 0;
    for (const [id, label] of truth) {
      const seen = snooped.labels[id];
      if (seen === undefined || seen === MASKED_LABEL) continue;
      read++;
      if (seen === label) right++;
    }
    expect({ read, right }).toEqual({ read: 0, right: 0 });
    // The snoop did read the cache (every test item is there, masked): the zero above is not a missed file.
    expect([...truth.keys()].every((id) => snooped.labels[id] === MASKED_LABEL)).toBe(true);
    // Nothing from the data folder: its files carry no label field (gold is in the labels folder).
    expect(snooped.dataLabels).toEqual({});
  });

  it("keeps scoring's test labels outside the cache folder and the data folder", () => {
    const file = testLabelsPath(testCacheDir(), 'spam');
    for (const dir of [testCacheDir(), dataDir]) expect(path.relative(dir, file).startsWith('..'), dir).toBe(true);
  });
});

describe('trainerEnvironment', () => {
  it('passes allowlisted names and refuses anything that looks like a credential, even under an allowed prefix', () => {
    expect(trainerEnvironment({ PATH: '/bin', CUDA_VISIBLE_DEVICES: '1', CUDA_API_KEY: 'x', PYTHON_TOKEN: 'y', REDIS_URL: 'redis://h', AAR_QUEUE: 'q', HF_TOKEN: 't', HF_HOME: '/hf' })).toEqual({
      PATH: '/bin',
      CUDA_VISIBLE_DEVICES: '1',
      HF_HOME: '/hf',
    });
  });
});
