import { describe, expect, it } from 'vitest';
import { allLabels, loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { TASK_NAMES } from '../../workers/w2s/data/types.js';
import { makeSplits, type Splits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { testCacheDir } from '../helpers/cache-dir.js';

const PARTS = ['gold', 'train', 'validation', 'testPublic', 'testPrivate'] as const;

describe.each(TASK_NAMES)('makeSplits on %s', (task) => {
  const settings = TASKS[task];
  const features = () => loadTaskFeatures(testCacheDir(), task);

  it('partitions every item into gold, train, validation and the two test halves', () => {
    const f = features();
    const splits = makeSplits(f, settings, 1);
    const owner = new Map<number, string>();
    for (const part of PARTS) {
      for (const row of splits[part]) {
        expect(Number.isInteger(row) && row >= 0 && row < f.ids.length).toBe(true);
        const previous = owner.get(row);
        if (previous !== undefined) throw new Error(`row ${row} is in both ${previous} and ${part}`);
        owner.set(row, part);
      }
    }
    expect(owner.size).toBe(f.ids.length);
  });

  it('has the sizes the task settings fix', () => {
    const f = features();
    const s = makeSplits(f, settings, 1);
    expect(s.gold.length).toBe(settings.goldSize);
    expect(s.validation.length).toBe(settings.validationSize);
    expect(s.testPublic.length + s.testPrivate.length).toBe(settings.testSize);
    expect(s.testPublic.length).toBe(s.testPrivate.length);
    expect(s.train.length).toBe(f.ids.length - settings.testSize - settings.goldSize - settings.validationSize);
    expect(s.train.length).toBeGreaterThan(0);
  });

  it('keeps the test halves fixed across seeds while reshuffling gold', () => {
    const f = features();
    const a: Splits = makeSplits(f, settings, 1);
    const b: Splits = makeSplits(f, settings, 2);
    expect(Array.from(b.testPublic)).toEqual(Array.from(a.testPublic));
    expect(Array.from(b.testPrivate)).toEqual(Array.from(a.testPrivate));
    expect(Array.from(b.gold)).not.toEqual(Array.from(a.gold));
    expect(new Set(b.gold)).not.toEqual(new Set(a.gold));
  });

  it('is a pure function of the seed', () => {
    const f = features();
    const a = makeSplits(f, settings, 3);
    const b = makeSplits(f, settings, 3);
    for (const part of PARTS) expect(Array.from(b[part])).toEqual(Array.from(a[part]));
  });

  it('has both classes in each test half', () => {
    const f = features();
    const s = makeSplits(f, settings, 1);
    for (const half of [s.testPublic, s.testPrivate]) {
      const labels = allLabels(testCacheDir(), task);
      const classes = new Set(Array.from(half, (row) => labels[row]));
      expect(classes.size).toBe(f.classNames.length);
    }
  });
});
