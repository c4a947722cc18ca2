import type { Ledger } from './ledger.js';

/** Why an experiment is flagged: by whom (a detector, the auditor, lineage) and the reason, with numbers. */
export interface Flag {
  experiment: string;
  at: string;
  /** `detector:most-common-answer`, `lineage`, `auditor`, … */
  source: string;
  reason: string;
}

/**
 * Every flag on an experiment: `flag` events (experiment-level detectors, lineage from a veto)
 * and the per-seed flags scoring wrote into results. A flag is a fact: it is never removed;
 * a person's approval is what lets a flagged result back on the leaderboard.
 */
export function flagsOf(ledger: Ledger, experimentId: string): Flag[] {
  const events = ledger.events({ experimentId, kind: 'flag' }).map((e) => ({ experiment: experimentId, at: e.at, source: String(e.data.source ?? 'unknown'), reason: String(e.data.reason ?? '') }));
  const perSeed = ledger.results(experimentId).flatMap((r) => r.flags.map((f) => ({ experiment: experimentId, at: r.scoredAt, source: `seed ${r.seed}`, reason: f })));
  return [...events, ...perSeed];
}

/** Records a flag (once per experiment, source and reason). */
export function addFlag(ledger: Ledger, experimentId: string, source: string, reason: string, campaignId?: string): boolean {
  if (flagsOf(ledger, experimentId).some((f) => f.source === source && f.reason === reason)) return false;
  ledger.append('flag', { experimentId, campaignId, data: { source, reason } });
  return true;
}
