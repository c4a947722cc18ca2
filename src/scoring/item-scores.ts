import { InvalidPredictionsError } from '../domain/errors.js';
import type { Predictions } from '../domain/predictions.js';
import type { SeedItems } from '../eval/paired-se.js';
import type { LabelVault } from './label-vault.js';
import { tallyPredictions, type ScoredPredictions } from './score.js';

/**
 * One seed's private-half correctness, item by item, for the combined SE. Validates the
 * predictions as score() does. Trusted callers only (see LabelVault.privateCorrect).
 */
export function privateSeedItems(vault: LabelVault, run: ScoredPredictions, seed: number): SeedItems {
  const correct = (p: Predictions, who: string) => {
    tallyPredictions(vault, p, who);
    const positions = vault.positions(p.ids);
    if (typeof positions === 'string') throw new InvalidPredictionsError(`${who}: ${positions}`);
    return vault.privateCorrect(positions, p.classes);
  };
  return { seed, student: correct(run.student, 'student'), weak: correct(run.weak, 'weak'), ceiling: correct(run.ceiling, 'ceiling') };
}
