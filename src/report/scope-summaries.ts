import { meanSd } from '../eval/stats.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ExperimentSummary } from './experiment-summary.js';

/** Every experiment of a report's scope summed up, with the seeds whose result carries a flag. */
export interface ScopeSummaries {
  /** By id; each the same as `summarizeExperiment` gives for it. */
  byId: Map<string, ExperimentSummary>;
  /** Seeds whose result raised a flag, in seed order; only experiments with one. */
  flaggedSeeds: Map<string, number[]>;
}

interface SeedRow {
  id: string;
  seed: number;
  scored_at: string;
  pub: number;
  priv: number;
  flags: string;
}

/** One experiment's scored seeds, summed up as its rows stream past (250,000 rows at 50k are not kept). */
interface Scored {
  seeds: number;
  pgrPublic: ExperimentSummary['pgrPublic'];
  pgrPrivate: ExperimentSummary['pgrPrivate'];
  lastScoredAt: string;
  /** Per-seed flags, in seed order. */
  flags: { source: string; reason: string }[];
  /** Seeds whose result raised a flag. */
  flaggedSeeds: number[];
}

/**
 * `summarizeExperiment` for every experiment of a campaign (or, campaignId null, of the ledger)
 * in four grouped reads instead of five queries per experiment: at 50,000 experiments the
 * per-experiment reads were seconds of the report. The rules are the same ones: scores come in
 * seed order (the same sums, so the same means), flags are the per-seed flags and the `flag`
 * events, each once, sorted.
 */
export function summarizeScope(ledger: Ledger, campaignId: string | null): ScopeSummaries {
  const db = ledger.db;
  // Both forms use an index: experiments_by_campaign, or a scan of every experiment when the report covers them all.
  const inScope = campaignId === null ? '' : 'WHERE x.campaign_id = ?';
  const args = campaignId === null ? [] : [campaignId];

  const parents = new Map<string, string[]>();
  for (const r of db.prepare(`SELECT p.experiment_id AS id, p.parent_id AS parent FROM experiment_parents p JOIN experiments x ON x.id = p.experiment_id ${inScope} ORDER BY p.experiment_id, p.parent_id`).iterate(...args) as Iterable<{ id: string; parent: string }>) {
    push(parents, r.id, r.parent);
  }

  const scored = new Map<string, Scored>();
  let group: SeedRow[] = [];
  const close = () => {
    if (group.length) scored.set(group[0].id, sumUp(group));
    group = [];
  };
  // Each experiment's results together, in the order the scope's index gives the experiments (no
  // sort of 250,000 rows at 50k); `sumUp` puts each group in seed order, the order the sums are taken in.
  for (const r of db
    .prepare(`SELECT r.experiment_id AS id, r.seed, r.scored_at, r.pgr_public AS pub, r.pgr_private AS priv, r.flags FROM experiments x JOIN results r ON r.experiment_id = x.id ${inScope} ORDER BY x.rowid`)
    .iterate(...args) as Iterable<SeedRow>) {
    if (group.length && group[0].id !== r.id) close();
    group.push(r);
  }
  close();

  // `flag` events of the scope's experiments (experiment-level detectors, the auditor, lineage): few, found by kind.
  const flagEvents = new Map<string, { source: string; reason: string }[]>();
  for (const r of db.prepare(`SELECT e.experiment_id AS id, e.data FROM events e JOIN experiments x ON x.id = e.experiment_id WHERE e.kind = 'flag' ${campaignId === null ? '' : 'AND x.campaign_id = ?'} ORDER BY e.seq`).iterate(...args) as Iterable<{
    id: string;
    data: string;
  }>) {
    const d = JSON.parse(r.data) as Record<string, unknown>;
    push(flagEvents, r.id, { source: String(d.source ?? 'unknown'), reason: String(d.reason ?? '') });
  }

  const byId = new Map<string, ExperimentSummary>();
  const flaggedSeeds = new Map<string, number[]>();
  const rows = db
    .prepare(`SELECT x.id, x.campaign_id, x.agent, x.task, x.method, x.method_tag, x.seeds, x.created_at, h.text AS hypothesis FROM experiments x LEFT JOIN hypotheses h ON h.id = x.hypothesis_id ${inScope}`)
    .iterate(...args) as Iterable<Record<string, string | null>>;
  for (const x of rows) {
    const id = x.id!;
    const results = scored.get(id);
    if (results?.flaggedSeeds.length) flaggedSeeds.set(id, results.flaggedSeeds);
    const flags = [...(flagEvents.get(id) ?? []), ...(results?.flags ?? [])];
    byId.set(id, {
      id,
      campaignId: x.campaign_id,
      task: x.task!,
      agent: x.agent,
      methodTag: x.method_tag,
      method: JSON.parse(x.method!) as Record<string, unknown>,
      hypothesis: x.hypothesis ?? null,
      createdAt: x.created_at!,
      parents: parents.get(id) ?? [],
      seeds: results?.seeds ?? 0,
      seedsPlanned: (JSON.parse(x.seeds!) as number[]).length,
      pgrPublic: results?.pgrPublic ?? null,
      pgrPrivate: results?.pgrPrivate ?? null,
      lastScoredAt: results?.lastScoredAt ?? null,
      flags: [...new Set(flags.map((f) => (f.source.startsWith('seed ') ? f.reason : `${f.source}: ${f.reason}`)))].sort(),
    });
  }
  return { byId, flaggedSeeds };
}

function sumUp(group: SeedRow[]): Scored {
  // Stable: results of one seed (which the pipeline never records twice) keep the order they were recorded in.
  const rows = group.sort((a, b) => a.seed - b.seed);
  const flags: Scored['flags'] = [];
  const flaggedSeeds: number[] = [];
  let lastScoredAt = rows[0].scored_at;
  for (const r of rows) {
    // The latest as a sort of the strings would say.
    if (r.scored_at > lastScoredAt) lastScoredAt = r.scored_at;
    // Almost every result has none: skip the parse.
    const raised = r.flags === '[]' ? [] : (JSON.parse(r.flags) as string[]);
    if (!raised.length) continue;
    flaggedSeeds.push(r.seed);
    for (const f of raised) flags.push({ source: `seed ${r.seed}`, reason: f });
  }
  return { seeds: rows.length, pgrPublic: meanSd(rows.map((r) => r.pub)), pgrPrivate: meanSd(rows.map((r) => r.priv)), lastScoredAt, flags, flaggedSeeds };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
