import { activeFlags } from '../audit/active-flags.js';
import { claimStatus } from '../confirmation/claim-confirmer.js';
import type { LeaveOneOutRow, TransferResult } from '../transfer/transfer.js';
import { meanSd } from '../eval/stats.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { standing } from '../report/leaderboard.js';
import type { Spend } from './spend.js';

export interface TaskOutcome {
  /** aux-conf on the campaign's baseline seeds (public and private PGR means). */
  baseline?: { experiment: string; pgrPublic: number; pgrPrivate: number };
  /** The best claimed result (else the best with enough seeds), unvetoed, by private PGR (people's ranking). */
  best?: { experiment: string; method: string; agent: string; pgrPublic: number; pgrPrivate: number; seeds: number };
}

/** What `aar run --json` prints as its last line. */
export interface CampaignSummary {
  campaign: string;
  /** How `best` was chosen: claimed results first, then by private PGR. */
  rankedBy: 'private';
  experiments: number;
  tasks: Record<string, TaskOutcome>;
  spend: { usd: number; agentHours: number; usdPerAgentHour: number; activeAgentHours: number; usdPerActiveAgentHour: number; gpuHours: number };
  /** Results the auditor found suspicious or scoring flagged. */
  flags: number;
  vetoes: number;
  /** Held-out task transfer, per held-out task (campaigns with `holdout` only): the headline. */
  transfer?: Record<string, TransferResult>;
  /** Per search task: the overall best chosen on the other search tasks, run on it next to aux-conf. */
  leaveOneTaskOut?: Record<string, LeaveOneOutRow>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The campaign's outcome from the ledger. "Best" prefers claimed results: a claim had to beat
 * the leader of its day on the same seeds beyond seed noise, where the top of the raw
 * leaderboard is mostly the luckiest of many candidates.
 */
export function campaignSummary(ledger: Ledger, campaignId: string, spend: Spend, claimSeeds: number): CampaignSummary {
  const records = new ForumRecords(ledger);
  const vetoes = records.vetoes();
  // A claim the desk's confirmation rejected does not stand; a confirmed one ranks above one not yet confirmed.
  const claimRank = new Map<string | null, number>();
  for (const e of ledger.events({ kind: 'claim' })) {
    const status = e.experimentId ? claimStatus(ledger, e.experimentId) : 'rejected';
    if (status !== 'rejected') claimRank.set(e.experimentId, status === 'confirmed' ? 2 : 1);
  }
  const ids = (ledger.db.prepare('SELECT id FROM experiments WHERE campaign_id = ? ORDER BY rowid').all(campaignId) as { id: string }[]).map((r) => r.id);
  const tasks: Record<string, TaskOutcome> = {};
  type Row = NonNullable<TaskOutcome['best']> & { task: string; claimed: number };
  const rows: Row[] = [];
  for (const id of ids) {
    const e = ledger.experiment(id)!;
    tasks[e.task] ??= {};
    const results = ledger.results(id);
    const stands = standing(ledger, vetoes, e);
    if (results.length < claimSeeds || !ledger.isFinished(id) || stands === 'vetoed' || stands === 'flagged') continue;
    const pub = meanSd(results.map((r) => r.score.public.pgr)).mean;
    const priv = meanSd(results.map((r) => r.score.private.pgr)).mean;
    if (e.methodTag === 'aux-conf' && e.agent === 'steward') tasks[e.task].baseline = { experiment: id, pgrPublic: r3(pub), pgrPrivate: r3(priv) };
    rows.push({ task: e.task, experiment: id, method: e.methodTag ?? 'custom', agent: e.agent ?? 'human', pgrPublic: r3(pub), pgrPrivate: r3(priv), seeds: results.length, claimed: claimRank.get(id) ?? 0 });
  }
  for (const task of Object.keys(tasks)) {
    // People rank by the private half: the best of many public-fitted variants does not win here.
    // A claim confirmed by the desk ranks first, then one not yet confirmed (rejected ones count as unclaimed).
    const mine = rows.filter((r) => r.task === task).sort((a, b) => b.claimed - a.claimed || b.pgrPrivate - a.pgrPrivate);
    if (mine[0]) {
      const { task: _t, claimed: _c, ...best } = mine[0];
      tasks[task].best = best;
    }
  }
  // Flagged: an active flag (detectors, lineage) or the auditor's own "suspicious" (a person's overturn is not a flag).
  const auditorSuspects = new Set(ledger.events({ kind: 'verdict' }).filter((e) => e.data.verdict === 'suspicious' && e.data.source !== 'human').map((e) => String(e.data.experiment)));
  const suspicious = ids.filter((id) => auditorSuspects.has(id) || activeFlags(ledger, records, id).length > 0).length;
  return {
    campaign: campaignId,
    rankedBy: 'private',
    experiments: ids.length,
    tasks,
    spend: {
      usd: r3(spend.usd),
      agentHours: r3(spend.agentHours),
      usdPerAgentHour: r3(spend.usdPerAgentHour),
      activeAgentHours: r3(spend.activeAgentHours),
      usdPerActiveAgentHour: r3(spend.usdPerActiveAgentHour),
      gpuHours: r3(spend.gpuHours),
    },
    flags: suspicious,
    vetoes: vetoes.filter((v) => v.action === 'veto' && ids.some((id) => id === v.target || ledger.experiment(id)?.methodTag === v.target)).length,
  };
}
