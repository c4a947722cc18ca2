import type { Ledger, LedgerEvent } from '../ledger/ledger.js';

/** A verdict on an experiment: the auditor's, or a person's that overturns one. */
export interface VerdictFact {
  seq: number;
  at: string;
  experiment: string;
  campaignId: string | null;
  verdict: 'ok' | 'suspicious';
  recommendVeto: boolean;
  /** The auditor recorded the veto itself (auto-veto). */
  vetoed: boolean;
  /** True for a person's `overturn`; false for the auditor's own verdicts. */
  human: boolean;
  who: string;
  reasons: string[];
  /** For a person's overturn: the seq of the auditor's verdict it overturns. */
  overturns?: number;
}

/** The source a person's overturn carries in its `verdict` event. */
export const HUMAN_SOURCE = 'human';

/** Reads one `verdict` event; undefined for one that names no experiment. */
export function toVerdict(e: LedgerEvent): VerdictFact | undefined {
  const d = e.data;
  const experiment = typeof d.experiment === 'string' ? d.experiment : e.experimentId;
  if (!experiment) return undefined;
  const human = d.source === HUMAN_SOURCE;
  return {
    seq: e.seq,
    at: e.at,
    experiment,
    campaignId: e.campaignId,
    // Anything but an explicit 'ok' is treated as a concern: an unknown verdict should not pass quietly.
    verdict: d.verdict === 'ok' ? 'ok' : 'suspicious',
    recommendVeto: d.recommendVeto === true,
    vetoed: d.vetoed === true,
    human,
    who: human ? String(d.who ?? 'unknown') : (e.agent ?? 'auditor'),
    reasons: Array.isArray(d.reasons) ? d.reasons.map(String) : typeof d.reason === 'string' ? [d.reason] : [],
    ...(typeof d.overturns === 'number' ? { overturns: d.overturns } : {}),
  };
}

/** Every verdict in ledger order, optionally on one experiment. */
export function verdictFacts(ledger: Ledger, experimentId?: string): VerdictFact[] {
  const events = ledger.events({ kind: 'verdict' });
  return events.map(toVerdict).filter((v): v is VerdictFact => v !== undefined && (experimentId === undefined || v.experiment === experimentId));
}

/** Whether a verdict is a concern a person should act on: suspicious, or with a veto recommended. */
export function isConcern(v: Pick<VerdictFact, 'verdict' | 'recommendVeto'>): boolean {
  return v.verdict === 'suspicious' || v.recommendVeto;
}
