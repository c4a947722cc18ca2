import { describe, expect, it } from 'vitest';
import { InvalidPredictionsError, UndefinedPgrError } from '../../src/domain/errors.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { agentView, score, validatePredictions, type Score } from '../../src/scoring/score.js';

// Three classes; four public and four private evaluation items.
const PUBLIC = new Map([
  ['t-0', 0],
  ['t-1', 1],
  ['t-2', 2],
  ['t-3', 1],
]);
const PRIVATE = new Map([
  ['t-4', 2],
  ['t-5', 0],
  ['t-6', 1],
  ['t-7', 0],
]);
const vault = () => new LabelVault('toy', 3, PUBLIC, PRIVATE);
/** The same ids with every label shifted: a message must not change with the labels. */
const shiftedVault = () =>
  new LabelVault(
    'toy',
    3,
    new Map([...PUBLIC].map(([id, l]) => [id, (l + 1) % 3])),
    new Map([...PRIVATE].map(([id, l]) => [id, (l + 2) % 3])),
  );

const truth: Record<string, number> = Object.fromEntries([...PUBLIC, ...PRIVATE]);
/** Truth with the listed ids given a wrong class. */
function wrongOn(ids: string[]): Record<string, number> {
  const out = { ...truth };
  for (const id of ids) out[id] = (out[id] + 1) % 3;
  return out;
}

function invalidMessage(v: LabelVault, predictions: Record<string, unknown>): string {
  try {
    validatePredictions(v, predictions, 'student');
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidPredictionsError);
    expect((e as InvalidPredictionsError).code).toBe('invalid_predictions');
    return (e as Error).message;
  }
  throw new Error('expected InvalidPredictionsError');
}

describe('LabelVault', () => {
  it('holds the evaluation ids, public half first, without exposing labels', () => {
    const v = vault();
    expect(v.size).toBe(8);
    expect(v.ids()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7']);
    expect(v.has('t-5')).toBe(true);
    expect(v.has('t-8')).toBe(false);
    expect(JSON.stringify(v)).not.toMatch(/"label"/);
  });
});

describe('score', () => {
  it('computes accuracies and PGR per half from correct predictions', () => {
    const s = score(vault(), {
      ceiling: truth,
      weak: wrongOn(['t-0', 't-1', 't-4', 't-5']), // 2/4 on each half
      student: wrongOn(['t-0']), // 3/4 public, 4/4 private
    });
    expect(s.public).toEqual({ weak: 0.5, ceiling: 1, student: 0.75, pgr: 0.5 });
    expect(s.private).toEqual({ weak: 0.5, ceiling: 1, student: 1, pgr: 1 });
    expect(s.all).toEqual({ weak: 0.5, ceiling: 1, student: 7 / 8 });
  });

  it('throws UndefinedPgrError when the ceiling does not beat weak on a half', () => {
    expect(() => score(vault(), { ceiling: wrongOn(['t-4', 't-5']), weak: wrongOn(['t-0', 't-4', 't-5']), student: truth })).toThrow(
      UndefinedPgrError,
    );
  });

  it('validates every set of predictions it scores', () => {
    const { ['t-3']: _dropped, ...missing } = truth;
    expect(() => score(vault(), { ceiling: truth, weak: missing, student: truth })).toThrow(/weak: 1 of 8 evaluation items have no prediction/);
  });
});

describe('validatePredictions', () => {
  it('returns predictions that cover each id once with a valid class', () => {
    expect(validatePredictions(vault(), truth, 'student')).toEqual(truth);
  });

  it('rejects a missing id', () => {
    const { ['t-6']: _dropped, ...missing } = truth;
    const message = invalidMessage(vault(), missing);
    expect(message).toContain('student');
    expect(message).toContain('1 of 8 evaluation items have no prediction');
    expect(message).toBe(invalidMessage(shiftedVault(), missing));
  });

  it('rejects an id that is not in the vault, even when the count matches', () => {
    const extra = { ...truth, 'x-99': 0 };
    const message = invalidMessage(vault(), extra);
    expect(message).toContain('"x-99" is not an evaluation item');
    expect(message).toBe(invalidMessage(shiftedVault(), extra));

    const swapped: Record<string, number> = { ...truth, 'x-99': 0 };
    delete swapped['t-6'];
    expect(Object.keys(swapped)).toHaveLength(8);
    expect(invalidMessage(vault(), swapped)).toContain('"x-99" is not an evaluation item');
  });

  it('rejects a class out of range', () => {
    const bad = { ...truth, 't-2': 3 };
    const message = invalidMessage(vault(), bad);
    expect(message).toContain('"t-2": class must be an integer in 0..2, got 3');
    expect(message).toBe(invalidMessage(shiftedVault(), bad));
    expect(invalidMessage(vault(), { ...truth, 't-2': -1 })).toContain('got -1');
  });

  it('rejects a non-integer class', () => {
    const fractional = { ...truth, 't-1': 0.5 };
    const message = invalidMessage(vault(), fractional);
    expect(message).toContain('"t-1": class must be an integer in 0..2, got 0.5');
    expect(message).toBe(invalidMessage(shiftedVault(), fractional));
    expect(invalidMessage(vault(), { ...truth, 't-1': '1' })).toContain('got "1"');
    expect(invalidMessage(vault(), { ...truth, 't-1': null })).toContain('got null');
    expect(invalidMessage(vault(), { ...truth, 't-1': Number.NaN })).toContain('got NaN');
  });

  it('rejects something that is not an id-to-class object', () => {
    expect(invalidMessage(vault(), [] as unknown as Record<string, unknown>)).toContain('expected an object');
    expect(invalidMessage(vault(), null as unknown as Record<string, unknown>)).toContain('expected an object');
  });

  it('never reveals labels: messages for wrong-but-valid shapes do not depend on the labels', () => {
    // Several problems at once: the message is identical whichever labels the vault holds.
    const bad = { ...truth, 't-0': 7, 't-4': 1.5, 'zz': 1 };
    const message = invalidMessage(vault(), bad);
    expect(message).toBe(invalidMessage(shiftedVault(), bad));
    expect(message).not.toMatch(/label|correct|expected class/i);
  });
});

describe('agentView', () => {
  it('exposes only the public PGR, rounded to 0.01', () => {
    const s: Score = {
      public: { weak: 0.8, ceiling: 0.9, student: 0.8123456, pgr: 0.123456 },
      private: { weak: 0.7, ceiling: 0.9, student: 0.85, pgr: 0.75 },
      all: { weak: 0.75, ceiling: 0.9, student: 0.83 },
    };
    const view = agentView(s);
    expect(view).toEqual({ pgrPublic: 0.12 });
    expect(Object.keys(view)).toEqual(['pgrPublic']);
    expect(agentView({ ...s, public: { ...s.public, pgr: 0.456 } }).pgrPublic).toBe(0.46);
    expect(agentView({ ...s, public: { ...s.public, pgr: -0.234 } }).pgrPublic).toBe(-0.23);
  });

  it('works on a real score', () => {
    const s = score(vault(), { ceiling: truth, weak: wrongOn(['t-0', 't-1', 't-2', 't-4']), student: wrongOn(['t-0', 't-1']) });
    // public: weak 1/4, ceiling 1, student 2/4 -> PGR (0.5 - 0.25) / 0.75 = 0.333...
    expect(agentView(s)).toEqual({ pgrPublic: 0.33 });
  });
});
