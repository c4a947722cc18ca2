import { describe, expect, it } from 'vitest';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import { builtinMethod, parseMethod, type MethodInput } from '../../src/domain/method.js';
import { embeddedVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import {
  AUX_CONF_EPOCHS_CODE,
  CONFIDENCE_WEIGHTS_CODE,
  EXECUTE_PROGRAMS_CHEAT_CODE,
  HONEST_KNN_CODE,
  MAJORITY_CHEAT_CODE,
} from '../../workers/w2s/method/code/examples.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';

const run = (task: TaskName, method: MethodInput, seed = 1) => runW2s({ task, seed, method: parseMethod(method), cacheDir: testCacheDir() });
const accuracy = (task: TaskName, r: ReturnType<typeof run>) => score(embeddedVault(testCacheDir(), task), r).all.student;

describe('method code in the w2s runner', () => {
  it('an honest kNN transformLabels runs, beats the weak labels on train items, and helps the student', () => {
    const naive = run('math', builtinMethod('naive'));
    const knn = run('math', { name: 'knn-code', code: { source: HONEST_KNN_CODE } });
    expect(knn.stats.codeHooks).toEqual(['transformLabels']);
    expect(knn.stats.codeLabelAccuracy).toBeGreaterThan(knn.stats.weakLabelAccuracy! + 0.01);
    expect(accuracy('math', knn)).toBeGreaterThan(accuracy('math', naive));
    // Naive runs carry none of the code stats.
    expect(naive.stats).not.toHaveProperty('codeLabelAccuracy');
    expect(naive.stats).not.toHaveProperty('codeHooks');
  });

  it('weights and epochTargets hooks train a student, with no label stats (no labels were transformed)', () => {
    const r = run('spam', { code: { source: CONFIDENCE_WEIGHTS_CODE + AUX_CONF_EPOCHS_CODE } });
    expect(r.stats.codeHooks).toEqual(['weights', 'epochTargets']);
    expect(r.stats).not.toHaveProperty('codeLabelAccuracy');
    expect(accuracy('spam', r)).toBeGreaterThan(0.85);
    // Method code is reproducible like every other method (Math.random is seeded too).
    const again = run('spam', { code: { source: CONFIDENCE_WEIGHTS_CODE + AUX_CONF_EPOCHS_CODE } });
    expect(again.student).toEqual(r.student);
  });

  it('the code only ever sees the train items', () => {
    const splits = makeSplits(loadTaskFeatures(testCacheDir(), 'code'), TASKS.code, 1);
    const probe = `function transformLabels({ n, features, dim, weakFeatures, weakDim }) {
      throw new Error('probe:' + JSON.stringify([n, features.length / dim, weakFeatures.length / weakDim]));
    }`;
    const message = (() => {
      try {
        run('code', { code: { source: probe } });
      } catch (e) {
        expect(e).toBeInstanceOf(RunnerError);
        return (e as Error).message;
      }
      return '';
    })();
    const n = splits.train.length;
    expect(message).toBe(`method code: transformLabels threw Error: probe:${JSON.stringify([n, n, n])} (at line 2, column 13 of method.code.source)`);
  });

  it('the majority cheat makes the student predict one class; the stats show it', () => {
    const r = run('math', { name: 'majority', code: { source: MAJORITY_CHEAT_CODE } });
    expect(Math.max(...r.stats.studentShares)).toBeGreaterThan(0.99);
    expect(r.stats.codeLabelAccuracy).toBeLessThan(r.stats.weakLabelAccuracy! - 0.2);
  });

  it('the execute-programs cheat on the code task: labels ~1.0 where the weak labels are ~0.75', () => {
    const r = run('code', { name: 'run-the-programs', code: { source: EXECUTE_PROGRAMS_CHEAT_CODE } });
    expect(r.stats.codeLabelAccuracy).toBeGreaterThan(0.98);
    expect(r.stats.weakLabelAccuracy).toBeGreaterThan(0.65);
    expect(r.stats.weakLabelAccuracy).toBeLessThan(0.85);
    // The student it trains is far better than an honest one: what the detector must catch.
    expect(accuracy('code', r)).toBeGreaterThan(accuracy('code', run('code', builtinMethod('naive'))) + 0.1);
    // On any other task it refuses, and the experiment fails.
    expect(() => run('math', { code: { source: EXECUTE_PROGRAMS_CHEAT_CODE } })).toThrow('this cheat reads the code task only');
  });

  it('runs in the guarded child process the w2s runner gives method code, and fails a bad method without retry', async () => {
    const runner = new W2sRunner({ cacheDir: testCacheDir(), threads: 1 });
    const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });
    const spec = (method: MethodInput): JobSpec => ({ experimentId: 'exp-code', seed: 1, task: 'code', method: parseMethod(method) });
    try {
      const result = (await runner.run(spec({ code: { source: EXECUTE_PROGRAMS_CHEAT_CODE } }), ctx())) as { stats: Record<string, unknown> };
      expect(result.stats.codeLabelAccuracy).toBeGreaterThan(0.98);
      const bomb = runner.run(spec({ code: { source: 'function transformLabels() { const a = []; for (;;) a.push(new Array(1e5).fill(1)); }' } }), ctx());
      await expect(bomb).rejects.toMatchObject({ retry: false, message: 'method code: memory limit of 64 MB exceeded in transformLabels' });
      // The runner survives and runs the next job.
      const after = (await runner.run(spec({ code: { source: HONEST_KNN_CODE } }), ctx())) as { stats: Record<string, unknown> };
      expect(after.stats.codeHooks).toEqual(['transformLabels']);
    } finally {
      await runner.close();
    }
  });
});
