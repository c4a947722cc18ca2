import type { Predictions } from '../../domain/predictions.js';
import type { LabelVault } from '../label-vault.js';
import { pct, type Finding } from './finding.js';
import { testAccuracy } from './seed-noise.js';

/** How far a method's own labels may beat the ceiling before only forbidden information explains it. */
export const CODE_LABEL_MARGIN = 0.02;

/**
 * Labels produced by method code (stats.codeLabelAccuracy, measured by the worker) that are
 * more accurate than the strong model trained on gold labels: impossible without information
 * the method must not have, such as executing the code task's programs to read their output.
 */
export function codeLabelsBeatCeiling(stats: Record<string, unknown>, score: unknown): Finding | undefined {
  const code = stats.codeLabelAccuracy;
  const ceiling = testAccuracy(score, 'ceiling');
  if (typeof code !== 'number' || !Number.isFinite(code) || !Number.isFinite(ceiling)) return undefined;
  if (!(code > ceiling + CODE_LABEL_MARGIN)) return undefined;
  return {
    detector: 'forbidden-information',
    reason: `the method's own labels are ${pct(code)} accurate, above the ceiling's ${pct(ceiling)} on the test items by more than ${CODE_LABEL_MARGIN}: labels better than the strong model trained on gold need information the method must not have (e.g. running the code task's programs)`,
  };
}

/** Ids quoted in a reason: enough to find them in the worker's output, not a list of thousands. */
const QUOTED_IDS = 3;

/**
 * Predictions for items that are not evaluation items: the worker predicted on data it was
 * not asked about (training items, or ids it should not know). Scoring refuses such a result;
 * this names the problem clearly, with counts, so the failed job explains itself.
 */
export function foreignItems(vault: LabelVault, run: { student: Predictions; weak?: Predictions; ceiling?: Predictions }): Finding | undefined {
  const parts: string[] = [];
  for (const who of ['student', 'weak', 'ceiling'] as const) {
    const ids = Array.isArray(run[who]?.ids) ? run[who].ids : [];
    const foreign = ids.filter((id) => !vault.has(id));
    if (!foreign.length) continue;
    // Scoring's own words for the first one ("x" is not an evaluation item), so the reason reads the same either way.
    const more = foreign.slice(1, QUOTED_IDS).map((id) => JSON.stringify(id));
    parts.push(`${who} has ${foreign.length}: ${JSON.stringify(foreign[0])} is not an evaluation item${more.length ? ` (nor ${more.join(', ')}${foreign.length > QUOTED_IDS ? ', …' : ''})` : ''}`);
  }
  if (!parts.length) return undefined;
  return {
    detector: 'forbidden-information',
    reason: `predictions for items that are not ${vault.task}'s evaluation items: ${parts.join('; ')}; a worker should predict exactly the evaluation items it was given`,
  };
}
