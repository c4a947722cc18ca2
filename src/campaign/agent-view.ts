import type { ForumRecords, MessageRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger, ResultRow } from '../ledger/ledger.js';
import { meanSd } from '../eval/stats.js';
import { standing } from '../report/leaderboard.js';

/** One item of the forum as an agent sees it: messages, and experiments with public results only. */
export interface ForumItem {
  /** `msg:ID` for a message, `exp:ID` for an experiment thread. */
  key: string;
  at: string;
  channel: string;
  /** The thread it belongs to (a key), absent for a thread's first item. */
  thread?: string;
  author: string;
  authorKind: 'human' | 'agent' | 'system';
  text: string;
}

/** What every agent may know about a finished experiment: public PGR only, rounded. */
export interface PublicResult {
  experiment: string;
  task: string;
  method: string;
  agent: string;
  /** Mean public PGR over the scored seeds, rounded to 0.01. */
  pgrPublic: number;
  /** Seed spread of the public PGR, rounded to 0.01. */
  sd: number;
  seeds: number;
  vetoed: boolean;
  /** Flagged by a detector or by lineage and not approved yet: its numbers are withheld. */
  flagged: boolean;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The agents' window on the ledger. It never shows private PGR, per-seed scores or anything
 * per item; results of experiments with fewer than `claimSeeds` scored seeds are not shown
 * here at all (their owner reads them through the budgeted score desk), so the forum cannot
 * be used to read single-seed probes for free.
 */
export class AgentView {
  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
    readonly claimSeeds: number,
    /** The public PGR agents may be told for a job (scoring's answer: a near-duplicate gets its original's). */
    private readonly publicPgr: (r: ResultRow) => number = (r) => r.score.public.pgr,
  ) {}

  /** A finished experiment's public result, if it has enough seeds to be shown to everyone. */
  publicResult(e: ExperimentRow): PublicResult | undefined {
    if (!this.ledger.isFinished(e.id)) return undefined;
    const results = this.ledger.results(e.id);
    if (results.length < this.claimSeeds) return undefined;
    const pgr = meanSd(results.map((r) => this.publicPgr(r)));
    const state = standing(this.ledger, this.records.vetoes(), e);
    return { experiment: e.id, task: e.task, method: e.methodTag ?? 'custom', agent: e.agent ?? 'human', pgrPublic: r2(pgr.mean), sd: r2(pgr.sd), seeds: results.length, vetoed: state === 'vetoed', flagged: state === 'flagged' };
  }

  /** Public results per task, best first; vetoed experiments are left out. */
  leaderboard(task?: string): (PublicResult & { rank: number })[] {
    const rows = this.experiments()
      .filter((e) => !task || e.task === task)
      .map((e) => this.publicResult(e))
      .filter((r): r is PublicResult => r !== undefined && !r.vetoed && !r.flagged)
      .sort((a, b) => a.task.localeCompare(b.task) || b.pgrPublic - a.pgrPublic);
    const rank = new Map<string, number>();
    return rows.map((r) => {
      const n = (rank.get(r.task) ?? 0) + 1;
      rank.set(r.task, n);
      return { ...r, rank: n };
    });
  }

  /** Results someone claimed (a claim beat the leader of its day beyond seed noise), best first; vetoed ones left out. */
  claimed(task: string): PublicResult[] {
    const ids = [...new Set(this.ledger.events({ kind: 'claim' }).map((e) => e.experimentId).filter((id): id is string => id !== null))];
    return ids
      .map((id) => this.ledger.experiment(id))
      .filter((e): e is ExperimentRow => e !== undefined && e.task === task)
      .map((e) => this.publicResult(e))
      .filter((r): r is PublicResult => r !== undefined && !r.vetoed && !r.flagged)
      .sort((a, b) => b.pgrPublic - a.pgrPublic);
  }

  experiments(o: { agent?: string } = {}): ExperimentRow[] {
    const ids = this.ledger.db.prepare(`SELECT id FROM experiments ${o.agent ? 'WHERE agent = ?' : ''} ORDER BY created_at, rowid`).all(...(o.agent ? [o.agent] : [])) as { id: string }[];
    return ids.map((r) => this.ledger.experiment(r.id)!);
  }

  /** Forum items, oldest first: messages plus one item per experiment (its hypothesis and, when public, its result). */
  forum(o: { channel?: string; thread?: string; since?: string; limit?: number } = {}): ForumItem[] {
    const limit = o.limit ?? 50;
    const items: ForumItem[] = this.records
      .messages({ channel: o.channel, threadId: o.thread, since: o.since, limit })
      // Verdicts quote private scores: the audit channel is for people only.
      .filter((m) => !m.channel.startsWith('direct:') && m.channel !== 'audit')
      .map(messageItem);
    if (!o.channel || o.channel === 'forum') {
      for (const e of this.experiments()) {
        const key = `exp:${e.id}`;
        if (o.thread && o.thread !== key) continue;
        if (o.since && e.createdAt <= o.since) continue;
        items.push(this.experimentItem(e));
      }
    }
    return items.sort((a, b) => a.at.localeCompare(b.at)).slice(-limit);
  }

  private experimentItem(e: ExperimentRow): ForumItem {
    const hypothesis = (this.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(e.id) as { text: string } | undefined)?.text;
    const r = this.publicResult(e);
    const outcome = r?.vetoed
      ? ' VETOED.'
      : r?.flagged
        ? ' Flagged for review: its result is withheld until a person approves it.'
        : r
          ? ` Result: public PGR ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)} over ${r.seeds} seeds.`
          : this.ledger.isFinished(e.id)
            ? ' Finished (a probe: fewer seeds than a claim needs).'
            : ' Running.';
    return {
      key: `exp:${e.id}`,
      at: e.createdAt,
      channel: 'forum',
      author: e.agent ?? 'human',
      authorKind: e.agent ? 'agent' : 'human',
      text: `${hypothesis ?? 'Experiment'} [${e.id} · task ${e.task} · method ${JSON.stringify(e.method)} · ${e.seeds.length} seeds]${outcome}`,
    };
  }
}

export function messageItem(m: MessageRecord): ForumItem {
  return { key: `msg:${m.id}`, at: m.at, channel: m.channel, ...(m.threadId ? { thread: m.threadId } : {}), author: m.author, authorKind: m.authorKind, text: m.text };
}
