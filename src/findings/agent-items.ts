import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { FindingsStore } from './store.js';
import type { FindingType, VoteTally } from './types.js';

/** A forum item's finding as agents read it: votes from agents and allowlisted people only. */
export interface ItemFinding {
  type: FindingType;
  experiments: string[];
  votes: Pick<VoteTally, 'up' | 'down' | 'score' | 'reasons'>;
}

/** Adds each item's finding (type, citations, votes with reasons) to a page of forum items: one indexed read per item. */
export function attachFindings<T extends { key: string; finding?: ItemFinding }>(ledger: Ledger, records: ForumRecords, items: T[]): T[] {
  const store = new FindingsStore(ledger, records);
  for (const item of items) {
    const f = store.get(item.key, 'agents');
    if (!f) continue;
    item.finding = { type: f.type, experiments: f.experiments, votes: { up: f.votes.up, down: f.votes.down, score: f.votes.score, reasons: f.votes.reasons.slice(0, 5) } };
  }
  return items;
}
