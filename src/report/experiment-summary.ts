import { flagsOf } from '../ledger/flags.js';
import { meanSd, type MeanSd } from '../eval/stats.js';
import type { Ledger } from '../ledger/ledger.js';

/** One experiment as a report shows it: what was tried, by whom, and what it scored over its seeds. */
export interface ExperimentSummary {
  id: string;
  campaignId: string | null;
  task: string;
  /** null: proposed by a person or a script rather than an agent. */
  agent: string | null;
  methodTag: string | null;
  method: Record<string, unknown>;
  hypothesis: string | null;
  createdAt: string;
  parents: string[];
  /** Seeds with a recorded score. */
  seeds: number;
  seedsPlanned: number;
  /** null until a seed is scored. */
  pgrPublic: MeanSd | null;
  pgrPrivate: MeanSd | null;
  /** When the latest seed was scored: when the result became known. */
  lastScoredAt: string | null;
  /** Every shortcut-detector flag raised on any seed. */
  flags: string[];
}

/** An experiment with its scores summed up over seeds; undefined when the ledger has no such id. */
export function summarizeExperiment(ledger: Ledger, id: string): ExperimentSummary | undefined {
  const e = ledger.experiment(id);
  if (!e) return undefined;
  const results = ledger.results(id);
  const hypothesis = ledger.db.prepare('SELECT h.text FROM experiments x JOIN hypotheses h ON h.id = x.hypothesis_id WHERE x.id = ?').get(id) as { text: string } | undefined;
  const scoredAt = results.map((r) => r.scoredAt).sort();
  return {
    id: e.id,
    campaignId: e.campaignId,
    task: e.task,
    agent: e.agent,
    methodTag: e.methodTag,
    method: e.method,
    hypothesis: hypothesis?.text ?? null,
    createdAt: e.createdAt,
    parents: e.parents,
    seeds: results.length,
    seedsPlanned: e.seeds.length,
    pgrPublic: results.length ? meanSd(results.map((r) => r.score.public.pgr)) : null,
    pgrPrivate: results.length ? meanSd(results.map((r) => r.score.private.pgr)) : null,
    lastScoredAt: scoredAt.length ? scoredAt[scoredAt.length - 1] : null,
    // Per-seed flags and flag facts (experiment-level detectors, lineage), each once.
    flags: [...new Set(flagsOf(ledger, id).map((f) => (f.source.startsWith('seed ') ? f.reason : `${f.source}: ${f.reason}`)))].sort(),
  };
}
