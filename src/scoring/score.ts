import { InvalidPredictionsError } from '../domain/errors.js';
import type { Predictions } from '../domain/predictions.js';
import type { HalfTally, LabelVault } from './label-vault.js';
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
  student: Predictions;
  weak: Predictions;
  ceiling: Predictions;
}

type Tally = { public: HalfTally; private: HalfTally };

/**
 * Checks that predictions cover each evaluation id exactly once with a valid class, and
 * nothing else, and counts the correct ones. The error names the problem, never a label.
 */
export function tallyPredictions(vault: LabelVault, p: Predictions, who: string): Tally {
  if (!p || !Array.isArray(p.ids) || !Array.isArray(p.classes) || p.ids.length !== p.classes.length) {
    throw new InvalidPredictionsError(`${who}: expected {ids, classes} of equal length`);
  }
  for (let k = 0; k < p.classes.length; k++) {
    const c = p.classes[k];
    if (!Number.isInteger(c) || c < 0 || c >= vault.classes) {
      throw new InvalidPredictionsError(`${who}: "${p.ids[k]}": class must be an integer in 0..${vault.classes - 1}, got ${typeof c === 'number' ? String(c) : JSON.stringify(c)}`);
    }
  }
  const positions = vault.positions(p.ids);
  if (typeof positions === 'string') throw new InvalidPredictionsError(`${who}: ${positions}`);
  return vault.tally(positions, p.classes);
}

/** Scores a run's predictions against the vault. Throws on invalid predictions or undefined PGR. */
export function score(vault: LabelVault, run: ScoredPredictions): Score {
  const tallies = {
    student: tallyPredictions(vault, run.student, 'student'),
    weak: tallyPredictions(vault, run.weak, 'weak'),
    ceiling: tallyPredictions(vault, run.ceiling, 'ceiling'),
  };
  const acc = (t: HalfTally) => t.correct / t.total;
  const half = (h: 'public' | 'private'): HalfScore => {
    const s = acc(tallies.student[h]);
    const w = acc(tallies.weak[h]);
    const c = acc(tallies.ceiling[h]);
    return { weak: w, ceiling: c, student: s, pgr: pgr(s, w, c, `the ${h} half of ${vault.task}`) };
  };
  const all = (t: Tally) => (t.public.correct + t.private.correct) / (t.public.total + t.private.total);
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

/**
 * The classes predicted for the public items, one byte each in the vault's public order: a
 * compact fingerprint of what a submission says about the half agents are scored on. Call it
 * on predictions score() accepted.
 */
export function publicClasses(vault: LabelVault, p: Predictions): Uint8Array {
  const positions = vault.positions(p.ids);
  if (typeof positions === 'string') throw new InvalidPredictionsError(positions);
  const out = new Uint8Array(vault.publicSize);
  for (let k = 0; k < positions.length; k++) if (positions[k] < vault.publicSize) out[positions[k]] = p.classes[k];
  return out;
}
