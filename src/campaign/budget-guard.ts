import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import type { CampaignFile } from './campaign-file.js';
import type { Spend } from './spend.js';

export type CapName = 'usd' | 'agentHours' | 'gpuHours' | 'experiments';

/** Warnings go to the forum once each, as a cap's use crosses these fractions. */
export const WARN_AT = [0.5, 0.8, 1] as const;

export interface BudgetState {
  /** Use of each cap that is set, 0..1+ */
  used: Partial<Record<CapName, number>>;
  /** The first cap reached, if any: no new experiment may start. */
  exhausted?: string;
  /** Warnings newly crossed (posted to the forum by the steward as they are found). */
  warnings: { cap: CapName; level: number; text: string }[];
}

const LABEL: Record<CapName, (n: number) => string> = {
  usd: (n) => `$${n.toFixed(2)}`,
  agentHours: (n) => `${n.toFixed(2)} agent-hours`,
  gpuHours: (n) => `${n.toFixed(2)} GPU-hours`,
  experiments: (n) => `${Math.round(n)} experiments`,
};

/**
 * The campaign's hard caps. A person's `budget set <usd>` (a control event) overrides the file's
 * dollar cap. Warnings crossed are remembered in the ledger, so a restart does not repeat them.
 */
export class BudgetGuard {
  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
    private readonly campaignId: string,
    private readonly caps: CampaignFile['budget'],
  ) {}

  private capsNow(): Partial<Record<CapName, number>> {
    const set = this.ledger
      .events({ kind: 'control' })
      .filter((e) => e.data.action === 'budget')
      .at(-1);
    return { usd: set ? Number(set.data.usd) : this.caps.usd, agentHours: this.caps.agentHours, gpuHours: this.caps.gpuHours, experiments: this.caps.experiments };
  }

  check(spend: Spend): BudgetState {
    const caps = this.capsNow();
    const spent: Record<CapName, number> = { usd: spend.usd, agentHours: spend.agentHours, gpuHours: spend.gpuHours, experiments: spend.experiments };
    const warned = new Set(
      this.ledger
        .events({ kind: 'campaign' })
        .filter((e) => e.campaignId === this.campaignId && e.data.action === 'budget-warning')
        .map((e) => `${String(e.data.cap)}@${String(e.data.level)}@${String(e.data.limit)}`),
    );
    const state: BudgetState = { used: {}, warnings: [] };
    for (const cap of Object.keys(spent) as CapName[]) {
      const limit = caps[cap];
      if (limit === undefined) continue;
      const used = spent[cap] / limit;
      state.used[cap] = used;
      if (used >= 1 && !state.exhausted) state.exhausted = `the ${cap} budget is spent (${LABEL[cap](spent[cap])} of ${LABEL[cap](limit)})`;
      for (const level of WARN_AT) {
        if (used < level || warned.has(`${cap}@${level}@${limit}`)) continue;
        const text =
          level >= 1
            ? `Budget reached: ${LABEL[cap](spent[cap])} of ${LABEL[cap](limit)}. No new experiments start; running ones finish and are scored.`
            : `Budget: ${Math.round(level * 100)}% of the ${cap} cap used (${LABEL[cap](spent[cap])} of ${LABEL[cap](limit)}).`;
        state.warnings.push({ cap, level, text });
        // The warning and the fact that it was given are one transaction: posted once, even across a crash.
        this.ledger.db.transaction(() => {
          this.ledger.append('campaign', { campaignId: this.campaignId, data: { action: 'budget-warning', cap, level, limit } });
          this.records.addMessage({ id: `budget-${this.campaignId}-${cap}-${level}-${limit}`, channel: 'forum', threadId: null, author: 'steward', authorKind: 'agent', text });
        })();
      }
    }
    return state;
  }
}
