import { meanSd, type MeanSd } from '../eval/stats.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import { vetoState } from './veto-state.js';

/**
 * Which half of the test set orders a board. People's boards (leaderboard, campaign summary,
 * report, digest, forum panel) rank by the private half, which no agent ever sees, so a method
 * fitted to the public half cannot climb them; agents' own boards rank by public.
 */
export type RankBy = 'public' | 'private';

/** The words a board uses to say how it is ordered. */
export function rankedByText(by: RankBy): string {
  return by === 'private' ? 'ranked by private PGR (the held-out half no agent sees)' : 'ranked by public PGR (the half agents see)';
}

/** Everything the ranking needs about one experiment; no ledger, no I/O. */
export interface RankCandidate {
  id: string;
  task: string;
  methodTag: string | null;
  agent: string | null;
  /** Every seed final (scored or failed). */
  finished: boolean;
  /** One entry per scored seed. */
  scores: readonly { public: { pgr: number }; private: { pgr: number } }[];
  /** Flags that still count (detectors, auditor, lineage, not lifted by an approval or an unveto). */
  activeFlags: number;
  /** When its last seed (in seed order) was scored; absent before any seed was (the forum panel's time line). */
  scoredAt?: string;
}

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

/** Where an experiment stands with the people. */
export type Standing = 'vetoed' | 'flagged' | 'approved' | 'ok';

/**
 * Vetoed (by id or method tag); flagged and not approved by a person after the flag, so held
 * off every board; approved; or ok. The one rule every board (people's and agents') applies.
 */
export function standingOf(c: Pick<RankCandidate, 'id' | 'methodTag' | 'activeFlags'>, vetoes: readonly VetoRecord[]): Standing {
  const state = vetoState(vetoes, c.id, c.methodTag);
  if (state.vetoed) return 'vetoed';
  if (c.activeFlags > 0) return 'flagged';
  return state.approved ? 'approved' : 'ok';
}

/**
 * Ranking and flags as one pure step: experiments, their scores, their active flags and the
 * vetoes in, the board out. Vetoed and flagged experiments are left out; only finished ones
 * with at least `minSeeds` scored seeds rank (a probe on a seed or two can top a board by luck).
 * Ties keep the candidates' order (oldest first).
 */
export function rankExperiments(candidates: readonly RankCandidate[], vetoes: readonly VetoRecord[], o: { by: RankBy; minSeeds?: number; task?: string }): LeaderboardRow[] {
  const rows: Omit<LeaderboardRow, 'rank'>[] = [];
  for (const c of candidates) {
    if (o.task && c.task !== o.task) continue;
    if (!c.finished || !c.scores.length || c.scores.length < (o.minSeeds ?? 1)) continue;
    const state = standingOf(c, vetoes);
    if (state === 'vetoed' || state === 'flagged') continue;
    rows.push({
      task: c.task,
      experiment: c.id,
      method: c.methodTag ?? 'custom',
      agent: c.agent ?? 'human',
      pgrPublic: meanSd(c.scores.map((s) => s.public.pgr)),
      pgrPrivate: meanSd(c.scores.map((s) => s.private.pgr)),
      seeds: c.scores.length,
      status: state,
    });
  }
  const key = o.by === 'private' ? 'pgrPrivate' : 'pgrPublic';
  rows.sort((a, b) => a.task.localeCompare(b.task) || b[key].mean - a[key].mean);
  const rankIn = new Map<string, number>();
  return rows.map((r) => {
    const rank = (rankIn.get(r.task) ?? 0) + 1;
    rankIn.set(r.task, rank);
    return { ...r, rank };
  });
}
