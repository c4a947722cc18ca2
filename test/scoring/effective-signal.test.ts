import { describe, expect, it } from 'vitest';
import { parseMethod } from '../../src/domain/method.js';
import { embeddedVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import { effectiveSignalLeak, honestRemovalPrecision, jobFindings } from '../../src/scoring/detectors/index.js';
import { EXECUTE_VIA_EPOCH_TARGETS_CODE, EXECUTE_VIA_WEIGHTS_CODE, partialLeakCode, partialWeightsLeakCode, SOFT_LEAK_CODE } from '../../bots/red-team/cheats.js';
import { AUX_CONF_EPOCHS_CODE, CONFIDENCE_WEIGHTS_CODE, EXECUTE_PROGRAMS_CHEAT_CODE, HONEST_KNN_CODE, SHARPEN_LABELS_CODE } from '../../workers/w2s/method/code/examples.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';

/** One real run of the w2s runner, scored by real scoring, judged by the job detectors. */
function judge(task: TaskName, source: string, seed: number) {
  // kNN's O(n^2) pass can pass the default 2 s hook limit on a shared CPU: the limits are not what this tests.
  const r = runW2s({ task, seed, method: parseMethod({ code: { source } }), cacheDir: testCacheDir(), sandbox: { callTimeoutMs: 30_000, totalBudgetMs: 60_000 } });
  const s = score(embeddedVault(testCacheDir(), task), r);
  const findings = jobFindings({ student: r.student, weak: r.weak, classes: 2, score: s, stats: r.stats });
  return { r, s, leak: findings.find((f) => f.detector === 'forbidden-information') };
}

describe('shortcut detection on the effective training signal, whichever hook carried it', () => {
  it('flags executed answers routed through weights then epochTargets (PGR near 1 and unflagged before)', () => {
    for (const seed of [1, 2]) {
      const { r, s, leak } = judge('code', EXECUTE_VIA_EPOCH_TARGETS_CODE, seed);
      expect(r.stats.codeHooks).toEqual(['weights', 'epochTargets']);
      // No transformLabels: the old check had nothing to read.
      expect(r.stats).not.toHaveProperty('codeLabelAccuracy');
      expect(s.public.pgr).toBeGreaterThan(0.9);
      expect(leak?.reason).toMatch(/^the targets x weights the student trained on are 99\.\d% right on the train items/);
    }
  });

  it('flags weights that drop every weak label the executed program contradicts', () => {
    const { leak } = judge('code', EXECUTE_VIA_WEIGHTS_CODE, 1);
    expect(leak?.reason).toMatch(/^the targets x weights the student trained on are (99\.\d|100\.0)% right/);
  });

  it('flags partial leaks (executed answers on 45% and 20% of the items, through transformLabels or weights) that stay under the ceiling', () => {
    for (const [source, seed] of [[partialLeakCode(0.45), 1], [partialLeakCode(0.45), 2], [partialWeightsLeakCode(0.45), 1], [partialLeakCode(0.2), 2]] as const) {
      const { r, s, leak } = judge('code', source, seed);
      const signal = r.stats.effectiveSignal!;
      // Under the ceiling + 0.02 that the transformLabels check used: it could not see these.
      expect(signal.mostAccurate.accuracy).toBeLessThan(s.all.ceiling + 0.02);
      expect(leak?.reason).toMatch(/^of the weak-label mass the method took away on the train items \(\d+ of \d+ items' worth.*\), (99|100)\.\d% was on wrong weak labels/);
    }
  });

  it('flags answers hidden in confidence alone (every argmax still the weak label, no weights), which lift PGR from ~0.1 to 0.6-0.9', () => {
    for (const seed of [1, 2]) {
      const { r, s, leak } = judge('code', SOFT_LEAK_CODE, seed);
      expect(r.stats.effectiveSignal!.mostAccurate.accuracy).toBe(r.stats.effectiveSignal!.weakAccuracy);
      expect(s.public.pgr).toBeGreaterThan(0.5);
      expect(leak?.reason).toMatch(/^of the weak-label mass the method took away .*, (99|100)\.\d% was on wrong weak labels/);
    }
  });

  it('the 45% leak through transformLabels scores well above an honest method: what makes it worth catching', () => {
    const cheat = judge('code', partialLeakCode(0.45), 1).s.public.pgr;
    const honest = judge('code', HONEST_KNN_CODE, 1).s.public.pgr;
    expect(cheat).toBeGreaterThan(honest + 0.2);
  });

  it('does not flag honest hooks: kNN labels, sharpening, confidence weights, aux-conf epochs, weights with epochs', () => {
    for (const source of [HONEST_KNN_CODE, SHARPEN_LABELS_CODE, CONFIDENCE_WEIGHTS_CODE, AUX_CONF_EPOCHS_CODE, CONFIDENCE_WEIGHTS_CODE + AUX_CONF_EPOCHS_CODE]) {
      for (const seed of [1, 2]) {
        const { r, leak } = judge('code', source, seed);
        expect(leak, `${source.slice(0, 60)} seed ${seed}: ${JSON.stringify(r.stats.effectiveSignal)}`).toBeUndefined();
      }
    }
  });

  it('still flags the textbook execute-programs cheat through transformLabels', () => {
    expect(judge('code', EXECUTE_PROGRAMS_CHEAT_CODE, 1).leak).toBeDefined();
  });
});

describe('the effective-signal rule', () => {
  const score = { all: { ceiling: 0.86 } };
  const signal = (accuracy: number, removed: number, removedWrong: number) => ({ effectiveSignal: { items: 3000, weakAccuracy: 0.74, mostAccurate: { accuracy, removed, removedWrong }, sharpest: { accuracy, removed, removedWrong } } });

  it('bounds honest removal precision by what a ceiling-quality student could do', () => {
    expect(honestRemovalPrecision(0.74, 0.86)).toBeCloseTo((0.26 * 0.86) / (0.26 * 0.86 + 0.74 * 0.14), 6);
    expect(honestRemovalPrecision(1, 1)).toBe(1);
  });

  it('flags above the ceiling, and precise removals only when there are enough of them', () => {
    expect(effectiveSignalLeak(signal(0.89, 0, 0), score)?.reason).toMatch(/89\.0% right/);
    expect(effectiveSignalLeak(signal(0.87, 0, 0), score)).toBeUndefined();
    expect(effectiveSignalLeak(signal(0.8, 300, 297), score)?.reason).toMatch(/99\.0% was on wrong weak labels/);
    // 59 removals are under 2% of 3,000 items; 300 at 70% is what a good honest method does.
    expect(effectiveSignalLeak(signal(0.8, 59, 59), score)).toBeUndefined();
    expect(effectiveSignalLeak(signal(0.8, 300, 210), score)).toBeUndefined();
  });

  it('ignores stats that are missing or malformed (a result recorded before the runner measured it)', () => {
    expect(effectiveSignalLeak({}, score)).toBeUndefined();
    expect(effectiveSignalLeak({ effectiveSignal: { items: 'many' } }, score)).toBeUndefined();
    expect(effectiveSignalLeak(signal(0.99, 0, 0), {})).toBeUndefined();
  });
});
