import { AarError } from '../domain/errors.js';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import type { Ledger } from '../ledger/ledger.js';

/** Which experiments a report covers: one campaign's, or (campaignId null) every one in the ledger. */
export interface CampaignScope {
  campaignId: string | null;
  /** In the order they were proposed. */
  experimentIds: string[];
}

/** Every campaign id the ledger mentions: on experiments, on campaign sessions, in the campaigns table. */
export function knownCampaigns(ledger: Ledger): string[] {
  const rows = ledger.db
    .prepare(
      `SELECT campaign_id AS id FROM experiments WHERE campaign_id IS NOT NULL
       UNION SELECT campaign_id FROM events WHERE kind = 'campaign' AND ${SPARSE_KINDS} AND campaign_id IS NOT NULL
       UNION SELECT id FROM campaigns`,
    )
    .all() as { id: string }[];
  return rows.map((r) => r.id).sort();
}

/** The campaign of the most recently proposed experiment that has one. */
export function latestCampaign(ledger: Ledger): string | undefined {
  const row = ledger.db.prepare('SELECT campaign_id FROM experiments WHERE campaign_id IS NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { campaign_id: string } | undefined;
  return row?.campaign_id;
}

/** An id the ledger has never seen; the message lists the ones it has. */
export class UnknownCampaignError extends AarError {
  readonly campaignId: string;
  readonly known: string[];

  constructor(campaignId: string, known: string[]) {
    super('unknown_campaign', `no campaign "${campaignId}" in the ledger; known: ${known.length ? known.join(', ') : 'none (no experiment carries a campaign id)'}`);
    this.campaignId = campaignId;
    this.known = known;
  }
}

/**
 * The experiments of a campaign. Without an id: the latest campaign that has experiments, or
 * every experiment when none carries a campaign id (runs of `aar submit` outside a campaign).
 */
export function campaignScope(ledger: Ledger, campaignId?: string): CampaignScope {
  if (campaignId !== undefined) {
    const known = knownCampaigns(ledger);
    if (!known.includes(campaignId)) throw new UnknownCampaignError(campaignId, known);
  }
  const id = campaignId ?? latestCampaign(ledger) ?? null;
  const rows = (
    id === null
      ? ledger.db.prepare('SELECT id FROM experiments ORDER BY created_at, rowid').all()
      : ledger.db.prepare('SELECT id FROM experiments WHERE campaign_id = ? ORDER BY created_at, rowid').all(id)
  ) as { id: string }[];
  return { campaignId: id, experimentIds: rows.map((r) => r.id) };
}
