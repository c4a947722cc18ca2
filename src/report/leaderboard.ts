import { activeFlags } from '../audit/active-flags.js';
import { ForumRecords, type VetoRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import { meanSd, type MeanSd } from '../eval/stats.js';
import { vetoState } from './veto-state.js';

export { vetoState };

export interface LeaderboardRow {
  rank: number;
  task: string;
  experiment: string;
  method: string;
  agent: string;
  pgrPublic: MeanSd;
  pgrPrivate: MeanSd;
  seeds: number;
  status: 'ok' | 'approved';
}

/**
 * Where an experiment stands with the people: vetoed; flagged (by a detector, the auditor or
 * lineage) and not yet approved by a person, so held off the leaderboard; approved; or ok.
 * The one rule every leaderboard (people's and agents') should apply.
 */
export function standing(ledger: Ledger, vetoes: readonly VetoRecord[], e: Pick<ExperimentRow, 'id' | 'methodTag'>): 'vetoed' | 'flagged' | 'approved' | 'ok' {
  const state = vetoState(vetoes, e.id, e.methodTag);
  if (state.vetoed) return 'vetoed';
  // Active flags only: a lineage flag lapses when its ancestor's veto is lifted, any flag when a person approves after it.
  if (activeFlags(ledger, new ForumRecords(ledger), e.id).length) return 'flagged';
  return state.approved ? 'approved' : 'ok';
}

/**
 * Experiments ranked by mean public PGR per task (what agents can see); vetoed ones, and
 * flagged ones no person has approved, left out.
 * Only experiments whose seeds have all finished count, with at least `minSeeds` scored.
 */
export function leaderboard(ledger: Ledger, records: ForumRecords, task?: string, o: { minSeeds?: number } = {}): LeaderboardRow[] {
  const vetoes = records.vetoes();
  const ids = (ledger.db.prepare('SELECT id FROM experiments ORDER BY created_at').all() as { id: string }[]).map((r) => r.id);
  const rows: Omit<LeaderboardRow, 'rank'>[] = [];
  for (const id of ids) {
    const e = ledger.experiment(id)!;
    if (task && e.task !== task) continue;
    if (!ledger.isFinished(id)) continue;
    const results = ledger.results(id);
    // A probe on a seed or two can top the board by luck: it ranks only with enough seeds.
    if (!results.length || results.length < (o.minSeeds ?? 1)) continue;
    const state = standing(ledger, vetoes, e);
    if (state === 'vetoed' || state === 'flagged') continue;
    rows.push({
      task: e.task,
      experiment: id,
      method: e.methodTag ?? 'custom',
      agent: e.agent ?? 'human',
      pgrPublic: meanSd(results.map((r) => r.score.public.pgr)),
      pgrPrivate: meanSd(results.map((r) => r.score.private.pgr)),
      seeds: results.length,
      status: state,
    });
  }
  rows.sort((a, b) => a.task.localeCompare(b.task) || b.pgrPublic.mean - a.pgrPublic.mean);
  const rankIn = new Map<string, number>();
  return rows.map((r) => {
    const rank = (rankIn.get(r.task) ?? 0) + 1;
    rankIn.set(r.task, rank);
    return { ...r, rank };
  });
}
