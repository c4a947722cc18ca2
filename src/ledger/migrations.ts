/**
 * Versioned schema migrations, applied in order inside one transaction each. Never edit a
 * shipped migration: add a new one. Facts are append-only, enforced by triggers, so no code
 * path (or bot) can edit or delete a record.
 */
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        campaign_id TEXT,
        agent TEXT,
        experiment_id TEXT,
        job_id TEXT,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_by_experiment ON events (experiment_id, seq);
      CREATE INDEX events_by_job ON events (job_id, seq);
      CREATE INDEX events_by_kind ON events (kind, seq);

      CREATE TABLE campaigns (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL DEFAULT '{}');
      CREATE TABLE agents (id TEXT PRIMARY KEY, campaign_id TEXT, created_at TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, direction TEXT);
      CREATE TABLE hypotheses (id TEXT PRIMARY KEY, campaign_id TEXT, agent TEXT, created_at TEXT NOT NULL, text TEXT NOT NULL);
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        campaign_id TEXT,
        agent TEXT,
        hypothesis_id TEXT REFERENCES hypotheses (id),
        created_at TEXT NOT NULL,
        task TEXT NOT NULL,
        method TEXT NOT NULL,
        method_tag TEXT,
        seeds TEXT NOT NULL
      );
      CREATE TABLE experiment_parents (
        experiment_id TEXT NOT NULL REFERENCES experiments (id),
        parent_id TEXT NOT NULL REFERENCES experiments (id),
        PRIMARY KEY (experiment_id, parent_id)
      );
      -- One row per job, ever: the primary key is what makes "scored exactly once" hold.
      CREATE TABLE results (
        job_id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments (id),
        seed INTEGER NOT NULL,
        scored_at TEXT NOT NULL,
        predictions_digest TEXT NOT NULL,
        score TEXT NOT NULL,
        pgr_public REAL NOT NULL,
        pgr_private REAL NOT NULL,
        flags TEXT NOT NULL DEFAULT '[]',
        stats TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX results_by_experiment ON results (experiment_id);
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread_id TEXT,
        author TEXT NOT NULL,
        author_kind TEXT NOT NULL CHECK (author_kind IN ('human', 'agent', 'system')),
        text TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE vetoes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('veto', 'unveto', 'approve')),
        target TEXT NOT NULL,
        who TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE usage (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        agent TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        cache_read_tokens INTEGER NOT NULL DEFAULT 0,
        usd REAL NOT NULL
      );

      -- Current state of each job, derived from its latest lifecycle event.
      CREATE VIEW job_status AS
        SELECT e.experiment_id, e.job_id, CAST(json_extract(e.data, '$.seed') AS INTEGER) AS seed,
               CASE WHEN e.kind = 'failed' AND json_extract(e.data, '$.final') = 0 THEN 'retrying' ELSE e.kind END AS status,
               e.at AS since, e.data AS data
        FROM events e
        WHERE e.seq = (SELECT MAX(seq) FROM events x WHERE x.job_id = e.job_id
                       AND x.kind IN ('queued', 'started', 'finished', 'failed', 'scored', 'requeued', 'cancelled'));
    `,
  },
  {
    version: 2,
    // A job's seed came from its latest lifecycle event, so an event written without one
    // (say a bare 'started') made the job read as seed 0 and recovery re-ran the wrong seed.
    // The seed now falls back to the earliest event of the job that carries one.
    sql: `
      DROP VIEW job_status;
      CREATE VIEW job_status AS
        SELECT e.experiment_id, e.job_id,
               CAST(COALESCE(json_extract(e.data, '$.seed'),
                             (SELECT json_extract(s.data, '$.seed') FROM events s
                              WHERE s.job_id = e.job_id AND json_extract(s.data, '$.seed') IS NOT NULL
                              ORDER BY s.seq LIMIT 1)) AS INTEGER) AS seed,
               CASE WHEN e.kind = 'failed' AND json_extract(e.data, '$.final') = 0 THEN 'retrying' ELSE e.kind END AS status,
               e.at AS since, e.data AS data
        FROM events e
        WHERE e.seq = (SELECT MAX(seq) FROM events x WHERE x.job_id = e.job_id
                       AND x.kind IN ('queued', 'started', 'finished', 'failed', 'scored', 'requeued', 'cancelled'));
    `,
  },
  {
    version: 3,
    // The forum outbox: every post and edit is written here before it is delivered, and each
    // delivery is its own fact, so after a crash or an outage what was not delivered still is.
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        thread_key TEXT,
        post TEXT NOT NULL
      );
      CREATE TABLE outbox_deliveries (key TEXT PRIMARY KEY REFERENCES outbox (key), at TEXT NOT NULL, ref TEXT NOT NULL);
      CREATE TABLE outbox_edits (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL REFERENCES outbox (key), at TEXT NOT NULL, post TEXT NOT NULL);
      CREATE TABLE outbox_edit_deliveries (seq INTEGER PRIMARY KEY REFERENCES outbox_edits (seq), at TEXT NOT NULL);
    `,
  },
  {
    version: 4,
    // Model spend, one row per API reply. The request id is unique so a reply recorded twice
    // (a retried write, a replayed turn) is counted once. Supersedes the unused `usage` table,
    // which had no request id to make that hold.
    sql: `
      CREATE TABLE llm_usage (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        campaign_id TEXT,
        agent TEXT NOT NULL,
        purpose TEXT NOT NULL,
        model TEXT NOT NULL,
        request_id TEXT NOT NULL UNIQUE,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        cache_read_tokens INTEGER NOT NULL DEFAULT 0,
        usd REAL NOT NULL
      );
      CREATE INDEX llm_usage_by_agent ON llm_usage (agent, at);
      CREATE INDEX llm_usage_by_campaign ON llm_usage (campaign_id, at);
    `,
  },
  {
    version: 5,
    // Each scored job's student predictions on the public half (one byte per item, in the
    // label vault's public order), so the score desk can tell a near-duplicate submission, which
    // would reveal single labels through the change in its score, and answer it with the earlier
    // job's score instead.
    sql: `
      CREATE TABLE public_predictions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL UNIQUE REFERENCES results (job_id),
        experiment_id TEXT NOT NULL REFERENCES experiments (id),
        agent TEXT,
        task TEXT NOT NULL,
        seed INTEGER NOT NULL,
        at TEXT NOT NULL,
        classes BLOB NOT NULL
      );
      CREATE INDEX public_predictions_by_group ON public_predictions (agent, task, seed, seq);
    `,
  },
  {
    version: 6,
    // A job's state was its latest lifecycle event, so two processes reporting the same queue
    // event (a coordinator and `aar submit --wait`) could put a scored job back to "finished" or
    // "started" for good. States now live in a table kept by a checked state machine, written
    // in the same transaction as each event (see job-states.ts). Existing ledgers are carried
    // over, and a job that has a result is scored whatever its latest event said: that heals
    // the jobs the old rule left stuck. The view keeps its name and columns for readers.
    sql: `
      CREATE TABLE job_states (
        job_id TEXT PRIMARY KEY,
        experiment_id TEXT,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL,
        since TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      CREATE INDEX job_states_by_experiment ON job_states (experiment_id, seed);
      CREATE INDEX job_states_unfinished ON job_states (status) WHERE status NOT IN ('scored', 'failed', 'cancelled');
      INSERT INTO job_states (job_id, experiment_id, seed, status, since, seq)
        SELECT v.job_id, v.experiment_id, COALESCE(v.seed, 0),
               CASE WHEN r.job_id IS NOT NULL THEN 'scored' ELSE v.status END,
               COALESCE(r.scored_at, v.since),
               (SELECT MAX(seq) FROM events x WHERE x.job_id = v.job_id)
        FROM job_status v LEFT JOIN results r ON r.job_id = v.job_id;
      DROP VIEW job_status;
      CREATE VIEW job_status AS SELECT experiment_id, job_id, seed, status, since FROM job_states;
      -- Outbox edits are looked up by post key (latest content, pending edits).
      CREATE INDEX outbox_edits_by_key ON outbox_edits (key, seq);
    `,
  },
  {
    version: 7,
    // One coordinator per ledger: the row (there is at most one) names who holds the ledger,
    // and its heartbeat says whether the holder is still there. Not a fact: it is replaced when
    // a stale holder is taken over and deleted on release (see coordinator-lock.ts).
    sql: `
      CREATE TABLE coordinator_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        command TEXT NOT NULL,
        since TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 8,
    // The first time the outbox sent each post. A post with an attempt but no delivery may be in
    // the forum already (the answer timed out, or the process died waiting for it): before
    // sending it again the outbox looks for it (Slack: by the key in the message's metadata).
    sql: `
      CREATE TABLE outbox_attempts (key TEXT PRIMARY KEY REFERENCES outbox (key), at TEXT NOT NULL);
    `,
  },
  {
    version: 9,
    // Agents read the forum newest first and page back by (time, key): these make each page
    // touch only its own rows, however long the forum grows.
    sql: `
      CREATE INDEX messages_by_time ON messages (at, id);
      CREATE INDEX experiments_by_time ON experiments (created_at, id);
      CREATE INDEX experiments_by_agent ON experiments (agent, created_at);
    `,
  },
  {
    version: 10,
    // Costs that must not grow with the campaign. Per-experiment event lookups by kind (flags,
    // claims) were planned on the kind index and scanned every event of that kind; a campaign's
    // experiments were counted by a scan. What the outbox still has to send is kept in two
    // small tables (not facts: rows leave when delivered) instead of an anti-join over every
    // post and edit ever made, on every flush. The forum's place in the ledger survives a
    // restart, so starting it does not replay every event.
    sql: `
      CREATE INDEX events_by_experiment_kind ON events (experiment_id, kind, seq);
      CREATE INDEX experiments_by_campaign ON experiments (campaign_id);
      CREATE TABLE outbox_pending_posts (key TEXT PRIMARY KEY REFERENCES outbox (key), seq INTEGER NOT NULL);
      INSERT INTO outbox_pending_posts (key, seq)
        SELECT o.key, o.seq FROM outbox o LEFT JOIN outbox_deliveries d ON d.key = o.key WHERE d.key IS NULL;
      CREATE TABLE outbox_pending_edits (key TEXT PRIMARY KEY REFERENCES outbox (key), seq INTEGER NOT NULL);
      INSERT INTO outbox_pending_edits (key, seq)
        SELECT e.key, MAX(e.seq) FROM outbox_edits e GROUP BY e.key
        HAVING MAX(e.seq) NOT IN (SELECT seq FROM outbox_edit_deliveries);
      CREATE TABLE forum_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
    `,
  },
  {
    version: 11,
    // The local forum starts with the newest threads of each channel and pages back: each page
    // reads only its threads (roots by channel, replies by root) instead of every post ever made.
    sql: `
      CREATE INDEX outbox_roots_by_channel ON outbox (json_extract(post, '$.channel'), seq) WHERE thread_key IS NULL;
      CREATE INDEX outbox_by_thread ON outbox (thread_key, seq);
      CREATE INDEX outbox_deliveries_by_ref ON outbox_deliveries (ref);
    `,
  },
  {
    version: 12,
    // Storage that fits a month of campaigns. Public predictions are packed (bits, item count;
    // rows from before stay one byte per class, bits 8). Delivered progress edits that a later
    // delivered edit superseded are deleted: they are renderings of events the ledger keeps, not
    // facts, so outbox_edits and their deliveries leave the append-only set. events_by_experiment
    // is the leading column pair of events_by_experiment_kind, which serves the same lookups.
    sql: `
      ALTER TABLE public_predictions ADD COLUMN bits INTEGER NOT NULL DEFAULT 8;
      ALTER TABLE public_predictions ADD COLUMN items INTEGER;
      DROP TRIGGER IF EXISTS outbox_edits_no_update;
      DROP TRIGGER IF EXISTS outbox_edits_no_delete;
      DROP TRIGGER IF EXISTS outbox_edit_deliveries_no_update;
      DROP TRIGGER IF EXISTS outbox_edit_deliveries_no_delete;
      DROP INDEX IF EXISTS events_by_experiment;
    `,
  },
  {
    version: 30,
    // Findings and votes (src/findings) are messages and events, so no new table: these partial
    // indexes make "the votes on one finding" and "the newest findings of a type" touch only
    // their own rows, however many messages and events the campaign has.
    sql: `
      CREATE INDEX IF NOT EXISTS events_votes_by_target ON events (json_extract(data, '$.target'), seq) WHERE kind = 'vote';
      CREATE INDEX IF NOT EXISTS messages_findings_by_type ON messages (json_extract(data, '$.finding.type'), at) WHERE json_extract(data, '$.finding.type') IS NOT NULL;
    `,
  },
  {
    version: 40,
    // Weak teacher and ceiling per (task, seed), from a trusted baselines job (the trainer's
    // trusted phase, never a method job): scoring reads them here. The first write is the fact.
    sql: `
      CREATE TABLE trusted_baselines (
        task TEXT NOT NULL,
        seed INTEGER NOT NULL,
        at TEXT NOT NULL,
        weak TEXT NOT NULL,
        ceiling TEXT NOT NULL,
        weak_train TEXT NOT NULL,
        PRIMARY KEY (task, seed)
      );
    `,
  },
  {
    version: 45,
    // The poison-pill guard (issue 15): how many times each job was started, and how many of
    // those runs lost their runner (its process died or stopped answering while it held the job).
    // Kept with the job's state so the guard survives a Redis that forgot the job: a job whose
    // runners died twice is failed as the method's fault, never handed to yet another worker.
    sql: `
      ALTER TABLE job_states ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE job_states ADD COLUMN lost_runs INTEGER NOT NULL DEFAULT 0;
      UPDATE job_states SET attempts = (SELECT COUNT(*) FROM events e WHERE e.job_id = job_states.job_id AND e.kind = 'started');
    `,
  },
  {
    version: 50,
    // What agents are told of scores (src/scoring/ladder.ts) and their scoring budget live here,
    // not in memory, so a restart neither forgets an agent's best nor refills its budget. The
    // Ladder's answers are derived from results in their recorded order (the cursor), once.
    sql: `
      CREATE TABLE ladder_answers (
        job_id TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        task TEXT NOT NULL,
        seed INTEGER NOT NULL,
        answer REAL,
        new_best INTEGER NOT NULL
      );
      CREATE TABLE ladder_best (agent TEXT NOT NULL, task TEXT NOT NULL, seed INTEGER NOT NULL, best REAL NOT NULL, PRIMARY KEY (agent, task, seed));
      CREATE TABLE ladder_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), result_rowid INTEGER NOT NULL);
      CREATE TABLE score_budget (agent TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE score_reveals (agent TEXT NOT NULL, job_id TEXT NOT NULL, PRIMARY KEY (agent, job_id));
    `,
  },
  {
    version: 55,
    // Vetoes and lineage by behaviour compare an experiment's predictions with a vetoed one's
    // seed by seed: this reads one experiment's rows without scanning every prediction stored.
    sql: `
      CREATE INDEX IF NOT EXISTS public_predictions_by_experiment ON public_predictions (experiment_id, seed);
    `,
  },
  {
    version: 60,
    // A veto names an experiment or a method tag, and lineage is walked from parents to children:
    // without these, each scored experiment's lineage check scanned every experiment once per
    // veto target and every parent link once per step of the walk (issue 16).
    sql: `
      CREATE INDEX IF NOT EXISTS experiments_by_method_tag ON experiments (method_tag);
      CREATE INDEX IF NOT EXISTS experiment_parents_by_parent ON experiment_parents (parent_id, experiment_id);
    `,
  },
  {
    version: 61,
    // Each turn reads the newest human messages (guidance): without this it walked every message
    // newest first, and a campaign where people say little walked the whole forum every turn.
    sql: `
      CREATE INDEX IF NOT EXISTS messages_by_author_kind ON messages (author_kind, at);
    `,
  },
  {
    version: 75,
    // What the people's board needs of each experiment, kept by the ledger as it is written: the
    // forum's panel reads the top rows of each task from an index and counts the rest there, where
    // it read every experiment's results, job states and flags at start (8 s at 50,000
    // experiments). Sums, not means: the panel re-reads exact means for the rows it shows.
    // An experiment is finished when every planned seed is final (as Ledger.isFinished says); job
    // moves that neither reach nor leave a final state leave the board as it is (no write).
    sql: `
      CREATE TABLE rank_board (
        experiment_id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        seeds INTEGER NOT NULL,
        final_seeds INTEGER NOT NULL DEFAULT 0,
        scored INTEGER NOT NULL DEFAULT 0,
        sum_private REAL NOT NULL DEFAULT 0,
        flagged_seeds INTEGER NOT NULL DEFAULT 0,
        last_seed INTEGER,
        scored_at TEXT
      );
      CREATE INDEX rank_board_by_private ON rank_board (task, sum_private / scored DESC) WHERE scored > 0 AND seeds > 0 AND final_seeds >= seeds;
      CREATE INDEX rank_board_by_time ON rank_board (task, scored_at, experiment_id) WHERE scored > 0 AND seeds > 0 AND final_seeds >= seeds;
      CREATE INDEX rank_board_flagged ON rank_board (experiment_id) WHERE flagged_seeds > 0;
      INSERT INTO rank_board (experiment_id, task, seeds) SELECT id, task, (SELECT COUNT(DISTINCT value) FROM json_each(seeds)) FROM experiments ORDER BY rowid;
      UPDATE rank_board SET
        final_seeds = (SELECT COUNT(DISTINCT j.seed) FROM job_states j WHERE j.experiment_id = rank_board.experiment_id AND j.status IN ('scored', 'failed', 'cancelled')
          AND j.seed IN (SELECT value FROM json_each((SELECT seeds FROM experiments WHERE id = rank_board.experiment_id)))),
        scored = (SELECT COUNT(*) FROM results r WHERE r.experiment_id = rank_board.experiment_id),
        sum_private = COALESCE((SELECT SUM(pgr_private) FROM results r WHERE r.experiment_id = rank_board.experiment_id), 0),
        flagged_seeds = (SELECT COUNT(*) FROM results r WHERE r.experiment_id = rank_board.experiment_id AND r.flags <> '[]'),
        last_seed = (SELECT MAX(seed) FROM results r WHERE r.experiment_id = rank_board.experiment_id),
        scored_at = (SELECT r.scored_at FROM results r WHERE r.experiment_id = rank_board.experiment_id ORDER BY r.seed DESC, r.rowid DESC LIMIT 1);
      CREATE TRIGGER rank_board_experiment AFTER INSERT ON experiments BEGIN
        INSERT OR IGNORE INTO rank_board (experiment_id, task, seeds, final_seeds) VALUES (NEW.id, NEW.task, (SELECT COUNT(DISTINCT value) FROM json_each(NEW.seeds)),
          (SELECT COUNT(DISTINCT j.seed) FROM job_states j WHERE j.experiment_id = NEW.id AND j.status IN ('scored', 'failed', 'cancelled') AND j.seed IN (SELECT value FROM json_each(NEW.seeds))));
      END;
      CREATE TRIGGER rank_board_result AFTER INSERT ON results BEGIN
        UPDATE rank_board SET
          scored = scored + 1,
          sum_private = sum_private + NEW.pgr_private,
          flagged_seeds = flagged_seeds + (NEW.flags <> '[]'),
          scored_at = CASE WHEN last_seed IS NULL OR NEW.seed >= last_seed THEN NEW.scored_at ELSE scored_at END,
          last_seed = MAX(COALESCE(last_seed, NEW.seed), NEW.seed)
        WHERE experiment_id = NEW.experiment_id;
      END;
      CREATE TRIGGER rank_board_job_added AFTER INSERT ON job_states WHEN NEW.experiment_id IS NOT NULL AND NEW.status IN ('scored', 'failed', 'cancelled') BEGIN
        UPDATE rank_board SET final_seeds = (SELECT COUNT(DISTINCT j.seed) FROM job_states j WHERE j.experiment_id = NEW.experiment_id AND j.status IN ('scored', 'failed', 'cancelled')
          AND j.seed IN (SELECT value FROM json_each((SELECT seeds FROM experiments WHERE id = NEW.experiment_id))))
        WHERE experiment_id = NEW.experiment_id;
      END;
      CREATE TRIGGER rank_board_job_moved AFTER UPDATE ON job_states
        WHEN NEW.experiment_id IS NOT NULL AND (NEW.status IN ('scored', 'failed', 'cancelled') OR OLD.status IN ('scored', 'failed', 'cancelled'))
          AND (NEW.status IS NOT OLD.status OR NEW.seed IS NOT OLD.seed OR NEW.experiment_id IS NOT OLD.experiment_id) BEGIN
        UPDATE rank_board SET final_seeds = (SELECT COUNT(DISTINCT j.seed) FROM job_states j WHERE j.experiment_id = NEW.experiment_id AND j.status IN ('scored', 'failed', 'cancelled')
          AND j.seed IN (SELECT value FROM json_each((SELECT seeds FROM experiments WHERE id = NEW.experiment_id))))
        WHERE experiment_id = NEW.experiment_id;
      END;
    `,
  },
  {
    version: 76,
    // The local forum's highest post ref (l-<n>), read at each start so no ref is handed out
    // twice: without this it walked every delivery (150,000 at 50,000 experiments).
    sql: `
      CREATE INDEX IF NOT EXISTS outbox_deliveries_local_ref ON outbox_deliveries (CAST(SUBSTR(ref, 3) AS INTEGER)) WHERE ref LIKE 'l-%';
    `,
  },
  {
    version: 80,
    // Bytes per experiment (issue 16). Progress moves out of the append-only events into
    // job_progress (job-progress.ts): one row per running job, gone when the job ends. It was
    // 10 of 35 events per experiment, with their index entries 1.9 KB of 14 KB. Progress is not a
    // fact (DESIGN: facts are proposals, results, messages, vetoes, usage): this one-off clean-up
    // deletes the old progress events, with the delete trigger dropped for it (the ledger puts it
    // back at open). The latest progress of jobs still running is carried over. events_by_job
    // goes too: its one reader (GPU hours in spend.ts) now joins a job's events through its
    // experiment, on events_by_experiment_kind. events_by_kind becomes partial: the four kinds
    // every job writes (queued, started, finished, scored: 20 of 25 events per experiment) are
    // read per experiment or after a seq, never by kind alone over the whole ledger. A query
    // by any other kind repeats the index's condition (SPARSE_KINDS in event-kinds.ts), which
    // is what lets SQLite use a partial index. Indexes go before the delete, so it updates fewer.
    sql: `
      CREATE TABLE job_progress (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL UNIQUE,
        experiment_id TEXT,
        seed INTEGER NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX job_progress_by_experiment ON job_progress (experiment_id);
      INSERT INTO job_progress (job_id, experiment_id, seed, at, data)
        SELECT e.job_id, e.experiment_id, j.seed, e.at, e.data
        FROM job_states j INDEXED BY job_states_unfinished JOIN events e ON e.seq = (SELECT MAX(p.seq) FROM events p WHERE p.experiment_id = j.experiment_id AND p.kind = 'progress' AND p.job_id = j.job_id)
        WHERE j.status NOT IN ('scored', 'failed', 'cancelled')
        ORDER BY e.seq;
      DROP INDEX IF EXISTS events_by_job;
      DROP INDEX IF EXISTS events_by_kind;
      DROP TRIGGER IF EXISTS events_no_delete;
      DELETE FROM events WHERE kind = 'progress';
      CREATE INDEX events_by_sparse_kind ON events (kind, seq) WHERE kind NOT IN ('queued', 'started', 'finished', 'scored');
    `,
  },
  {
    version: 81,
    // Bytes per experiment, continued. Public predictions are read after a seq (the near-duplicate
    // guard) and per experiment (vetoes by behaviour), and the per-experiment read now goes through
    // the experiment's results (results_by_experiment, then each job's row): the by-group index
    // has had no reader since the guard reads by seq, and the by-experiment one duplicated that
    // path. 0.27 KB per experiment.
    sql: `
      DROP INDEX IF EXISTS public_predictions_by_group;
      DROP INDEX IF EXISTS public_predictions_by_experiment;
    `,
  },
  {
    version: 82,
    // A public-predictions row's time was never read (its result's scored_at says when): 24
    // bytes per seed, 0.11 KB per experiment, which takes the ledger under 10,000 bytes per
    // experiment. SQLite rewrites the rows without it, once (23 ms at 2,000 experiments). The
    // column comes back empty and nullable, which costs no byte per row: an older aar still
    // open on the ledger, or run on it again, names it in its insert and would fail there.
    sql: `
      ALTER TABLE public_predictions DROP COLUMN at;
      ALTER TABLE public_predictions ADD COLUMN at TEXT;
    `,
  },
];

/** Tables whose rows are facts: no UPDATE, no DELETE, ever. */
export const APPEND_ONLY_TABLES = [
  'events',
  'campaigns',
  'agents',
  'hypotheses',
  'experiments',
  'experiment_parents',
  'results',
  'messages',
  'vetoes',
  'usage',
  'outbox',
  'outbox_deliveries',
  'outbox_attempts',
  'llm_usage',
  'public_predictions',
  'trusted_baselines',
  'ladder_answers',
  'score_reveals',
];

export function appendOnlyTriggers(table: string): string {
  return `
    CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table}
      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: ${table} rows cannot be changed'); END;
    CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: ${table} rows cannot be deleted'); END;`;
}
