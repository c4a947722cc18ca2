import { ChangeLog } from '../ledger/change-log.js';
import type { Ledger } from '../ledger/ledger.js';
import { DEFAULT_LADDER_MARGIN, Ladder, type StoredAnswer } from './ladder.js';

/** What agents may be told of one scored seed: its job, seed and the answer. */
export interface SeedAnswer {
  jobId: string;
  seed: number;
  pgrPublic: number;
  newBest: boolean;
}

type Source = (afterRowid: number) => StoredAnswer[];

/**
 * Every scored job's public answer, kept per experiment for the life of the process. Answers
 * are stored once and never change (the Ladder's table, or results for the exact control), so
 * each read asks only for the rows stored since the last one: a board of 50,000 experiments
 * reads what was scored since it last looked, not the campaign.
 */
export class PublicAnswers {
  private readonly byExperiment = new Map<string, readonly SeedAnswer[]>();
  private last = 0;
  /** The experiments that got answers, for boards kept sorted between calls. */
  readonly changes = new ChangeLog();

  constructor(private readonly read: Source) {}

  /** Catches up with what was stored since the last call (one query). */
  refresh(): this {
    const rows = this.read(this.last);
    if (!rows.length) return this;
    const touched = new Map<string, SeedAnswer[]>();
    for (const r of rows) {
      let list = touched.get(r.experimentId);
      // A new array per change: a caller may key what it derived on the array it was given.
      if (!list) touched.set(r.experimentId, (list = [...(this.byExperiment.get(r.experimentId) ?? [])]));
      list.push({ jobId: r.jobId, seed: r.seed, pgrPublic: r.pgrPublic, newBest: r.newBest });
    }
    for (const [id, list] of touched) {
      this.byExperiment.set(id, list.sort((a, b) => a.seed - b.seed));
      this.changes.add(id);
    }
    this.last = rows[rows.length - 1].rowid;
    return this;
  }

  /** An experiment's answers in seed order, as of the last refresh; none when nothing is scored. */
  of(experimentId: string): readonly SeedAnswer[] {
    return this.byExperiment.get(experimentId) ?? NONE;
  }
}

const NONE: readonly SeedAnswer[] = Object.freeze([]);
const kept = new WeakMap<Ledger, Map<string, PublicAnswers>>();

/**
 * The answers agents see on this ledger, kept across calls: the Ladder's with this margin, or
 * with `false` each seed's own public PGR rounded to 0.01 (the control of tests, never a campaign).
 */
export function publicAnswers(ledger: Ledger, ladder: { margin?: number } | false = {}): PublicAnswers {
  const key = ladder === false ? 'exact' : `ladder:${ladder.margin ?? DEFAULT_LADDER_MARGIN}`;
  let mine = kept.get(ledger);
  if (!mine) kept.set(ledger, (mine = new Map()));
  let answers = mine.get(key);
  if (!answers) mine.set(key, (answers = new PublicAnswers(ladder === false ? exactSource(ledger) : ladderSource(new Ladder(ledger, ladder)))));
  return answers.refresh();
}

function ladderSource(ladder: Ladder): Source {
  return (after) => ladder.answersAfter(after);
}

function exactSource(ledger: Ledger): Source {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return (after) =>
    (
      ledger.db
        .prepare('SELECT rowid AS rid, job_id, experiment_id, seed, pgr_public AS pgr FROM results WHERE rowid > ? ORDER BY rowid')
        .all(after) as { rid: number; job_id: string; experiment_id: string; seed: number; pgr: number | null }[]
    ).map((r) => ({ rowid: r.rid, jobId: r.job_id, experimentId: r.experiment_id, seed: r.seed, pgrPublic: r2(r.pgr as number), newBest: true }));
}
