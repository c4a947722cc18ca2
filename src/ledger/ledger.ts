import type Database from 'better-sqlite3';
import { AarError } from '../domain/errors.js';
import { isSparseKind, SPARSE_KINDS } from './event-kinds.js';
import { JobProgressTable } from './job-progress.js';
import { isFinal, isJobEvent, JobStateTable, mayMove, stateAfter, type JobEventKind, type JobState, type JobStatusRow } from './job-states.js';
import { openDatabase, type OpenOptions } from './open-database.js';
import { packScore, unpackScore } from './score-pack.js';

export { isFinal, type JobState, type JobStatusRow } from './job-states.js';
export type { JobProgress } from './job-progress.js';

export type EventKind =
  | 'proposed'
  | 'queued'
  | 'started'
  /** A worker's report on a running job: kept in job_progress, latest only, not in events (see job-progress.ts). */
  | 'progress'
  | 'finished'
  | 'failed'
  | 'scored'
  | 'requeued'
  | 'cancelled'
  | 'message'
  | 'veto'
  | 'usage'
  | 'control'
  /** An agent's notebook entry (private working notes that persist across restarts). */
  | 'note'
  /** One bot turn's outcome: done, failed (retried later) or skipped. */
  | 'turn'
  /** A researcher answered a person's message (with the time it spent: active agent-hours). */
  | 'answer'
  /** An agent's result claim, accepted only with enough scored seeds. */
  | 'claim'
  /** The auditor's verdict on a result. */
  | 'verdict'
  /** A campaign session: start, heartbeat, stop (agent-hours are measured from these). */
  | 'campaign'
  /** A result flagged (by a detector, by the auditor, or by lineage from a veto): off the leaderboard until a person approves it. */
  | 'flag'
  /** A vote (+1, -1, or 0 to take one back) on a finding, by an agent or a person (src/findings). */
  | 'vote'
  /** What re-running an experiment needs (method, code and data hashes, versions), recorded at submit (src/reproduce). */
  | 'provenance'
  /** A job's runner died or vanished while running it, with how many times that has happened (the poison-pill guard). */
  | 'runner_lost'
  /** Seeds the desk drew for a campaign (confirmation, transfer): recorded once, never chosen or seen by agents (src/confirmation). */
  | 'seeds'
  /** The desk's re-run of a claim on the confirmation seeds, scored on the private half, and whether the claim stands. */
  | 'confirmation'
  /** Held-out task transfer at the end of a campaign (src/transfer). */
  | 'transfer';

export interface LedgerEvent {
  seq: number;
  at: string;
  kind: EventKind;
  campaignId: string | null;
  agent: string | null;
  experimentId: string | null;
  jobId: string | null;
  data: Record<string, unknown>;
}

export interface NewExperiment {
  id: string;
  task: string;
  method: Record<string, unknown>;
  seeds: number[];
  campaignId?: string;
  agent?: string;
  hypothesis?: { id: string; text: string };
  parents?: string[];
}

export interface ExperimentRow {
  id: string;
  campaignId: string | null;
  agent: string | null;
  task: string;
  method: Record<string, unknown>;
  methodTag: string | null;
  seeds: number[];
  createdAt: string;
  parents: string[];
}

export interface NewResult {
  jobId: string;
  experimentId: string;
  seed: number;
  predictionsDigest: string;
  score: { public: { pgr: number }; private: { pgr: number } };
  flags?: string[];
  stats?: Record<string, unknown>;
}

export interface ResultRow extends Omit<NewResult, 'flags' | 'stats'> {
  scoredAt: string;
  flags: string[];
  stats: Record<string, unknown>;
}

/** Where an event came from and what it is about. */
export interface EventContext {
  campaignId?: string;
  agent?: string;
  experimentId?: string;
  jobId?: string;
  data?: Record<string, unknown>;
}

/** How many experiments `experiment()` keeps: a turn's and a board's reads, not a whole campaign. */
const EXPERIMENTS_KEPT = 20_000;

/** Frozen all the way down: a kept experiment is shared by every caller, so none may change it. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The durable record of everything that happened: SQLite in WAL mode, versioned migrations,
 * facts append-only (triggers refuse UPDATE and DELETE), job states kept by a checked state
 * machine in the same transaction as their events. The clock is a parameter so tests can
 * control time.
 */
export class Ledger {
  /** Every job's current state, one row each (see job-states.ts). */
  readonly jobStates: JobStateTable;
  /** The latest progress of each running job (see job-progress.ts). */
  readonly progress: JobProgressTable;
  /** Experiments read so far (frozen): a turn reads the same few hundred many times. */
  private readonly experimentsKept = new Map<string, ExperimentRow>();

  private constructor(
    readonly db: Database.Database,
    private readonly now: () => Date,
    /** The file, for messages (":memory:" in tests). */
    readonly path: string,
  ) {
    this.jobStates = new JobStateTable(db);
    this.progress = new JobProgressTable(db);
  }

  /** Opens the ledger; damage, a foreign file or a read-only folder is a LedgerError that says what to do. */
  static open(path: string, o: { now?: () => Date } & OpenOptions = {}): Ledger {
    return new Ledger(openDatabase(path, o), o.now ?? (() => new Date()), path);
  }

  close(): void {
    this.db.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /**
   * Runs `fn` in a transaction that takes the write lock at its start (BEGIN IMMEDIATE), so
   * what it reads cannot change under it before it writes, whichever process writes next.
   * Inside another transaction it is a savepoint of that one.
   */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Appends an event and returns its sequence number. A job lifecycle event (queued, started,
   * finished, failed, scored, requeued, cancelled, with a jobId) goes through the job state
   * machine: it is recorded, with the job's new state, only if the move is allowed (see
   * mayMove), and 0 is returned when it was refused (a scored job never goes back). Progress
   * of a job is not an event: it replaces the job's row in job_progress (see recordProgress).
   */
  append(kind: EventKind, o: EventContext = {}): number {
    if (isJobEvent(kind) && o.jobId) return this.jobEvent(kind, o as EventContext & { jobId: string });
    if (kind === 'progress' && o.jobId) return this.recordProgress(o as EventContext & { jobId: string });
    return this.insertEvent(kind, o);
  }

  private insertEvent(kind: EventKind, o: EventContext, at = this.stamp()): number {
    const info = this.db
      .prepare('INSERT INTO events (at, kind, campaign_id, agent, experiment_id, job_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(at, kind, o.campaignId ?? null, o.agent ?? null, o.experimentId ?? null, o.jobId ?? null, JSON.stringify(o.data ?? {}));
    return Number(info.lastInsertRowid);
  }

  private jobEvent(kind: JobEventKind, o: EventContext & { jobId: string }): number {
    return this.write(() => {
      const current = this.jobStates.get(o.jobId);
      const status = stateAfter(kind, o.data);
      if (!mayMove(current?.status, status)) return 0;
      const at = this.stamp();
      const seq = this.insertEvent(kind, o, at);
      const seed = typeof o.data?.seed === 'number' ? o.data.seed : (current?.seed ?? seedOf(o.jobId));
      this.jobStates.set({ jobId: o.jobId, experimentId: o.experimentId ?? current?.experimentId ?? '', seed, status, since: at, seq });
      // How far a run got says nothing once the job has ended: its result or failure does.
      if (isFinal(status)) this.progress.clear(o.jobId);
      return seq;
    });
  }

  /**
   * Records a worker's progress on a running job (its latest only, see job-progress.ts) and
   * returns its progress seq; 0, recording nothing, when the job has ended already (a late
   * report must not outlive the job).
   */
  private recordProgress(o: EventContext & { jobId: string }): number {
    return this.write(() => {
      const job = this.jobStates.get(o.jobId);
      if (job && isFinal(job.status)) return 0;
      const seed = typeof o.data?.seed === 'number' ? o.data.seed : (job?.seed ?? seedOf(o.jobId));
      return this.progress.record({ jobId: o.jobId, experimentId: o.experimentId ?? job?.experimentId ?? null, seed, at: this.stamp(), data: o.data ?? {} });
    });
  }

  /**
   * Records that the runner of `jobId` was lost for the `runs`-th time (the queue's count), once
   * however many processes report it, and returns the job's lost-run count after it; 0 for a
   * job the ledger does not know.
   */
  recordLostRun(jobId: string, runs: number): number {
    return this.write(() => {
      const job = this.jobStates.get(jobId);
      if (!job) return 0;
      if (this.jobStates.raiseLostRuns(jobId, runs)) {
        this.insertEvent('runner_lost', { experimentId: job.experimentId, jobId, data: { seed: job.seed, runs } });
      }
      return Math.max(job.lostRuns, runs);
    });
  }

  /** Records a new experiment (and its hypothesis and lineage) with a `proposed` event. */
  proposeExperiment(e: NewExperiment): void {
    const at = this.stamp();
    this.write(() => {
      if (this.db.prepare('SELECT 1 FROM experiments WHERE id = ?').get(e.id)) {
        throw new AarError('duplicate_experiment', `experiment ${e.id} already exists`);
      }
      if (e.hypothesis) {
        this.db.prepare('INSERT OR IGNORE INTO hypotheses (id, campaign_id, agent, created_at, text) VALUES (?, ?, ?, ?, ?)').run(e.hypothesis.id, e.campaignId ?? null, e.agent ?? null, at, e.hypothesis.text);
      }
      const tag = typeof e.method.name === 'string' ? e.method.name : null;
      this.db
        .prepare('INSERT INTO experiments (id, campaign_id, agent, hypothesis_id, created_at, task, method, method_tag, seeds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.id, e.campaignId ?? null, e.agent ?? null, e.hypothesis?.id ?? null, at, e.task, JSON.stringify(e.method), tag, JSON.stringify(e.seeds));
      for (const parent of e.parents ?? []) this.db.prepare('INSERT INTO experiment_parents (experiment_id, parent_id) VALUES (?, ?)').run(e.id, parent);
      this.append('proposed', { campaignId: e.campaignId, agent: e.agent, experimentId: e.id, data: { task: e.task, seeds: e.seeds } });
    });
  }

  experiment(id: string): ExperimentRow | undefined {
    const kept = this.experimentsKept.get(id);
    if (kept) return kept;
    const row = this.db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as Record<string, string> | undefined;
    if (!row) return undefined;
    const parents = (this.db.prepare('SELECT parent_id FROM experiment_parents WHERE experiment_id = ? ORDER BY parent_id').all(id) as { parent_id: string }[]).map((p) => p.parent_id);
    const e = deepFreeze({
      id: row.id,
      campaignId: row.campaign_id,
      agent: row.agent,
      task: row.task,
      method: JSON.parse(row.method) as Record<string, unknown>,
      methodTag: row.method_tag,
      seeds: JSON.parse(row.seeds) as number[],
      createdAt: row.created_at,
      parents,
    });
    // An experiment and its parents are written once, in one transaction, and never change:
    // what was read stays true. The oldest kept goes first when the cache is full.
    if (this.experimentsKept.size >= EXPERIMENTS_KEPT) this.experimentsKept.delete(this.experimentsKept.keys().next().value!);
    this.experimentsKept.set(id, e);
    return e;
  }

  /**
   * Records a job's result once, and moves the job to scored in the same transaction. Returns
   * false (and records nothing) when the job was already scored: redeliveries, restarts and
   * other processes can never score a job twice.
   */
  recordResult(r: NewResult): boolean {
    return this.write(() => {
      const info = this.db
        .prepare(
          'INSERT OR IGNORE INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private, flags, stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(r.jobId, r.experimentId, r.seed, this.stamp(), r.predictionsDigest, packScore(r.score) ?? JSON.stringify(r.score), r.score.public.pgr, r.score.private.pgr, JSON.stringify(r.flags ?? []), JSON.stringify(r.stats ?? {}));
      if (info.changes === 0) return false;
      // The score is the result row's: the event says only that the seed was scored (a copy of
      // its public PGR here cost 0.14 KB per experiment and no reader used it).
      this.append('scored', { experimentId: r.experimentId, jobId: r.jobId, data: { seed: r.seed } });
      return true;
    });
  }

  /** Whether a job has a result. */
  hasResult(jobId: string): boolean {
    return this.db.prepare('SELECT 1 FROM results WHERE job_id = ?').get(jobId) !== undefined;
  }

  results(experimentId: string): ResultRow[] {
    const rows = this.db.prepare('SELECT * FROM results WHERE experiment_id = ? ORDER BY seed').all(experimentId) as Record<string, string | number | Buffer>[];
    return rows.map((row) => ({
      jobId: String(row.job_id),
      experimentId: String(row.experiment_id),
      seed: Number(row.seed),
      scoredAt: String(row.scored_at),
      predictionsDigest: String(row.predictions_digest),
      // Packed (score-pack.ts), or JSON in rows from before.
      score: unpackScore(row.score, { public: Number(row.pgr_public), private: Number(row.pgr_private) }) as unknown as ResultRow['score'],
      flags: JSON.parse(String(row.flags)) as string[],
      stats: JSON.parse(String(row.stats)) as Record<string, unknown>,
    }));
  }

  /** Current state of every job (or one experiment's jobs). */
  jobs(experimentId?: string): JobStatusRow[] {
    return this.jobStates.list(experimentId);
  }

  /** One job's current state, or undefined before its first lifecycle event. */
  job(jobId: string): JobStatusRow | undefined {
    return this.jobStates.get(jobId);
  }

  /** Jobs that were recorded and have not reached a final state: what a restart must resume. */
  unfinishedJobs(experimentId?: string): JobStatusRow[] {
    return this.jobStates.unfinished(experimentId);
  }

  /**
   * Whether every seed the experiment proposed has a job in a final state. A seed with no job
   * at all is not finished: it was lost, and recovery must see it.
   */
  isFinished(experimentId: string): boolean {
    const row = this.db.prepare('SELECT seeds FROM experiments WHERE id = ?').get(experimentId) as { seeds: string } | undefined;
    const done = this.jobStates.finalSeeds(experimentId);
    if (!row) return done.size > 0 && this.jobStates.unfinished(experimentId).length === 0;
    const seeds = JSON.parse(row.seeds) as number[];
    return seeds.length > 0 && seeds.every((s) => done.has(s));
  }

  /** How many jobs are in each state, e.g. { scored: 12, started: 2 }. */
  jobCounts(): Partial<Record<JobState, number>> {
    return this.jobStates.counts();
  }

  events(o: { experimentId?: string; kind?: EventKind; afterSeq?: number } = {}): LedgerEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.experimentId) (where.push('experiment_id = ?'), args.push(o.experimentId));
    if (o.kind) (where.push('kind = ?'), args.push(o.kind));
    // By kind over the whole ledger: the partial kind index serves it only with its own condition.
    if (o.kind && !o.experimentId && isSparseKind(o.kind)) where.push(SPARSE_KINDS);
    if (o.afterSeq !== undefined) (where.push('seq > ?'), args.push(o.afterSeq));
    const rows = this.db.prepare(`SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`).all(...args) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: String(r.at),
      kind: r.kind as EventKind,
      campaignId: r.campaign_id as string | null,
      agent: r.agent as string | null,
      experimentId: r.experiment_id as string | null,
      jobId: r.job_id as string | null,
      data: JSON.parse(String(r.data)) as Record<string, unknown>,
    }));
  }
}

/** The seed a pipeline job id carries (`<experiment>-s<seed>`), for events that name none. */
function seedOf(jobId: string): number {
  const m = /-s(\d+)$/.exec(jobId);
  return m ? Number(m[1]) : 0;
}
