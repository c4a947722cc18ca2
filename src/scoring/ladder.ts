import { z } from 'zod';
import { parseOrThrow } from '../domain/validate.js';
import type { Ledger } from '../ledger/ledger.js';

/**
 * The default margin in PGR. One public item moves spam's PGR by about 0.01, so an answer can
 * only change when a submission is better by about five items or more; and PGR spans about 1.5
 * from the weak teacher to all public items right, so one (agent, task, seed) can see at most
 * about 30 new answers in a whole campaign.
 */
export const DEFAULT_LADDER_MARGIN = 0.05;

/** What the Ladder told about one scored job. */
export interface LadderAnswer {
  jobId: string;
  /** The author's best public PGR so far on this task and seed, a multiple of the margin. */
  pgrPublic: number;
  /** True when this job beat the author's previous best by the margin and set the value above. */
  newBest: boolean;
}

/** A stored answer with where it sits: its row in ladder_answers, its experiment and seed. */
export interface StoredAnswer extends LadderAnswer {
  rowid: number;
  experimentId: string;
  seed: number;
}

const optionsSchema = z.object({ margin: z.number().positive().max(1).finite() });

/** The author whose ladder a job climbs: null (a person's experiment) is one ladder for people. */
const PEOPLE = '';

/**
 * Bots that run fixed built-in baselines (never choosing what to run from answers) get one
 * ladder per experiment, i.e. their own score rounded to the margin: there is nothing adaptive
 * to guard against, and aux-conf must not read as the naive baseline run before it.
 */
export const NON_ADAPTIVE_AUTHORS: readonly string[] = ['steward'];

/**
 * The Ladder (Blum & Hardt 2015, "The Ladder: A Reliable Leaderboard for Machine Learning
 * Competitions"), the mechanism for every public score agents see. Per author, task and seed it
 * keeps the best answer so far; a scored job is answered with its own public PGR, rounded to a
 * multiple of the margin, only when that beats the best by at least the margin, otherwise with
 * the best. An answer therefore only changes when a submission is clearly better, so probing
 * (flip items, pad with known ones, read the change) sees no change at all unless it buys a
 * margin-sized improvement, and the number of distinct answers per ladder is at most
 * range / margin however many queries are made: the transcript carries a bounded number of bits.
 *
 * Answers are derived from the results in the order the ledger recorded them, once, and stored
 * (ladder_answers, ladder_best, ladder_cursor), so they survive a restart, two processes agree
 * on them, and catching up costs only the results recorded since the last read.
 */
export class Ladder {
  readonly margin: number;

  constructor(
    private readonly ledger: Ledger,
    o: { margin?: number } = {},
  ) {
    this.margin = parseOrThrow(optionsSchema, { margin: o.margin ?? DEFAULT_LADDER_MARGIN }, 'ladder options').margin;
  }

  /** The answer for each scored job of an experiment, by seed; jobs not scored yet are absent. */
  experiment(experimentId: string): LadderAnswer[] {
    this.catchUp();
    const rows = this.ledger.db
      .prepare('SELECT l.job_id, l.answer, l.new_best FROM ladder_answers l JOIN results r ON r.job_id = l.job_id WHERE r.experiment_id = ? ORDER BY l.seed')
      .all(experimentId) as { job_id: string; answer: number | null; new_best: number }[];
    return rows.map((r) => ({ jobId: r.job_id, pgrPublic: r.answer ?? Number.NaN, newBest: r.new_best === 1 }));
  }

  /** The answer for one scored job, or undefined when it has no result. */
  job(jobId: string): LadderAnswer | undefined {
    this.catchUp();
    const r = this.ledger.db.prepare('SELECT answer, new_best FROM ladder_answers WHERE job_id = ?').get(jobId) as { answer: number | null; new_best: number } | undefined;
    return r ? { jobId, pgrPublic: r.answer ?? Number.NaN, newBest: r.new_best === 1 } : undefined;
  }

  /**
   * Every answer stored after `rowid` (a position in ladder_answers, 0 for all), with its
   * experiment and seed, in the order stored: one query however many experiments a board shows.
   * Answers are written once and never change, so a reader can keep them and ask only for newer ones.
   */
  answersAfter(rowid: number): StoredAnswer[] {
    this.catchUp();
    const rows = this.ledger.db
      .prepare('SELECT l.rowid AS rid, l.job_id, r.experiment_id, r.seed, l.answer, l.new_best FROM ladder_answers l JOIN results r ON r.job_id = l.job_id WHERE l.rowid > ? ORDER BY l.rowid')
      .all(rowid) as { rid: number; job_id: string; experiment_id: string; seed: number; answer: number | null; new_best: number }[];
    return rows.map((r) => ({ rowid: r.rid, jobId: r.job_id, experimentId: r.experiment_id, seed: r.seed, pgrPublic: r.answer ?? Number.NaN, newBest: r.new_best === 1 }));
  }

  /** Answers every result recorded since the last call, in recorded order, in one transaction. */
  private catchUp(): void {
    const db = this.ledger.db;
    const cursor = () => (db.prepare('SELECT result_rowid FROM ladder_cursor WHERE id = 1').get() as { result_rowid: number } | undefined)?.result_rowid ?? 0;
    const latest = (db.prepare('SELECT MAX(rowid) AS n FROM results').get() as { n: number | null }).n ?? 0;
    if (latest <= cursor()) return;
    this.ledger.write(() => {
      // Read again under the write lock: another process may have answered these already.
      const from = cursor();
      const rows = db
        .prepare('SELECT r.rowid AS rid, r.job_id, r.experiment_id, r.seed, r.pgr_public, x.agent, x.task FROM results r JOIN experiments x ON x.id = r.experiment_id WHERE r.rowid > ? ORDER BY r.rowid')
        .all(from) as { rid: number; job_id: string; experiment_id: string; seed: number; pgr_public: number; agent: string | null; task: string }[];
      const getBest = db.prepare('SELECT best FROM ladder_best WHERE agent = ? AND task = ? AND seed = ?');
      const setBest = db.prepare('INSERT INTO ladder_best (agent, task, seed, best) VALUES (?, ?, ?, ?) ON CONFLICT (agent, task, seed) DO UPDATE SET best = excluded.best');
      const answer = db.prepare('INSERT OR IGNORE INTO ladder_answers (job_id, agent, task, seed, answer, new_best) VALUES (?, ?, ?, ?, ?, ?)');
      let last = from;
      for (const r of rows) {
        last = r.rid;
        const agent = r.agent === null ? PEOPLE : NON_ADAPTIVE_AUTHORS.includes(r.agent) ? `${r.agent}/${r.experiment_id}` : r.agent;
        const best = (getBest.get(agent, r.task, r.seed) as { best: number } | undefined)?.best;
        // A PGR that is not a number (no gap to recover) can never be a new best.
        const beats = Number.isFinite(r.pgr_public) && (best === undefined || r.pgr_public >= best + this.margin - 1e-9);
        const value = beats ? this.round(r.pgr_public) : (best ?? Number.NaN);
        if (beats) setBest.run(agent, r.task, r.seed, value);
        answer.run(r.job_id, agent, r.task, r.seed, Number.isFinite(value) ? value : null, beats ? 1 : 0);
      }
      db.prepare('INSERT INTO ladder_cursor (id, result_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET result_rowid = excluded.result_rowid').run(last);
    });
  }

  private round(pgr: number): number {
    // Rounded to the margin, then to 1e-9 so 0.7000000000000001 reads 0.7; `+ 0` makes -0 read 0.
    return Math.round(Math.round(pgr / this.margin) * this.margin * 1e9) / 1e9 + 0;
  }
}
