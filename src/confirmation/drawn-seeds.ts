import { randomInt } from 'node:crypto';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import type { Ledger } from '../ledger/ledger.js';

/** What a set of desk-drawn seeds is for. */
export type SeedPurpose = 'confirmation' | 'transfer';

/**
 * Far above any seed an agent may ask for (1..maxSeeds), any tuning (1-3) or study (1-20) in the
 * repository: a drawn seed has never been looked at by anyone.
 */
export const DRAWN_SEED_MIN = 1_000_000;
// A job's seed is at most 999,999,999 (JobSpecSchema).
const DRAWN_SEED_MAX = 999_999_999;

/**
 * The campaign's seeds for `purpose`: drawn at random the first time they are needed and recorded
 * in the ledger (so a resumed campaign, and anyone auditing it, uses the same ones), never taken
 * from an agent and never shown to one (no agent-facing view reads `seeds` events).
 */
export function drawnSeeds(ledger: Ledger, campaignId: string | undefined, purpose: SeedPurpose, count: number, draw: () => number = () => randomInt(DRAWN_SEED_MIN, DRAWN_SEED_MAX)): number[] {
  const campaign = campaignId ?? '';
  return ledger.write(() => {
    const row = ledger.db
      .prepare(`SELECT data FROM events WHERE kind = 'seeds' AND ${SPARSE_KINDS} AND COALESCE(campaign_id, '') = ? AND json_extract(data, '$.purpose') = ? ORDER BY seq LIMIT 1`)
      .get(campaign, purpose) as { data: string } | undefined;
    if (row) return (JSON.parse(row.data) as { seeds: number[] }).seeds;
    const seeds = new Set<number>();
    while (seeds.size < count) seeds.add(draw());
    ledger.append('seeds', { campaignId, data: { purpose, seeds: [...seeds] } });
    return [...seeds];
  });
}
