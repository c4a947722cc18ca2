import type { Ledger } from './ledger.js';

/** One model reply's spend, as it is recorded. */
export interface UsageRecord {
  /** The API's reply id: the same reply is never counted twice. */
  requestId: string;
  agent: string;
  purpose: string;
  model: string;
  campaignId?: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  usd: number;
}

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  usd: number;
}

export interface UsageFilter {
  agent?: string;
  campaignId?: string;
  /** Only replies recorded at or after this time. */
  since?: Date | string;
}

const SUMS = `COUNT(*) AS calls, COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens,
  COALESCE(SUM(cache_write_tokens), 0) AS cacheWriteTokens, COALESCE(SUM(cache_read_tokens), 0) AS cacheReadTokens, COALESCE(SUM(usd), 0) AS usd`;

/**
 * Model spend in the ledger: one append-only `llm_usage` row per reply plus a `usage` event,
 * so budgets, reports and the event stream all see the same numbers. The clock is a
 * parameter so tests can control `since`.
 */
export class UsageLedger {
  private readonly now: () => Date;

  constructor(
    private readonly ledger: Ledger,
    o: { now?: () => Date } = {},
  ) {
    this.now = o.now ?? (() => new Date());
  }

  /** Records a reply's spend; false (and nothing recorded) when this request id was recorded before. */
  record(r: UsageRecord): boolean {
    const db = this.ledger.db;
    return db.transaction(() => {
      const info = db
        .prepare(
          `INSERT OR IGNORE INTO llm_usage (at, campaign_id, agent, purpose, model, request_id, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, usd)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(this.now().toISOString(), r.campaignId ?? null, r.agent, r.purpose, r.model, r.requestId, r.inputTokens, r.outputTokens, r.cacheWriteTokens, r.cacheReadTokens, r.usd);
      if (info.changes === 0) return false;
      const { campaignId, agent, ...data } = r;
      this.ledger.append('usage', { campaignId, agent, data: { ...data } });
      return true;
    })();
  }

  totals(f: UsageFilter = {}): UsageTotals {
    const { where, args } = filter(f);
    return toTotals(this.ledger.db.prepare(`SELECT ${SUMS} FROM llm_usage ${where}`).get(...args) as Record<string, number>);
  }

  /** Totals per agent, biggest spender first. */
  byAgent(f: Omit<UsageFilter, 'agent'> = {}): (UsageTotals & { agent: string })[] {
    const { where, args } = filter(f);
    const rows = this.ledger.db.prepare(`SELECT agent, ${SUMS} FROM llm_usage ${where} GROUP BY agent ORDER BY usd DESC, agent`).all(...args) as Record<string, number | string>[];
    return rows.map((r) => ({ agent: String(r.agent), ...toTotals(r as Record<string, number>) }));
  }
}

function filter(f: UsageFilter): { where: string; args: string[] } {
  const clauses: string[] = [];
  const args: string[] = [];
  if (f.agent !== undefined) (clauses.push('agent = ?'), args.push(f.agent));
  if (f.campaignId !== undefined) (clauses.push('campaign_id = ?'), args.push(f.campaignId));
  if (f.since !== undefined) (clauses.push('at >= ?'), args.push(typeof f.since === 'string' ? f.since : f.since.toISOString()));
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args };
}

function toTotals(r: Record<string, number>): UsageTotals {
  return {
    calls: Number(r.calls),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheWriteTokens: Number(r.cacheWriteTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
    usd: Number(r.usd),
  };
}
