import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import type { RunProgress } from '../../workers/runner.js';
import { CommandRunner } from '../../workers/command/command-runner.js';
import { injectedTrainerPython } from '../helpers/injected-python.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const python = injectedTrainerPython;

// A lower step floor for the weak teacher and ceiling keeps the CPU run short (train.py's default is 200).
const env = { ...process.env, PYTHONPATH: root, PYTHONDONTWRITEBYTECODE: '1', AAR_BASELINE_MIN_STEPS: '60' };

describe('GPU reference trainer (workers/gpu), on the CPU with tiny models', () => {
  it('passes its Python unit tests (losses, LoRA, data validation, the Hugging Face path with tiny Qwen2 models, train.py end to end)', () => {
    const run = spawnSync(python(), ['-m', 'unittest', 'discover', '-s', 'test/gpu', '-p', 'test_*.py'], {
      cwd: root,
      env,
      encoding: 'utf8',
      // About a minute on a quiet 2-core machine; several with the CPU shared (377 s measured under load).
      timeout: 600_000,
    });
    // unittest reports on stderr; show it when anything failed.
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stderr).toMatch(/Ran \d+ tests/);
    expect(run.stderr).toMatch(/\nOK/);
  }, 600_000);

  describe('through the command runner, as `aar worker --runner command` runs it', () => {
    let dataDir: string;
    const testIds = Array.from({ length: 24 }, (_, i) => `toy-t-${String(i).padStart(3, '0')}`);

    beforeAll(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'aar-gpu-runner-'));
      const words = { 1: ['good', 'great', 'happy', 'nice', 'kind'], 0: ['bad', 'awful', 'sad', 'rude', 'ugly'] } as const;
      const text = (label: 0 | 1, i: number) => `${words[label][i % 5]} ${words[label][(i + 2) % 5]} ${words[(1 - label) as 0 | 1][i % 5]} the day`;
      const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
      mkdirSync(path.join(dataDir, 'toy'));
      // Labels in their own folder, given to the trusted phase only (as aar export-data --labels-out writes them).
      mkdirSync(path.join(`${dataDir}.labels`, 'toy'), { recursive: true });
      writeFileSync(path.join(`${dataDir}.labels`, 'toy', 'train_labeled.jsonl'), lines(Array.from({ length: 60 }, (_, i) => ({ id: `toy-l-${i}`, text: text((i % 2) as 0 | 1, i), label: i % 2 }))));
      writeFileSync(path.join(`${dataDir}.labels`, 'toy', 'train_unlabeled_labels.jsonl'), lines(Array.from({ length: 80 }, (_, i) => ({ id: `toy-u-${i}`, label: (i >> 1) % 2 }))));
      writeFileSync(path.join(dataDir, 'toy', 'train_unlabeled.jsonl'), lines(Array.from({ length: 80 }, (_, i) => ({ id: `toy-u-${i}`, text: text(((i >> 1) % 2) as 0 | 1, i) }))));
      writeFileSync(path.join(dataDir, 'toy', 'test.jsonl'), lines(testIds.map((id, i) => ({ id, text: text(((i * 7) % 2) as 0 | 1, i + 1) }))));
    });
    afterAll(() => {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}.labels`, { recursive: true, force: true });
    });

    const runner = () =>
      new CommandRunner({
        command: [python(), 'workers/gpu/train.py', '--tiny'],
        dataDir,
        labelsDir: `${dataDir}.labels`,
        cwd: root,
        timeoutMs: 120_000,
        env: { AAR_CEILING_CACHE: 'off', AAR_BASELINE_MIN_STEPS: '60', PYTHONDONTWRITEBYTECODE: '1' },
      });
    const spec = (method: JobSpec['method']): JobSpec => ({ experimentId: 'exp-gpu-runner-1', task: 'toy', seed: 2, method });

    it('runs the trusted phase, then a method phase on its weak labels, predicting every test item and streaming progress', async () => {
      const ctx = { signal: new AbortController().signal, progress: () => {} };
      const base = await runner().runBaselines({ ...spec({ labels: 'soft', labelSmoothing: 0 }), phase: 'baselines' }, ctx);
      for (const who of ['weak', 'ceiling'] as const) {
        expect(base[who].ids).toEqual(testIds);
        expect(base[who].classes.every((c) => c === 0 || c === 1)).toBe(true);
      }
      expect(base.weakTrain.ids).toHaveLength(80);
      expect(base.stats).toMatchObject({ phase: 'baselines', ceilingTrainItems: 80, goldItems: 60 });
      const seen: RunProgress[] = [];
      const result = await runner().run(
        { ...spec({ name: 'aux-conf', labels: 'soft', labelSmoothing: 0, auxConf: { alphaMax: 0.75, warmup: 0.2, threshold: 'adaptive', fixedThreshold: 0.5 }, epochs: 5 }), weakLabels: base.weakTrain },
        { signal: new AbortController().signal, progress: (p) => seen.push(p) },
      );
      expect(result.student.ids).toEqual(testIds);
      expect(result.student.classes.every((c) => c === 0 || c === 1)).toBe(true);
      // The method phase reports no weak teacher or ceiling: it has none (and scoring would not use them).
      expect(result.weak).toBeUndefined();
      expect(result.ceiling).toBeUndefined();
      expect(result.stats).toMatchObject({ trainer: 'workers/gpu', phase: 'method', epochs: 5, models: { factory: 'tiny' } });
      expect(seen.length).toBeGreaterThan(5);
      expect(seen.at(-1)?.fraction).toBe(1);
      expect(seen.some((p) => /^student step \d+ loss /.test(p.note ?? ''))).toBe(true);
      const fractions = seen.map((p) => p.fraction);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    }, 120_000);

    it('refuses a method it does not implement with exit 2, which is never retried', async () => {
      const err = await runner()
        .run({ ...spec({ labels: 'soft', labelSmoothing: 0, knn: { k: 5, mix: 0.5, steps: 1 } }), weakLabels: { ids: [], probs: [] } }, { signal: new AbortController().signal, progress: () => {} })
        .then(
          () => new Error('expected the trainer to refuse knn'),
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(RunnerError);
      expect((err as RunnerError).retry).toBe(false);
      expect((err as RunnerError).message).toMatch(/exit code 2/);
      expect((err as RunnerError).message).toMatch(/method\.knn/);
    }, 60_000);
  });
});
