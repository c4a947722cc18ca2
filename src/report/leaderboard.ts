import { activeFlags } from '../audit/active-flags.js';
import { ForumRecords, type VetoRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import { rankCandidates } from './rank-inputs.js';
import { rankExperiments, standingOf, type LeaderboardRow, type RankBy, type RankCandidate, type Standing } from './ranking.js';
import { vetoState } from './veto-state.js';

export { vetoState, type LeaderboardRow, type RankBy };

/**
 * Where an experiment stands with the people (see `standingOf`), read from the ledger: its
 * active flags are counted only when no veto already decides it.
 */
export function standing(ledger: Ledger, vetoes: readonly VetoRecord[], e: Pick<ExperimentRow, 'id' | 'methodTag'>): Standing {
  if (vetoState(vetoes, e.id, e.methodTag).vetoed) return 'vetoed';
  // Active flags only: a lineage flag lapses when its ancestor's veto is lifted, any flag when a person approves after it.
  return standingOf({ ...e, activeFlags: activeFlags(ledger, new ForumRecords(ledger), e.id).length }, vetoes);
}

/**
 * The board people see: experiments ranked per task by mean PRIVATE PGR unless `by` says
 * otherwise (see `rankExperiments`), with vetoed and unapproved flagged ones left out. Reads the
 * ledger, then ranks in one pure step.
 */
export function leaderboard(ledger: Ledger, records: ForumRecords, task?: string, o: { minSeeds?: number; by?: RankBy } = {}): LeaderboardRow[] {
  return rankExperiments(rankCandidates(ledger), records.vetoes(), { by: o.by ?? 'private', minSeeds: o.minSeeds, task });
}
