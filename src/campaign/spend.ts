import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import type { Ledger } from '../ledger/ledger.js';
import { UsageLedger } from '../ledger/usage.js';

/** What a campaign has cost so far. */
export interface Spend {
  /** Model spend, from the usage recorded for every call. */
  usd: number;
  /** Wall agent-hours: each session's length times the researchers it ran, idle time included. */
  agentHours: number;
  /** usd / agentHours (0 before any time has passed). */
  usdPerAgentHour: number;
  /** Active agent-hours: time researchers spent in model calls and tool runs (turns and answers). */
  activeAgentHours: number;
  /** usd / activeAgentHours: what an hour of an agent actually working costs (0 before any work). */
  usdPerActiveAgentHour: number;
  /** Worker time spent on this campaign's jobs (GPU-hours when the workers are GPUs). */
  gpuHours: number;
  experiments: number;
}

/** The dollars per agent-hour of the reference study (nine Claude agents, PGR 0.23 -> 0.97). */
export const REFERENCE_USD_PER_AGENT_HOUR = 22;

const HOUR = 3_600_000;

/**
 * Spend of one campaign, derived from ledger facts only, so it survives restarts and any
 * process can compute it. A session that ended in a crash counts up to its last heartbeat.
 */
export function campaignSpend(ledger: Ledger, campaignId: string): Spend {
  const usd = new UsageLedger(ledger).totals({ campaignId }).usd;
  let agentHours = 0;
  let open: { at: number; agents: number; last: number } | undefined;
  const close = () => {
    if (open) agentHours += ((open.last - open.at) / HOUR) * open.agents;
    open = undefined;
  };
  for (const e of ledger.events({ kind: 'campaign' })) {
    if (e.campaignId !== campaignId) continue;
    const at = Date.parse(e.at);
    if (e.data.action === 'start') {
      close();
      open = { at, agents: Number(e.data.agents ?? 0), last: at };
    } else if (open) {
      open.last = at;
      if (e.data.action === 'stop') close();
    }
  }
  close();
  const jobs = ledger.db
    .prepare(
      `SELECT COALESCE(SUM((julianday(f.at) - julianday(s.at)) * 24.0), 0) AS hours
       FROM experiments x JOIN events s ON s.experiment_id = x.id AND s.kind = 'started'
       JOIN events f ON f.experiment_id = s.experiment_id AND f.kind = 'finished' AND f.job_id = s.job_id
       WHERE x.campaign_id = ?
         AND s.seq = (SELECT MAX(seq) FROM events s2 WHERE s2.experiment_id = s.experiment_id AND s2.kind = 'started' AND s2.job_id = s.job_id AND s2.seq < f.seq)`,
    )
    .get(campaignId) as { hours: number };
  const experiments = (ledger.db.prepare('SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = ?').get(campaignId) as { n: number }).n;
  const active = ledger.db
    .prepare(`SELECT COALESCE(SUM(json_extract(data, '$.activeMs')), 0) AS ms FROM events WHERE kind IN ('turn', 'answer') AND ${SPARSE_KINDS} AND campaign_id = ?`)
    .get(campaignId) as { ms: number };
  const activeAgentHours = active.ms / HOUR;
  return {
    usd,
    agentHours,
    usdPerAgentHour: agentHours > 0 ? usd / agentHours : 0,
    activeAgentHours,
    usdPerActiveAgentHour: activeAgentHours > 0 ? usd / activeAgentHours : 0,
    gpuHours: jobs.hours,
    experiments,
  };
}
