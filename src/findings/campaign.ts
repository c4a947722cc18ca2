import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { FindingsStore } from './store.js';
import { FINDING_TYPES, type Finding, type VoteRecord } from './types.js';
import { votesOn } from './votes.js';

/** Findings looked at per type when collecting a campaign's (a campaign has far fewer). */
const PER_TYPE = 20_000;

/** A finding with every vote ever cast on it (the ledger's facts: who, when, what, why). */
export interface FindingRecord extends Finding {
  history: Omit<VoteRecord, 'seq' | 'target'>[];
}

/**
 * A campaign's findings, oldest first: its experiments' hypotheses, and typed messages posted in
 * it (by its agents), citing its experiments, or (a person's) posted while it ran. With no
 * campaign (a ledger of loose experiments), every finding.
 */
export function campaignFindings(ledger: Ledger, records: ForumRecords, scope: { campaignId: string | null; experimentIds: string[]; span: { from: string; to: string } | null }): FindingRecord[] {
  const store = new FindingsStore(ledger, records);
  const ids = new Set(scope.experimentIds);
  const inScope = (f: Finding): boolean => {
    if (scope.campaignId === null) return true;
    if (f.key.startsWith('exp:')) return ids.has(f.key.slice(4));
    if (f.experiments.some((id) => ids.has(id))) return true;
    const data = records.message(f.key.slice(4))?.data;
    if (data?.campaignId !== undefined) return data.campaignId === scope.campaignId;
    return f.authorKind === 'human' && scope.span !== null && f.at >= scope.span.from && f.at <= scope.span.to;
  };
  const found = FINDING_TYPES.flatMap((t) => store.newest(t, { limit: PER_TYPE })).filter(inScope);
  found.sort((a, b) => (a.at === b.at ? (a.key < b.key ? -1 : 1) : a.at < b.at ? -1 : 1));
  return found.map((f) => ({ ...f, history: votesOn(ledger, f.key).map(({ seq: _s, target: _t, ...v }) => v) }));
}

