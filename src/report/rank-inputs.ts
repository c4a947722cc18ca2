import { activeFlags } from '../audit/active-flags.js';
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
    const added = this.ledger.db.prepare('SELECT rowid, id FROM experiments WHERE rowid > ? ORDER BY rowid').all(this.lastRowid) as { rowid: number; id: string }[];
    for (const r of added) this.ids.push(r.id);
    if (added.length) this.lastRowid = added[added.length - 1].rowid;
    return this.memo.get(this.ids);
  }

  /** One experiment's inputs, kept like the others; undefined when the ledger has no such experiment. */
  candidate(id: string): RankCandidate | undefined {
    if (!this.ledger.experiment(id)) return undefined;
    return this.memo.get([id])[0];
  }

  private one(id: string): RankCandidate {
    const e = this.ledger.experiment(id)!;
    const scores = this.ledger.results(id).map((r) => r.score);
    return { id, task: e.task, methodTag: e.methodTag, agent: e.agent, finished: this.ledger.isFinished(id), scores, activeFlags: activeFlags(this.ledger, new ForumRecords(this.ledger), id).length };
  }

  private all(): Map<string, RankCandidate> {
    const db = this.ledger.db;
    const final = `(${FINAL_STATES.map((s) => `'${s}'`).join(', ')})`;
    const done = new Map(
      (db.prepare(`SELECT experiment_id AS id, COUNT(DISTINCT seed) AS n FROM job_states WHERE status IN ${final} GROUP BY experiment_id`).all() as { id: string; n: number }[]).map((r) => [r.id, r.n]),
    );
    const scores = new Map<string, Score[]>();
    for (const r of db.prepare('SELECT experiment_id AS id, pgr_public AS pub, pgr_private AS priv FROM results ORDER BY experiment_id, seed').iterate() as Iterable<{ id: string; pub: number; priv: number }>) {
      let list = scores.get(r.id);
      if (!list) scores.set(r.id, (list = []));
      list.push({ public: { pgr: r.pub }, private: { pgr: r.priv } });
    }
    // Flags are rare: only experiments with a flag event or a flagged seed need the full rule.
    const flagged = new Set(
      (db.prepare(`SELECT DISTINCT experiment_id AS id FROM events WHERE kind = 'flag' AND ${SPARSE_KINDS} AND experiment_id IS NOT NULL UNION SELECT DISTINCT experiment_id FROM results WHERE flags <> '[]'`).all() as { id: string }[]).map((r) => r.id),
    );
    const records = new ForumRecords(this.ledger);
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
        activeFlags: flagged.has(e.id) ? activeFlags(this.ledger, records, e.id).length : 0,
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

/** One experiment's ranking inputs, read through the same kept values as `rankCandidates`. */
export function rankCandidate(ledger: Ledger, experimentId: string): RankCandidate | undefined {
  return inputsOf(ledger).candidate(experimentId);
}

function inputsOf(ledger: Ledger): RankInputs {
  let inputs = byLedger.get(ledger);
  if (!inputs) byLedger.set(ledger, (inputs = new RankInputs(ledger)));
  return inputs;
}
