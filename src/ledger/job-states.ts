import type Database from 'better-sqlite3';

/** Ledger events that move a job through its life. */
export type JobEventKind = 'queued' | 'started' | 'finished' | 'failed' | 'scored' | 'requeued' | 'cancelled';

export const JOB_EVENT_KINDS: readonly JobEventKind[] = ['queued', 'started', 'finished', 'failed', 'scored', 'requeued', 'cancelled'];

export function isJobEvent(kind: string): kind is JobEventKind {
  return (JOB_EVENT_KINDS as readonly string[]).includes(kind);
}

/** A job's state; `retrying` is a failure that the queue will retry. */
export type JobState = 'queued' | 'started' | 'finished' | 'failed' | 'retrying' | 'scored' | 'requeued' | 'cancelled';

export const FINAL_STATES: readonly JobState[] = ['scored', 'failed', 'cancelled'];

/** States after which nothing more happens to a job. */
export function isFinal(status: JobState): boolean {
  return status === 'scored' || status === 'failed' || status === 'cancelled';
}

/** The state an event moves a job to. A failure is final unless it says `final: false`. */
export function stateAfter(kind: JobEventKind, data: Record<string, unknown> = {}): JobState {
  return kind === 'failed' && data.final === false ? 'retrying' : kind;
}

/**
 * Whether a job in state `from` (undefined: not recorded yet) may move to `to`. A scored job
 * never moves again; a finally failed or cancelled one only to scored (a result that arrives
 * anyway is a fact worth keeping); `queued` is only ever a first state. Everything else is a
 * retry, a redelivery or a re-run and is allowed. Refused moves record nothing: this is what
 * lets every process that opens the ledger report queue events without undoing each other.
 */
export function mayMove(from: JobState | undefined, to: JobState): boolean {
  if (from === undefined) return true;
  if (from === 'scored') return false;
  if (from === 'failed' || from === 'cancelled') return to === 'scored';
  return to !== 'queued';
}

export interface JobStatusRow {
  experimentId: string;
  jobId: string;
  seed: number;
  status: JobState;
  since: string;
  /** Times the job was started (a run on some runner). */
  attempts: number;
  /** Runs whose runner died or vanished while holding the job (the poison-pill count). */
  lostRuns: number;
}

const FINAL_SQL = `('scored', 'failed', 'cancelled')`;

function toRow(r: Record<string, string | number | null>): JobStatusRow {
  return {
    experimentId: String(r.experiment_id),
    jobId: String(r.job_id),
    seed: Number(r.seed),
    status: r.status as JobState,
    since: String(r.since),
    attempts: Number(r.attempts ?? 0),
    lostRuns: Number(r.lost_runs ?? 0),
  };
}

/**
 * The maintained state of every job (table job_states), written in the same transaction as
 * the event that changed it, so reading a job's state is one indexed row instead of a replay
 * of its events. Only Ledger writes it (see Ledger.append); everything here is a read.
 */
export class JobStateTable {
  private readonly one: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.one = db.prepare('SELECT experiment_id, job_id, seed, status, since, attempts, lost_runs FROM job_states WHERE job_id = ?');
  }

  get(jobId: string): JobStatusRow | undefined {
    const row = this.one.get(jobId) as Record<string, string | number | null> | undefined;
    return row ? toRow(row) : undefined;
  }

  /**
   * Writes a job's new state (a 'started' move also counts an attempt); the caller holds the
   * write lock and has checked mayMove.
   */
  set(row: Omit<JobStatusRow, 'attempts' | 'lostRuns'> & { seq: number }): void {
    const started = row.status === 'started' ? 1 : 0;
    this.db
      .prepare(
        `INSERT INTO job_states (job_id, experiment_id, seed, status, since, seq, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET experiment_id = excluded.experiment_id, seed = excluded.seed, status = excluded.status, since = excluded.since, seq = excluded.seq,
           attempts = attempts + excluded.attempts`,
      )
      .run(row.jobId, row.experimentId, row.seed, row.status, row.since, row.seq, started);
  }

  /**
   * Raises the job's lost-run count to `runs` (the queue's own count of lost runners for it);
   * false when it was already that high. Idempotent, so every process that hears the queue's
   * report may record it. The caller holds the write lock.
   */
  raiseLostRuns(jobId: string, runs: number): boolean {
    return this.db.prepare('UPDATE job_states SET lost_runs = ? WHERE job_id = ? AND lost_runs < ?').run(runs, jobId, runs).changes > 0;
  }

  list(experimentId?: string): JobStatusRow[] {
    const sql = `SELECT experiment_id, job_id, seed, status, since, attempts, lost_runs FROM job_states ${experimentId !== undefined ? 'WHERE experiment_id = ?' : ''} ORDER BY experiment_id, seed`;
    const rows = (experimentId !== undefined ? this.db.prepare(sql).all(experimentId) : this.db.prepare(sql).all()) as Record<string, string | number | null>[];
    return rows.map(toRow);
  }

  unfinished(experimentId?: string): JobStatusRow[] {
    // Without an experiment, the planner would walk every job in (experiment, seed) order to skip
    // a sort; the partial index holds only unfinished jobs, so a reconcile tick touches only those.
    const sql =
      experimentId !== undefined
        ? `SELECT experiment_id, job_id, seed, status, since, attempts, lost_runs FROM job_states WHERE status NOT IN ${FINAL_SQL} AND experiment_id = ? ORDER BY experiment_id, seed`
        : `SELECT experiment_id, job_id, seed, status, since, attempts, lost_runs FROM job_states INDEXED BY job_states_unfinished WHERE status NOT IN ${FINAL_SQL} ORDER BY experiment_id, seed`;
    const rows = (experimentId !== undefined ? this.db.prepare(sql).all(experimentId) : this.db.prepare(sql).all()) as Record<string, string | number | null>[];
    return rows.map(toRow);
  }

  /** The seeds of an experiment whose jobs are final. */
  finalSeeds(experimentId: string): Set<number> {
    const rows = this.db.prepare(`SELECT seed FROM job_states WHERE experiment_id = ? AND status IN ${FINAL_SQL}`).all(experimentId) as { seed: number }[];
    return new Set(rows.map((r) => Number(r.seed)));
  }

  counts(): Partial<Record<JobState, number>> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM job_states GROUP BY status').all() as { status: JobState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}
