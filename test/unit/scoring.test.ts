import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidPredictionsError, UndefinedPgrError } from '../../src/domain/errors.js';
import { parseJobResult } from '../../src/domain/experiment.js';
import { predictionsFrom, type Predictions } from '../../src/domain/predictions.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { agentView, score, tallyPredictions, type Score } from '../../src/scoring/score.js';

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

/** (id, class) pairs in the vault's order, public then private. */
const TRUTH: [string, number][] = [...PUBLIC, ...PRIVATE];
/** Columns from (id, class) pairs in the given order; classes may be anything, as on the wire. */
const columns = (pairs: readonly (readonly [string, unknown])[]): Predictions =>
  ({ ids: pairs.map(([id]) => id), classes: pairs.map(([, c]) => c) }) as Predictions;
/** Correct predictions in the vault's order. */
const truth = (): Predictions => columns(TRUTH);
/** Truth (in the vault's order) with the listed ids given a wrong class. */
function wrongOn(ids: string[]): Predictions {
  return columns(TRUTH.map(([id, c]) => [id, ids.includes(id) ? (c + 1) % 3 : c]));
}
/** Truth with one item's class replaced by `c` (any value, as a worker might send). */
const withClass = (id: string, c: unknown): Predictions => columns(TRUTH.map(([i, l]) => [i, i === id ? c : l]));
/** The same predictions listed in another order: the pair at k goes to order[k]. */
function reordered(p: Predictions, order: number[]): Predictions {
  expect([...order].sort((a, b) => a - b)).toEqual(p.ids.map((_, k) => k));
  return { ids: order.map((k) => p.ids[k]), classes: order.map((k) => p.classes[k]) };
}
const REVERSED = [7, 6, 5, 4, 3, 2, 1, 0];
/** In the vault's order up to the last two items, which are swapped. */
const LAST_TWO_SWAPPED = [0, 1, 2, 3, 4, 5, 7, 6];
const SHUFFLED = [5, 2, 7, 0, 3, 6, 1, 4];

function invalidMessage(v: LabelVault, predictions: unknown): string {
  try {
    tallyPredictions(v, predictions as Predictions, 'student');
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidPredictionsError);
    expect((e as InvalidPredictionsError).code).toBe('invalid_predictions');
    const message = (e as Error).message;
    expect(message.startsWith('Invalid predictions: '), message).toBe(true);
    return message.slice('Invalid predictions: '.length);
  }
  throw new Error('expected InvalidPredictionsError');
}

describe('LabelVault', () => {
  it('holds the evaluation ids, public half first, without exposing labels', () => {
    const v = vault();
    expect(v.size).toBe(8);
    expect(v.publicSize).toBe(4);
    expect(v.ids()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7']);
    expect(v.has('t-5')).toBe(true);
    expect(v.has('t-8')).toBe(false);
    // Serialised, the vault shows neither labels nor anything that depends on them.
    const json = JSON.stringify(v);
    expect(json).not.toMatch(/label/i);
    expect(json).toBe(JSON.stringify(shiftedVault()));
    // ids() hands out a copy: changing it cannot change the vault's order.
    v.ids().reverse();
    expect(v.ids()[0]).toBe('t-0');
  });
});

describe('score', () => {
  it('computes accuracies and PGR per half from correct predictions', () => {
    const s = score(vault(), {
      ceiling: truth(),
      weak: wrongOn(['t-0', 't-1', 't-4', 't-5']), // 2/4 on each half
      student: wrongOn(['t-0']), // 3/4 public, 4/4 private
    });
    expect(s.public).toEqual({ weak: 0.5, ceiling: 1, student: 0.75, pgr: 0.5 });
    expect(s.private).toEqual({ weak: 0.5, ceiling: 1, student: 1, pgr: 1 });
    expect(s.all).toEqual({ weak: 0.5, ceiling: 1, student: 7 / 8 });
  });

  it('scores predictions listed in any order the same as in the vault order', () => {
    const run = {
      ceiling: wrongOn(['t-7']),
      weak: wrongOn(['t-0', 't-1', 't-4', 't-5']),
      student: wrongOn(['t-0', 't-6']),
    };
    const expected = score(vault(), run);
    expect(expected.public).toEqual({ weak: 0.5, ceiling: 1, student: 0.75, pgr: 0.5 });
    expect(expected.private.student).toBe(0.75);
    expect(expected.private.ceiling).toBe(0.75);
    for (const order of [REVERSED, LAST_TWO_SWAPPED, SHUFFLED]) {
      const moved = { ceiling: reordered(run.ceiling, order), weak: reordered(run.weak, order), student: reordered(run.student, order) };
      expect(moved.student.ids).not.toEqual(vault().ids());
      expect(score(vault(), moved)).toEqual(expected);
      // Mixed: each model in its own order.
      expect(score(vault(), { ceiling: run.ceiling, weak: moved.weak, student: reordered(run.student, REVERSED) })).toEqual(expected);
    }
  });

  it('accepts the three models sharing one ids array, as the runners send them', () => {
    const ids = vault().ids();
    const classes = TRUTH.map(([, c]) => c);
    const s = score(vault(), {
      ceiling: { ids, classes },
      weak: { ids, classes: classes.map((c, k) => (k % 2 === 0 ? (c + 1) % 3 : c)) },
      student: { ids, classes: classes.map((c, k) => (k % 4 === 0 ? (c + 1) % 3 : c)) },
    });
    expect(s.public).toEqual({ weak: 0.5, ceiling: 1, student: 0.75, pgr: 0.5 });
    expect(s.private).toEqual({ weak: 0.5, ceiling: 1, student: 0.75, pgr: 0.5 });
  });

  it('throws UndefinedPgrError when the ceiling does not beat weak on a half', () => {
    expect(() => score(vault(), { ceiling: wrongOn(['t-4', 't-5']), weak: wrongOn(['t-0', 't-4', 't-5']), student: truth() })).toThrow(UndefinedPgrError);
  });

  it('validates every set of predictions it scores', () => {
    const missing = columns(TRUTH.filter(([id]) => id !== 't-3'));
    expect(() => score(vault(), { ceiling: truth(), weak: missing, student: truth() })).toThrow(InvalidPredictionsError);
    expect(() => score(vault(), { ceiling: truth(), weak: missing, student: truth() })).toThrow(/^Invalid predictions: weak: 7 predictions for 8 evaluation items$/);
    expect(() => score(vault(), { ceiling: withClass('t-1', 5), weak: wrongOn(['t-0']), student: truth() })).toThrow(/^Invalid predictions: ceiling: "t-1": class must be/);
    expect(() => score(vault(), { ceiling: truth(), weak: wrongOn(['t-0']), student: reordered(withClass('t-7', -1), REVERSED) })).toThrow(
      /^Invalid predictions: student: "t-7": class must be an integer in 0\.\.2, got -1$/,
    );
  });
});

describe('tallyPredictions', () => {
  it('counts correct predictions per half for predictions that cover each id once with a valid class', () => {
    expect(tallyPredictions(vault(), truth(), 'student')).toEqual({ public: { correct: 4, total: 4 }, private: { correct: 4, total: 4 } });
    expect(tallyPredictions(vault(), wrongOn(['t-0', 't-2', 't-7']), 'student')).toEqual({
      public: { correct: 2, total: 4 },
      private: { correct: 3, total: 4 },
    });
  });

  it('counts the same whatever the order of the predictions', () => {
    const p = wrongOn(['t-1', 't-5', 't-6']);
    const expected = { public: { correct: 3, total: 4 }, private: { correct: 2, total: 4 } };
    expect(tallyPredictions(vault(), p, 'student')).toEqual(expected);
    for (const order of [REVERSED, LAST_TWO_SWAPPED, SHUFFLED]) expect(tallyPredictions(vault(), reordered(p, order), 'student')).toEqual(expected);
  });

  it('rejects a missing id', () => {
    const missing = columns(TRUTH.filter(([id]) => id !== 't-6'));
    const message = invalidMessage(vault(), missing);
    expect(message).toBe('student: 7 predictions for 8 evaluation items');
    expect(message).toBe(invalidMessage(shiftedVault(), missing));
    expect(invalidMessage(vault(), columns([]))).toBe('student: 0 predictions for 8 evaluation items');
  });

  it('rejects an id that is not in the vault, even when the count matches', () => {
    const extra = columns([...TRUTH, ['x-99', 0]]);
    const message = invalidMessage(vault(), extra);
    expect(message).toBe('student: 9 predictions for 8 evaluation items');
    expect(message).toBe(invalidMessage(shiftedVault(), extra));

    // Same count: t-6 replaced by an unknown id, in the vault's slot or elsewhere.
    const swapped = columns(TRUTH.map(([id, c]) => (id === 't-6' ? ['x-99', c] : [id, c])));
    expect(swapped.ids).toHaveLength(8);
    const swappedMessage = invalidMessage(vault(), swapped);
    expect(swappedMessage).toBe('student: "x-99" is not an evaluation item');
    expect(swappedMessage).toBe(invalidMessage(shiftedVault(), swapped));
    expect(invalidMessage(vault(), reordered(swapped, SHUFFLED))).toBe('student: "x-99" is not an evaluation item');
  });

  it('rejects an id predicted twice, even when the count matches', () => {
    // t-6 left out and t-5 listed twice: eight predictions, but not one per item.
    const twice = columns(TRUTH.map(([id, c]) => (id === 't-6' ? ['t-5', 0] : [id, c])));
    expect(twice.ids).toHaveLength(8);
    const message = invalidMessage(vault(), twice);
    expect(message).toBe('student: "t-5" is predicted more than once');
    expect(message).toBe(invalidMessage(shiftedVault(), twice));
    // With the duplicate first, and with two different classes for the same id.
    expect(invalidMessage(vault(), reordered(twice, REVERSED))).toBe('student: "t-5" is predicted more than once');
    const disagreeing = columns(TRUTH.map(([id, c]) => (id === 't-0' ? ['t-3', 2] : [id, c])));
    expect(invalidMessage(vault(), disagreeing)).toBe('student: "t-3" is predicted more than once');
    // And a duplicate on top of the full set is a count problem.
    expect(invalidMessage(vault(), columns([...TRUTH, ['t-2', 2]]))).toBe('student: 9 predictions for 8 evaluation items');
  });

  it('rejects a class out of range', () => {
    const bad = withClass('t-2', 3);
    const message = invalidMessage(vault(), bad);
    expect(message).toBe('student: "t-2": class must be an integer in 0..2, got 3');
    expect(message).toBe(invalidMessage(shiftedVault(), bad));
    expect(invalidMessage(vault(), withClass('t-2', -1))).toContain('"t-2": class must be an integer in 0..2, got -1');
    expect(invalidMessage(vault(), withClass('t-2', 255))).toContain('got 255');
    // Named by the prediction's own id, wherever it is listed.
    expect(invalidMessage(vault(), reordered(withClass('t-2', 3), SHUFFLED))).toBe(message);
  });

  it('rejects a non-integer class', () => {
    const fractional = withClass('t-1', 0.5);
    const message = invalidMessage(vault(), fractional);
    expect(message).toContain('"t-1": class must be an integer in 0..2, got 0.5');
    expect(message).toBe(invalidMessage(shiftedVault(), fractional));
    expect(invalidMessage(vault(), withClass('t-1', '1'))).toContain('"t-1": class must be an integer in 0..2, got "1"');
    expect(invalidMessage(vault(), withClass('t-1', null))).toContain('got null');
    expect(invalidMessage(vault(), withClass('t-1', Number.NaN))).toContain('"t-1": class must be an integer in 0..2, got NaN');
    expect(invalidMessage(vault(), withClass('t-1', Number.POSITIVE_INFINITY))).toContain('got Infinity');
    expect(invalidMessage(vault(), withClass('t-1', [1]))).toContain('got [1]');
  });

  it('rejects something that is not {ids, classes} columns of equal length', () => {
    const expected = 'student: expected {ids, classes} of equal length';
    expect(invalidMessage(vault(), null)).toBe(expected);
    expect(invalidMessage(vault(), undefined)).toBe(expected);
    expect(invalidMessage(vault(), [])).toBe(expected);
    // The old wire format, a map of id to class, is refused.
    expect(invalidMessage(vault(), Object.fromEntries(TRUTH))).toBe(expected);
    expect(invalidMessage(vault(), { ids: vault().ids() })).toBe(expected);
    expect(invalidMessage(vault(), { ids: vault().ids(), classes: TRUTH.slice(1).map(([, c]) => c) })).toBe(expected);
    expect(invalidMessage(vault(), { ids: 't-0', classes: [0] })).toBe(expected);
  });

  it('never reveals labels: messages for wrong-but-valid shapes do not depend on the labels', () => {
    // Several problems at once: the message is identical whichever labels the vault holds.
    const bad = columns([...TRUTH.map(([id, c]): [string, unknown] => [id, id === 't-0' ? 7 : id === 't-4' ? 1.5 : c]), ['zz', 1]]);
    const message = invalidMessage(vault(), bad);
    expect(message).toBe(invalidMessage(shiftedVault(), bad));
    expect(message).not.toMatch(/label|correct|expected class/i);
    const cases: Predictions[] = [
      columns(TRUTH.slice(1)),
      columns(TRUTH.map(([id, c]) => (id === 't-6' ? ['zz', c] : [id, c]))),
      columns(TRUTH.map(([id, c]) => (id === 't-6' ? ['t-0', c] : [id, c]))),
      reordered(withClass('t-5', 9), SHUFFLED),
    ];
    for (const p of cases) {
      const m = invalidMessage(vault(), p);
      expect(m).toBe(invalidMessage(shiftedVault(), p));
      expect(m).not.toMatch(/label|correct|expected class/i);
    }
  });
});

describe('predictions on the wire', () => {
  it('predictionsFrom turns an id-to-class map into columns in the map order', () => {
    expect(predictionsFrom({ 't-0': 0, 't-1': 2 })).toEqual({ ids: ['t-0', 't-1'], classes: [0, 2] });
    expect(tallyPredictions(vault(), predictionsFrom(Object.fromEntries(TRUTH)), 'student').public.correct).toBe(4);
  });

  it('a job result must carry columns of equal length with integer classes', () => {
    const ok = { student: truth(), weak: truth(), ceiling: truth() };
    expect(parseJobResult(ok)).toEqual({ ...ok, stats: {} });
    const problem = (result: unknown) => {
      try {
        parseJobResult(result);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as Error).message;
      }
      throw new Error('expected InvalidInputError');
    };
    expect(problem({ ...ok, weak: { ids: ['t-0', 't-1'], classes: [0] } })).toContain('result.weak.classes: ids and classes must have the same length');
    expect(problem({ ...ok, student: { ids: ['t-0'], classes: ['positive'] } })).toContain('result.student.classes.0');
    expect(problem({ ...ok, student: { ids: ['t-0'], classes: [0.5] } })).toContain('result.student.classes.0');
    expect(problem({ ...ok, student: { ids: ['t-0'], classes: [256] } })).toContain('result.student.classes.0');
    expect(problem({ ...ok, ceiling: Object.fromEntries(TRUTH) })).toContain('result.ceiling.ids');
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
    const s = score(vault(), { ceiling: truth(), weak: wrongOn(['t-0', 't-1', 't-2', 't-4']), student: wrongOn(['t-0', 't-1']) });
    // public: weak 1/4, ceiling 1, student 2/4 -> PGR (0.5 - 0.25) / 0.75 = 0.333...
    expect(agentView(s)).toEqual({ pgrPublic: 0.33 });
    expect(agentView(score(vault(), { ceiling: truth(), weak: reordered(wrongOn(['t-0', 't-1', 't-2', 't-4']), SHUFFLED), student: reordered(wrongOn(['t-0', 't-1']), REVERSED) }))).toEqual({ pgrPublic: 0.33 });
  });
});
