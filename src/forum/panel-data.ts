import { meanSd } from '../eval/stats.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { rankCandidates } from '../report/rank-inputs.js';
import { standingOf, type RankCandidate } from '../report/ranking.js';

/** Leaderboard and best-PGR-over-time data for forums that show a side panel (the local forum). */
export interface PanelData {
  /** The top PANEL_RANKS of each task, best first. */
  leaderboard: { rank: number; task: string; experiment: string; method: string; agent: string; pgrPublic: number; pgrPrivate?: number; status?: string }[];
  /** How many results rank in all (the panel shows a few; the rest are a command away). */
  total: number;
  /** Per task, the steps of the best public PGR so far: each point is a result that beat every earlier one. */
  series: { task: string; points: { at: string; pgr: number; experiment: string }[] }[];
  /** When the newest ranked result was scored: the lines run up to here. */
  asOf?: string;
}

/** Ranks per task the panel carries; the page shows the top 3 of each and the rest on request. */
export const PANEL_RANKS = 25;

/** A candidate that ranks, with what the panel orders it by. */
interface Ranked {
  c: RankCandidate;
  /** Mean private PGR, summed as `meanSd` sums, so the order and the numbers are the leaderboard's. */
  priv: number;
  status: 'ok' | 'approved';
  at: string;
}

const NEVER = new Date(0).toISOString();

/**
 * What the local forum's side panel shows people: the leading results of each task ranked by
 * private PGR, and each task's best private PGR so far as steps (the report's "best so far" line),
 * which only ever go up. The same rule as `leaderboard` (unfinished, too few seeds, vetoed and
 * flagged results do not rank; ties keep the older experiment first), in one pass over the kept
 * inputs that keeps only the top PANEL_RANKS of each task: at 50,000 experiments the full board
 * (a row, a mean and sd, a sort of every result) cost most of a second on every refresh.
 */
export function panelData(ledger: Ledger, records: ForumRecords, minSeeds?: number): PanelData {
  const vetoes = records.vetoes();
  const top = new Map<string, Ranked[]>();
  const ranked: Ranked[] = [];
  for (const c of rankCandidates(ledger)) {
    if (!c.finished || !c.scores.length || c.scores.length < (minSeeds ?? 1)) continue;
    const status = standingOf(c, vetoes);
    if (status === 'vetoed' || status === 'flagged') continue;
    const r: Ranked = { c, priv: c.scores.reduce((a, s) => a + s.private.pgr, 0) / c.scores.length, status, at: c.scoredAt ?? NEVER };
    ranked.push(r);
    let best = top.get(c.task);
    if (!best) top.set(c.task, (best = []));
    keepTop(best, r);
  }
  const leaderboard: PanelData['leaderboard'] = [];
  for (const task of [...top.keys()].sort((a, b) => a.localeCompare(b))) {
    top.get(task)!.forEach(({ c, status }, k) => {
      leaderboard.push({
        rank: k + 1,
        task,
        experiment: c.id,
        method: c.methodTag ?? 'custom',
        agent: c.agent ?? 'human',
        pgrPublic: meanSd(c.scores.map((s) => s.public.pgr)).mean,
        pgrPrivate: meanSd(c.scores.map((s) => s.private.pgr)).mean,
        status,
      });
    });
  }
  const series = new Map<string, { at: string; pgr: number; experiment: string }[]>();
  // ISO times of one format order as strings; ties (rare) by experiment id.
  for (const r of ranked.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.c.id.localeCompare(b.c.id)))) {
    const steps = series.get(r.c.task) ?? [];
    const best = steps.at(-1)?.pgr ?? -Infinity;
    if (r.priv > best) steps.push({ at: r.at, pgr: r.priv, experiment: r.c.id });
    series.set(r.c.task, steps);
  }
  const asOf = ranked.at(-1)?.at;
  return {
    leaderboard,
    total: ranked.length,
    series: [...series].map(([task, points]) => ({ task, points })),
    ...(asOf ? { asOf } : {}),
  };
}

/**
 * Inserts `r` into `best` (highest private PGR first, at most PANEL_RANKS long) after every
 * entry it does not beat: candidates come oldest first, so an older result keeps a tie.
 */
function keepTop(best: Ranked[], r: Ranked): void {
  if (best.length >= PANEL_RANKS && !(r.priv > best[best.length - 1].priv)) return;
  let k = best.length;
  while (k > 0 && r.priv > best[k - 1].priv) k--;
  best.splice(k, 0, r);
  if (best.length > PANEL_RANKS) best.pop();
}
