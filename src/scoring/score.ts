import { InvalidPredictionsError } from '../domain/errors.js';
import type { LabelVault } from './label-vault.js';
import { pgr } from './pgr.js';

export interface HalfScore {
  weak: number;
  ceiling: number;
  student: number;
  pgr: number;
}

/** A full score: accuracies (0..1) and PGR on each half, and accuracies over the whole test set. */
export interface Score {
  public: HalfScore;
  private: HalfScore;
  all: { weak: number; ceiling: number; student: number };
}

export interface ScoredPredictions {
  student: Readonly<Record<string, unknown>>;
  weak: Readonly<Record<string, unknown>>;
  ceiling: Readonly<Record<string, unknown>>;
}

/**
 * Checks that predictions cover each evaluation id exactly once with a valid class, and
 * nothing else. The reason names the first problems found; it never reveals labels.
 */
export function validatePredictions(vault: LabelVault, predictions: Readonly<Record<string, unknown>>, who: string): Record<string, number> {
  if (typeof predictions !== 'object' || predictions === null || Array.isArray(predictions)) {
    throw new InvalidPredictionsError(`${who}: expected an object mapping evaluation item id to class`);
  }
  let count = 0;
  const problems: string[] = [];
  for (const id in predictions) {
    count++;
    if (!vault.has(id)) {
      if (problems.length < 3) problems.push(`"${id}" is not an evaluation item`);
      continue;
    }
    const c = predictions[id];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= vault.classes) {
      if (problems.length < 3) problems.push(`"${id}": class must be an integer in 0..${vault.classes - 1}, got ${typeof c === 'number' ? String(c) : JSON.stringify(c)}`);
    }
  }
  if (problems.length) throw new InvalidPredictionsError(`${who}: ${problems.join('; ')}`);
  if (count !== vault.size) throw new InvalidPredictionsError(`${who}: ${vault.size - count} of ${vault.size} evaluation items have no prediction`);
  return predictions as Record<string, number>;
}

/** Scores a run's predictions against the vault. Throws on invalid predictions or undefined PGR. */
export function score(vault: LabelVault, run: ScoredPredictions): Score {
  const tallies = {
    student: vault.tally(validatePredictions(vault, run.student, 'student')),
    weak: vault.tally(validatePredictions(vault, run.weak, 'weak')),
    ceiling: vault.tally(validatePredictions(vault, run.ceiling, 'ceiling')),
  };
  const half = (h: 'public' | 'private'): HalfScore => {
    const acc = (t: { correct: number; total: number }) => t.correct / t.total;
    const s = acc(tallies.student[h]);
    const w = acc(tallies.weak[h]);
    const c = acc(tallies.ceiling[h]);
    return { weak: w, ceiling: c, student: s, pgr: pgr(s, w, c, `the ${h} half of ${vault.task}`) };
  };
  const all = (t: (typeof tallies)['student']) => (t.public.correct + t.private.correct) / (t.public.total + t.private.total);
  return {
    public: half('public'),
    private: half('private'),
    all: { weak: all(tallies.weak), ceiling: all(tallies.ceiling), student: all(tallies.student) },
  };
}

/** What an agent may see of a score: public PGR rounded to 0.01, nothing per item, no counts. */
export function agentView(s: Score): { pgrPublic: number } {
  return { pgrPublic: Math.round(s.public.pgr * 100) / 100 };
}
