import type Database from 'better-sqlite3';

/** What a worker last said of a running job: how far it is, and a note (a GPU trainer's step and loss). */
export interface JobProgress {
  /** Grows with every report (AUTOINCREMENT: never reused), so a reader can follow what changed. */
  seq: number;
  jobId: string;
  experimentId: string | null;
  seed: number;
  at: string;
  data: Record<string, unknown>;
}

/**
 * The latest progress of each running job (table job_progress). Progress is not a fact: it
 * says how a run is going, and once the job ends its result or failure says everything that
 * matters. So it is kept out of the append-only events (where it was 29% of the rows and their
 * index entries): one row per running job, replaced by each report and deleted when the job
 * reaches a final state, in the same transaction as the event that ended it. Only Ledger writes it.
 */
export class JobProgressTable {
  constructor(private readonly db: Database.Database) {}

  /** Replaces the job's progress; returns its new seq. */
  record(p: Omit<JobProgress, 'seq'>): number {
    // REPLACE deletes the old row and inserts a new one, which AUTOINCREMENT numbers past every
    // seq ever given: a reader following seq sees each report once.
    const info = this.db
      .prepare('INSERT OR REPLACE INTO job_progress (job_id, experiment_id, seed, at, data) VALUES (?, ?, ?, ?, ?)')
      .run(p.jobId, p.experimentId, p.seed, p.at, JSON.stringify(p.data));
    return Number(info.lastInsertRowid);
  }

  /** Forgets a job's progress (it ended). */
  clear(jobId: string): void {
    this.db.prepare('DELETE FROM job_progress WHERE job_id = ?').run(jobId);
  }

  /** The latest progress of one job, if it is running and reported any. */
  ofJob(jobId: string): JobProgress | undefined {
    const row = this.db.prepare('SELECT * FROM job_progress WHERE job_id = ?').get(jobId) as Row | undefined;
    return row ? toProgress(row) : undefined;
  }

  /** The latest progress of an experiment's running jobs. */
  ofExperiment(experimentId: string): JobProgress[] {
    return (this.db.prepare('SELECT * FROM job_progress WHERE experiment_id = ? ORDER BY seed').all(experimentId) as Row[]).map(toProgress);
  }

  /** Progress reported after `seq`, oldest first: what a follower (the forum) has not seen. Only running jobs have rows. */
  since(seq: number): JobProgress[] {
    return (this.db.prepare('SELECT * FROM job_progress WHERE seq > ? ORDER BY seq').all(seq) as Row[]).map(toProgress);
  }

  /** The seq of the latest report ever recorded (0 before any), even if its job has since ended. */
  lastSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'job_progress'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }
}

type Row = { seq: number; job_id: string; experiment_id: string | null; seed: number; at: string; data: string };

function toProgress(r: Row): JobProgress {
  return { seq: Number(r.seq), jobId: r.job_id, experimentId: r.experiment_id, seed: Number(r.seed), at: r.at, data: JSON.parse(r.data) as Record<string, unknown> };
}
