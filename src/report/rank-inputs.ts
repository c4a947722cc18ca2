import { activeFlags, activeFlagsReader } from '../audit/active-flags.js';
import type { ChangeLog } from '../ledger/change-log.js';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import { ExperimentMemo } from '../ledger/experiment-memo.js';
import { ForumRecords } from '../ledger/forum-records.js';
import { FINAL_STATES } from '../ledger/job-states.js';
import type { Ledger } from '../ledger/ledger.js';
import type { RankCandidate } from './ranking.js';

type Score = RankCandidate['scores'][number];

/**
 * What ranking needs of every experiment, kept per ledger for the life of the process: read in
 * a few grouped queries the first time (and after a veto, which can change any experiment's
 * standing), then only for the experiments the ledger recorded something about since. Every
 * board (people's and agents') at 50,000 experiments then costs what changed, not the campaign.
 */
class RankInputs {
  private readonly memo: ExperimentMemo<RankCandidate>;
  private readonly ids: string[] = [];
  private lastRowid = 0;

  constructor(private readonly ledger: Ledger) {
    this.memo = new ExperimentMemo(ledger, (id) => this.one(id), () => this.all());
  }

  /** Every experiment's inputs, oldest first (ties on the board keep this order). */
  candidates(): RankCandidate[] {
    this.addNew();
    return this.memo.get(this.ids);
  }

  /** Catches up with the ledger and says which experiments' inputs may differ (new ones included). */
  changes(): ChangeLog {
    this.addNew();
    this.memo.catchUp();
    return this.memo.changes;
  }

  private addNew(): void {
    const added = this.ledger.db.prepare('SELECT rowid, id FROM experiments WHERE rowid > ? ORDER BY rowid').all(this.lastRowid) as { rowid: number; id: string }[];
    for (const r of added) (this.ids.push(r.id), this.memo.changes.add(r.id));
    if (added.length) this.lastRowid = added[added.length - 1].rowid;
  }

  /** One experiment's inputs, kept like the others; undefined when the ledger has no such experiment. */
  candidate(id: string): RankCandidate | undefined {
    if (!this.ledger.experiment(id)) return undefined;
    return this.memo.get([id])[0];
  }

  private one(id: string): RankCandidate {
    const e = this.ledger.experiment(id)!;
    const results = this.ledger.results(id);
    const scoredAt = results.at(-1)?.scoredAt;
    return {
      id,
      task: e.task,
      methodTag: e.methodTag,
      agent: e.agent,
      finished: this.ledger.isFinished(id),
      scores: results.map((r) => r.score),
      activeFlags: activeFlags(this.ledger, new ForumRecords(this.ledger), id).length,
      ...(scoredAt ? { scoredAt } : {}),
    };
  }

  private all(): Map<string, RankCandidate> {
    const db = this.ledger.db;
    const final = `(${FINAL_STATES.map((s) => `'${s}'`).join(', ')})`;
    const done = new Map(
      (db.prepare(`SELECT experiment_id AS id, COUNT(DISTINCT seed) AS n FROM job_states WHERE status IN ${final} GROUP BY experiment_id`).all() as { id: string; n: number }[]).map((r) => [r.id, r.n]),
    );
    const scores = new Map<string, Score[]>();
    const scoredAt = new Map<string, string>();
    for (const r of db.prepare('SELECT experiment_id AS id, pgr_public AS pub, pgr_private AS priv, scored_at AS at FROM results ORDER BY experiment_id, seed').iterate() as Iterable<{ id: string; pub: number; priv: number; at: string }>) {
      let list = scores.get(r.id);
      if (!list) scores.set(r.id, (list = []));
      list.push({ public: { pgr: r.pub }, private: { pgr: r.priv } });
      scoredAt.set(r.id, r.at);
    }
    // Flags are rare: only experiments with a flag event or a flagged seed need the full rule.
    const flagged = new Set(
      (db.prepare(`SELECT DISTINCT experiment_id AS id FROM events WHERE kind = 'flag' AND ${SPARSE_KINDS} AND experiment_id IS NOT NULL UNION SELECT DISTINCT experiment_id FROM results WHERE flags <> '[]'`).all() as { id: string }[]).map((r) => r.id),
    );
    // The vetoes and veto events read once for every flagged experiment, not once each.
    const active = activeFlagsReader(this.ledger, new ForumRecords(this.ledger));
    const out = new Map<string, RankCandidate>();
    for (const e of db.prepare('SELECT id, task, method_tag, agent, seeds FROM experiments').iterate() as Iterable<{ id: string; task: string; method_tag: string | null; agent: string | null; seeds: string }>) {
      const seeds = new Set(JSON.parse(e.seeds) as number[]).size;
      out.set(e.id, {
        id: e.id,
        task: e.task,
        methodTag: e.method_tag,
        agent: e.agent,
        finished: seeds > 0 && (done.get(e.id) ?? 0) >= seeds,
        scores: scores.get(e.id) ?? [],
        activeFlags: flagged.has(e.id) ? active(e.id).length : 0,
        ...(scoredAt.has(e.id) ? { scoredAt: scoredAt.get(e.id) } : {}),
      });
    }
    return out;
  }
}

const byLedger = new WeakMap<Ledger, RankInputs>();

/** Every experiment's ranking inputs from this ledger, oldest first, kept current across calls. */
export function rankCandidates(ledger: Ledger): RankCandidate[] {
  return inputsOf(ledger).candidates();
}

/** Which experiments' ranking inputs changed, for boards kept sorted between calls (src/campaign/agent-board.ts). */
export function rankChanges(ledger: Ledger): ChangeLog {
  return inputsOf(ledger).changes();
}

/** One experiment's ranking inputs, read through the same kept values as `rankCandidates`. */
export function rankCandidate(ledger: Ledger, experimentId: string): RankCandidate | undefined {
  return inputsOf(ledger).candidate(experimentId);
}

function inputsOf(ledger: Ledger): RankInputs {
  let inputs = byLedger.get(ledger);
  if (!inputs) byLedger.set(ledger, (inputs = new RankInputs(ledger)));
  return inputs;
}
