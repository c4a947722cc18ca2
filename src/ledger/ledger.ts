import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AarError } from '../domain/errors.js';
import { APPEND_ONLY_TABLES, MIGRATIONS, appendOnlyTriggers } from './migrations.js';

export type EventKind =
  | 'proposed'
  | 'queued'
  | 'started'
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
  | 'provenance';

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

export type JobState = 'queued' | 'started' | 'finished' | 'failed' | 'retrying' | 'scored' | 'requeued' | 'cancelled';

/** States after which nothing more happens to a job. */
export function isFinal(status: JobState): boolean {
  return status === 'scored' || status === 'failed' || status === 'cancelled';
}

export interface JobStatusRow {
  experimentId: string;
  jobId: string;
  seed: number;
  status: JobState;
  since: string;
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

/**
 * The durable record of everything that happened: SQLite in WAL mode, versioned migrations,
 * facts append-only (triggers refuse UPDATE and DELETE), current state derived in views.
 * The clock is a parameter so tests can control time.
 */
export class Ledger {
  private constructor(
    readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  static open(path: string, o: { now?: () => Date } = {}): Ledger {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    switchToWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Several processes (coordinator, `aar status`) may open the same file.
    db.pragma('busy_timeout = 5000');
    // INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers unless
    // recursive triggers are on; the append-only triggers must see that delete too.
    db.pragma('recursive_triggers = ON');
    migrate(db);
    return new Ledger(db, o.now ?? (() => new Date()));
  }

  close(): void {
    this.db.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  append(kind: EventKind, o: { campaignId?: string; agent?: string; experimentId?: string; jobId?: string; data?: Record<string, unknown> } = {}): number {
    const info = this.db
      .prepare('INSERT INTO events (at, kind, campaign_id, agent, experiment_id, job_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.stamp(), kind, o.campaignId ?? null, o.agent ?? null, o.experimentId ?? null, o.jobId ?? null, JSON.stringify(o.data ?? {}));
    return Number(info.lastInsertRowid);
  }

  /** Records a new experiment (and its hypothesis and lineage) with a `proposed` event. */
  proposeExperiment(e: NewExperiment): void {
    const at = this.stamp();
    this.db.transaction(() => {
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
    })();
  }

  experiment(id: string): ExperimentRow | undefined {
    const row = this.db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as Record<string, string> | undefined;
    if (!row) return undefined;
    const parents = (this.db.prepare('SELECT parent_id FROM experiment_parents WHERE experiment_id = ? ORDER BY parent_id').all(id) as { parent_id: string }[]).map((p) => p.parent_id);
    return {
      id: row.id,
      campaignId: row.campaign_id,
      agent: row.agent,
      task: row.task,
      method: JSON.parse(row.method) as Record<string, unknown>,
      methodTag: row.method_tag,
      seeds: JSON.parse(row.seeds) as number[],
      createdAt: row.created_at,
      parents,
    };
  }

  /**
   * Records a job's result once. Returns false (and records nothing) when the job was already
   * scored: redeliveries and restarts can never score a job twice.
   */
  recordResult(r: NewResult): boolean {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          'INSERT OR IGNORE INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private, flags, stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(r.jobId, r.experimentId, r.seed, this.stamp(), r.predictionsDigest, JSON.stringify(r.score), r.score.public.pgr, r.score.private.pgr, JSON.stringify(r.flags ?? []), JSON.stringify(r.stats ?? {}));
      if (info.changes === 0) return false;
      this.append('scored', { experimentId: r.experimentId, jobId: r.jobId, data: { seed: r.seed, pgrPublic: r.score.public.pgr } });
      return true;
    })();
  }

  results(experimentId: string): ResultRow[] {
    const rows = this.db.prepare('SELECT * FROM results WHERE experiment_id = ? ORDER BY seed').all(experimentId) as Record<string, string | number>[];
    return rows.map((row) => ({
      jobId: String(row.job_id),
      experimentId: String(row.experiment_id),
      seed: Number(row.seed),
      scoredAt: String(row.scored_at),
      predictionsDigest: String(row.predictions_digest),
      score: JSON.parse(String(row.score)) as ResultRow['score'],
      flags: JSON.parse(String(row.flags)) as string[],
      stats: JSON.parse(String(row.stats)) as Record<string, unknown>,
    }));
  }

  /** Current state of every job (or one experiment's jobs), derived from events. */
  jobs(experimentId?: string): JobStatusRow[] {
    const sql = `SELECT experiment_id, job_id, seed, status, since FROM job_status ${experimentId ? 'WHERE experiment_id = ?' : ''} ORDER BY experiment_id, seed`;
    const rows = (experimentId ? this.db.prepare(sql).all(experimentId) : this.db.prepare(sql).all()) as Record<string, string | number>[];
    return rows.map((r) => ({ experimentId: String(r.experiment_id), jobId: String(r.job_id), seed: Number(r.seed), status: r.status as JobState, since: String(r.since) }));
  }

  /** Jobs that were queued and have not reached a final state: what a restart must resume. */
  unfinishedJobs(experimentId?: string): JobStatusRow[] {
    return this.jobs(experimentId).filter((j) => !isFinal(j.status));
  }

  /** Whether an experiment has jobs and every one is in a final state. */
  isFinished(experimentId: string): boolean {
    const jobs = this.jobs(experimentId);
    return jobs.length > 0 && jobs.every((j) => isFinal(j.status));
  }

  /** How many jobs are in each state, e.g. { scored: 12, started: 2 }. */
  jobCounts(): Partial<Record<JobState, number>> {
    const counts: Partial<Record<JobState, number>> = {};
    for (const j of this.jobs()) counts[j.status] = (counts[j.status] ?? 0) + 1;
    return counts;
  }

  events(o: { experimentId?: string; kind?: EventKind; afterSeq?: number } = {}): LedgerEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.experimentId) (where.push('experiment_id = ?'), args.push(o.experimentId));
    if (o.kind) (where.push('kind = ?'), args.push(o.kind));
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

/**
 * Several processes opening a fresh file at the same instant can get SQLITE_BUSY on the WAL
 * switch itself (SQLite does not wait there, busy_timeout or not): retry briefly.
 */
function switchToWal(db: Database.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 20) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25 * attempt);
    }
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  for (const m of MIGRATIONS) {
    if (isApplied.get(m.version)) continue;
    db.transaction(() => {
      // Check again under the write lock: another process may have applied it since.
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
    }).immediate();
  }
  db.exec(APPEND_ONLY_TABLES.map(appendOnlyTriggers).join('\n'));
}
