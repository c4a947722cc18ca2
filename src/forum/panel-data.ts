import { activeFlagsReader } from '../audit/active-flags.js';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import { LINEAGE_SOURCE } from '../audit/lineage-flags.js';
import { meanSd } from '../eval/stats.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { standingOf, type Standing } from '../report/ranking.js';

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

/** Finished, with a scored seed: the rows `rank_board`'s partial indexes hold (migration 75). */
const FINISHED = 'scored > 0 AND seeds > 0 AND final_seeds >= seeds';

/** How far apart two sums of the same numbers, added in another order, can be: rows this close to the cut are re-read exactly. */
const NEAR = 1e-9;

/** A row the panel shows, with its exact means (summed as `meanSd` sums, in seed order as the leaderboard reads them). */
interface Shown {
  id: string;
  order: number;
  method: string;
  agent: string;
  pgrPublic: number;
  pgrPrivate: number;
  status: Standing;
}

/**
 * What the local forum's side panel shows people: the leading results of each task ranked by
 * private PGR, and each task's best private PGR so far as steps (the report's "best so far" line),
 * which only ever go up. The same rule as `leaderboard` (unfinished, too few seeds, vetoed and
 * flagged results do not rank; ties keep the older experiment first), read from `rank_board`,
 * which the ledger keeps as results and job states are written: the top rows of each task come
 * from an index and are re-read exactly, the steps and the count from SQLite without a row per
 * experiment reaching JavaScript. At 50,000 experiments this read every experiment's results,
 * job states and flags at the forum's start (seconds) and built every row at each refresh.
 */
export function panelData(ledger: Ledger, records: ForumRecords, minSeeds?: number): PanelData {
  const db = ledger.db;
  const min = Math.max(1, minSeeds ?? 1);
  const off = offBoard(ledger, records, min);

  const leaderboard: PanelData['leaderboard'] = [];
  const tasks = (db.prepare(`SELECT DISTINCT task FROM rank_board WHERE ${FINISHED}`).all() as { task: string }[]).map((r) => r.task);
  for (const task of tasks.sort((a, b) => a.localeCompare(b))) {
    topOf(ledger, task, min, off).forEach((r, k) => {
      leaderboard.push({ rank: k + 1, task, experiment: r.id, method: r.method, agent: r.agent, pgrPublic: r.pgrPublic, pgrPrivate: r.pgrPrivate, status: r.status });
    });
  }

  const excluded = JSON.stringify([...off.excluded]);
  const { n } = db.prepare(`SELECT COUNT(*) AS n FROM rank_board WHERE ${FINISHED} AND scored >= ?`).get(min) as { n: number };
  const asOf = tasks.map((task) => newestOf(ledger, task, min, off)).reduce<string | undefined>((m, at) => (at !== undefined && (m === undefined || at > m) ? at : m), undefined);
  return {
    leaderboard,
    total: n - off.excludedFinished,
    series: seriesOf(ledger, min, excluded),
    ...(asOf ? { asOf } : {}),
  };
}

/** Experiments whose standing is not plainly ok, and which of them are held off the board. */
interface OffBoard {
  /** Vetoed or flagged (of any kind). */
  excluded: Set<string>;
  /** How many of those are finished with enough scored seeds (would otherwise be counted). */
  excludedFinished: number;
  /** Standing of every experiment a veto, approval or flag names; any other is ok. */
  standing: Map<string, Standing>;
}

/**
 * Standing is decided by vetoes (by id or method tag), approvals and flags, all rare: only the
 * experiments they name are judged, with the same rule as every other board (`standingOf`).
 */
function offBoard(ledger: Ledger, records: ForumRecords, min: number): OffBoard {
  const vetoes = records.vetoes();
  const vetoEvents = ledger.events({ kind: 'veto' });
  const judge = activeFlagsReader(ledger, records);
  const db = ledger.db;
  const flagged = new Set<string>();
  // A flag can lapse only through an approval after it, or (a lineage flag) when its ancestor's
  // veto is lifted: only experiments with one of those need the full rule (`activeFlags`).
  const needsRule = new Set<string>(vetoEvents.filter((e) => e.data.action === 'approve').map((e) => String(e.data.target)));
  for (const r of db.prepare(`SELECT experiment_id AS id, data FROM events WHERE kind = 'flag' AND ${SPARSE_KINDS} AND experiment_id IS NOT NULL`).all() as { id: string; data: string }[]) {
    flagged.add(r.id);
    if ((JSON.parse(r.data) as { source?: unknown }).source === LINEAGE_SOURCE) needsRule.add(r.id);
  }
  for (const r of db.prepare('SELECT experiment_id AS id FROM rank_board WHERE flagged_seeds > 0').all() as { id: string }[]) flagged.add(r.id);
  const active = (id: string) => (!flagged.has(id) ? 0 : needsRule.has(id) ? judge(id).length : 1);
  const named = new Set<string>(flagged);
  for (const target of new Set(vetoes.map((v) => v.target))) {
    for (const r of db.prepare('SELECT id FROM experiments WHERE id = ? OR method_tag = ?').all(target, target) as { id: string }[]) named.add(r.id);
  }
  const out: OffBoard = { excluded: new Set(), excludedFinished: 0, standing: new Map() };
  // One statement for all of them: a read per experiment cost more than the judging.
  const rows = db
    .prepare('SELECT e.id AS id, e.method_tag AS tag, b.scored AS scored, (b.scored > 0 AND b.seeds > 0 AND b.final_seeds >= b.seeds) AS finished FROM json_each(?) j CROSS JOIN experiments e ON e.id = j.value LEFT JOIN rank_board b ON b.experiment_id = e.id')
    .all(JSON.stringify([...named])) as { id: string; tag: string | null; scored: number | null; finished: number | null }[];
  for (const e of rows) {
    const id = e.id;
    const standing = standingOf({ id, methodTag: e.tag, activeFlags: active(id) }, vetoes);
    out.standing.set(id, standing);
    if (standing !== 'vetoed' && standing !== 'flagged') continue;
    out.excluded.add(id);
    if (e.finished && (e.scored ?? 0) >= min) out.excludedFinished += 1;
  }
  return out;
}

/**
 * The top PANEL_RANKS of a task: walked down the index by private PGR (sums added in the
 * order results arrived), past rows near the cut, then ranked on exact means; ties keep the
 * older experiment first, as `rankExperiments` does.
 */
function topOf(ledger: Ledger, task: string, min: number, off: OffBoard): Shown[] {
  const db = ledger.db;
  const near: string[] = [];
  let cut: number | undefined;
  const walk = db.prepare(`SELECT experiment_id AS id, sum_private / scored AS m, scored FROM rank_board WHERE task = ? AND ${FINISHED} ORDER BY sum_private / scored DESC`);
  for (const r of walk.iterate(task) as Iterable<{ id: string; m: number; scored: number }>) {
    if (cut !== undefined && r.m < cut - NEAR * Math.max(1, Math.abs(cut))) break;
    if (r.scored < min || off.excluded.has(r.id)) continue;
    near.push(r.id);
    if (near.length === PANEL_RANKS) cut = r.m;
  }
  const shown = near.map((id): Shown => {
    const e = db.prepare('SELECT rowid AS k, method_tag AS tag, agent FROM experiments WHERE id = ?').get(id) as { k: number; tag: string | null; agent: string | null };
    const seeds = db.prepare('SELECT pgr_public AS pub, pgr_private AS priv FROM results WHERE experiment_id = ? ORDER BY seed').all(id) as { pub: number; priv: number }[];
    return {
      id,
      order: e.k,
      method: e.tag ?? 'custom',
      agent: e.agent ?? 'human',
      pgrPublic: meanSd(seeds.map((s) => s.pub)).mean,
      pgrPrivate: meanSd(seeds.map((s) => s.priv)).mean,
      status: off.standing.get(id) ?? 'ok',
    };
  });
  return shown.sort((a, b) => b.pgrPrivate - a.pgrPrivate || a.order - b.order).slice(0, PANEL_RANKS);
}

/** When the task's newest ranked result was scored: the time index walked from its end past results held off. */
function newestOf(ledger: Ledger, task: string, min: number, off: OffBoard): string | undefined {
  const walk = ledger.db.prepare(`SELECT experiment_id AS id, scored_at AS at, scored FROM rank_board WHERE task = ? AND ${FINISHED} ORDER BY scored_at DESC`);
  for (const r of walk.iterate(task) as Iterable<{ id: string; at: string; scored: number }>) {
    if (r.scored >= min && !off.excluded.has(r.id)) return r.at;
  }
  return undefined;
}

/**
 * Each task's steps of best private PGR over time. SQLite keeps only the results that beat every
 * result scored strictly earlier (a window over the time index); results scored in the same
 * millisecond are then ordered by experiment id and the steps re-decided on exact means here.
 */
function seriesOf(ledger: Ledger, min: number, excluded: string): PanelData['series'] {
  const db = ledger.db;
  const rows = db
    .prepare(
      `SELECT id, task, at FROM (
         SELECT experiment_id AS id, task, scored_at AS at, sum_private / scored AS m,
           MAX(sum_private / scored) OVER (PARTITION BY task ORDER BY scored_at GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
         FROM rank_board WHERE ${FINISHED} AND scored >= ? AND experiment_id NOT IN (SELECT value FROM json_each(?))
       ) WHERE before IS NULL OR m > before - ${NEAR} * MAX(1, ABS(before))`,
    )
    .all(min, excluded) as { id: string; task: string; at: string }[];
  const exact = rows.map((r) => ({ ...r, pgr: meanSd((db.prepare('SELECT pgr_private AS priv FROM results WHERE experiment_id = ? ORDER BY seed').all(r.id) as { priv: number }[]).map((s) => s.priv)).mean }));
  const series = new Map<string, { at: string; pgr: number; experiment: string }[]>();
  // ISO times of one format order as strings; ties (rare) by experiment id.
  for (const r of exact.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id.localeCompare(b.id)))) {
    const steps = series.get(r.task) ?? [];
    const best = steps.at(-1)?.pgr ?? -Infinity;
    if (r.pgr > best) steps.push({ at: r.at, pgr: r.pgr, experiment: r.id });
    series.set(r.task, steps);
  }
  return [...series].map(([task, points]) => ({ task, points }));
}
