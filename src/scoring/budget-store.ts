import type { Ledger } from '../ledger/ledger.js';
import type { Bucket, BudgetStore } from './budget.js';

/**
 * Scoring budgets kept in the ledger (table score_budget), so a restarted coordinator does not
 * hand every agent a fresh burst of scores: what was spent before the restart stays spent.
 */
export class LedgerBudgetStore implements BudgetStore {
  constructor(private readonly ledger: Ledger) {}

  get(agent: string): Bucket | undefined {
    const row = this.ledger.db.prepare('SELECT tokens, at FROM score_budget WHERE agent = ?').get(agent) as { tokens: number; at: number } | undefined;
    return row ? { tokens: row.tokens, at: row.at } : undefined;
  }

  set(agent: string, bucket: Bucket): void {
    this.ledger.db
      .prepare('INSERT INTO score_budget (agent, tokens, at) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE SET tokens = excluded.tokens, at = excluded.at')
      .run(agent, bucket.tokens, bucket.at);
  }
}
