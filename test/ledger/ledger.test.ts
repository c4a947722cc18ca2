import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AarError } from '../../src/domain/errors.js';
import { Ledger, type NewResult } from '../../src/ledger/ledger.js';
import { MIGRATIONS } from '../../src/ledger/migrations.js';

// Every test gets its own SQLite file in a fresh temp dir and a clock that moves only when told.
let dir: string;
let file: string;
let t: number;
const clock = () => new Date(t);
const tick = (ms = 1000) => {
  t += ms;
};
const opened: Ledger[] = [];
function open(p = file): Ledger {
  const l = Ledger.open(p, { now: clock });
  opened.push(l);
  return l;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aar-ledger-'));
  file = path.join(dir, 'nested', 'ledger.sqlite');
  t = Date.UTC(2025, 0, 1, 12, 0, 0);
});

afterEach(() => {
  for (const l of opened.splice(0)) if (l.db.open) l.close();
  rmSync(dir, { recursive: true, force: true });
});

const method = { name: 'confidence-weighting', lr: 0.01 };

function propose(l: Ledger, id: string, extra: Partial<Parameters<Ledger['proposeExperiment']>[0]> = {}): void {
  l.proposeExperiment({ id, task: 'sentiment', method, seeds: [1, 2], ...extra });
}

function result(jobId: string, experimentId: string, seed: number, pgr = 0.5): NewResult {
  return { jobId, experimentId, seed, predictionsDigest: `sha256:${jobId}`, score: { public: { pgr }, private: { pgr: pgr - 0.1 } } };
}

function count(l: Ledger, sql: string, ...args: unknown[]): number {
  return (l.db.prepare(sql).get(...args) as { n: number }).n;
}

/**
 * Starts another process that opens the ledger file with plain better-sqlite3, runs `script`
 * (which calls lock() once it holds its lock; lock() then blocks it for 400 ms), and resolves
 * once it holds the lock, to a promise of its exit code.
 */
async function lockHolder(script: string, env: Record<string, string> = {}): Promise<Promise<number | null>> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const D = require('better-sqlite3'); const db = new D(process.argv[1]);
       const lock = () => { console.log('locked'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); };
       ${script} db.close();`,
      file,
    ],
    { cwd: process.cwd(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited (${String(code)}) before locking`)));
  });
  return exited;
}

describe('opening', () => {
  it('applies migrations once, in WAL mode, and keeps data across reopen', () => {
    const a = open();
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = () => a.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(versions().map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    propose(a, 'e1');
    a.close();

    const b = open();
    expect(b.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(b.experiment('e1')?.task).toBe('sentiment');
    expect(count(b, 'SELECT COUNT(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS) expect(count(b, 'SELECT COUNT(*) AS n FROM schema_migrations WHERE version = ?', m.version)).toBe(1);
    b.close();

    // A third open still finds exactly one row per version (the second did not re-apply).
    const c = open();
    expect(count(c, 'SELECT COUNT(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length);
    expect(c.events({ kind: 'proposed' })).toHaveLength(1);
  });

  it('upgrades a file written by an older version, keeping its data', () => {
    // Build a file as the first release left it: only migration 1 applied.
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    old.exec(MIGRATIONS[0].sql);
    old.prepare("INSERT INTO schema_migrations VALUES (1, 'then')").run();
    old.prepare("INSERT INTO experiments (id, created_at, task, method, seeds) VALUES ('e1', 'then', 'sentiment', '{}', '[3]')").run();
    old.prepare(`INSERT INTO events (at, kind, experiment_id, job_id, data) VALUES ('then', 'queued', 'e1', 'e1:3', '{"seed":3}')`).run();
    old.prepare("INSERT INTO events (at, kind, experiment_id, job_id) VALUES ('then', 'started', 'e1', 'e1:3')").run();
    old.close();

    const l = open();
    expect(count(l, 'SELECT COUNT(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length);
    expect(count(l, "SELECT COUNT(*) AS n FROM schema_migrations WHERE applied_at = 'then'")).toBe(1);
    expect(l.experiment('e1')?.seeds).toEqual([3]);
    expect(l.jobs().map((j) => [j.jobId, j.seed, j.status])).toEqual([['e1:3', 3, 'started']]);
  });

  it('waits for another process holding a lock instead of failing', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const holder = await lockHolder(`db.exec('CREATE TABLE IF NOT EXISTS held (x)'); db.exec('BEGIN EXCLUSIVE'); lock();
      db.exec('COMMIT');`);
    const l = open();
    expect(l.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(await holder).toBe(0);
  });

  it('opens cleanly while another process is applying the same migration', async () => {
    // Coordinator and `aar status` may both find a fresh file: the one that comes second must
    // wait for the first's migration and then not apply it again.
    mkdirSync(path.dirname(file), { recursive: true });
    const holder = await lockHolder(
      `db.pragma('journal_mode = WAL');
       db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
       db.exec('BEGIN IMMEDIATE'); lock();
       db.exec(process.env.AAR_TEST_SQL); db.exec("INSERT INTO schema_migrations VALUES (1, 'other')"); db.exec('COMMIT');`,
      { AAR_TEST_SQL: MIGRATIONS[0].sql },
    );
    const l = open();
    expect(await holder).toBe(0);
    expect(l.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, applied_at: m.version === 1 ? 'other' : expect.any(String) })),
    );
    propose(l, 'e1');
    expect(l.experiment('e1')?.id).toBe('e1');
  });

  it('creates the parent directory of the file', () => {
    const l = open(path.join(dir, 'a', 'b', 'c', 'l.sqlite'));
    expect(l.events()).toEqual([]);
  });

  it('stamps records with the injected clock', () => {
    const l = open();
    propose(l, 'e1');
    expect(l.experiment('e1')?.createdAt).toBe('2025-01-01T12:00:00.000Z');
    tick(60_000);
    l.append('queued', { experimentId: 'e1', jobId: 'e1:1', data: { seed: 1 } });
    expect(l.events({ kind: 'queued' })[0].at).toBe('2025-01-01T12:01:00.000Z');
  });
});

describe('proposeExperiment', () => {
  it('records the experiment, its hypothesis and lineage, and a proposed event', () => {
    const l = open();
    propose(l, 'p1');
    propose(l, 'p2');
    l.proposeExperiment({
      id: 'child',
      task: 'sentiment',
      method: { name: 'bootstrap', rounds: 3 },
      seeds: [7, 8, 9],
      campaignId: 'c1',
      agent: 'a1',
      hypothesis: { id: 'h1', text: 'bootstrapping helps' },
      parents: ['p2', 'p1'],
    });

    const e = l.experiment('child');
    expect(e).toEqual({
      id: 'child',
      campaignId: 'c1',
      agent: 'a1',
      task: 'sentiment',
      method: { name: 'bootstrap', rounds: 3 },
      methodTag: 'bootstrap',
      seeds: [7, 8, 9],
      createdAt: '2025-01-01T12:00:00.000Z',
      parents: ['p1', 'p2'],
    });
    expect(l.experiment('p1')?.parents).toEqual([]);
    expect(l.experiment('missing')).toBeUndefined();

    const hyp = l.db.prepare('SELECT h.text FROM experiments e JOIN hypotheses h ON h.id = e.hypothesis_id WHERE e.id = ?').get('child') as { text: string };
    expect(hyp.text).toBe('bootstrapping helps');

    const proposed = l.events({ experimentId: 'child', kind: 'proposed' });
    expect(proposed).toHaveLength(1);
    expect(proposed[0]).toMatchObject({ kind: 'proposed', campaignId: 'c1', agent: 'a1', experimentId: 'child', jobId: null, data: { task: 'sentiment', seeds: [7, 8, 9] } });
  });

  it('refuses the same id twice with duplicate_experiment and records nothing more', () => {
    const l = open();
    propose(l, 'e1');
    let err: unknown;
    try {
      propose(l, 'e1', { seeds: [99] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AarError);
    expect((err as AarError).code).toBe('duplicate_experiment');
    expect((err as AarError).message).toContain('e1');
    expect(l.experiment('e1')?.seeds).toEqual([1, 2]);
    expect(l.events({ kind: 'proposed' })).toHaveLength(1);
  });

  it('rejects a parent that does not exist, leaving no trace of the experiment', () => {
    const l = open();
    propose(l, 'real');
    expect(() => propose(l, 'orphan', { parents: ['real', 'ghost'], hypothesis: { id: 'h-orphan', text: 'x' } })).toThrow(/FOREIGN KEY/);
    expect(l.experiment('orphan')).toBeUndefined();
    expect(count(l, 'SELECT COUNT(*) AS n FROM experiment_parents')).toBe(0);
    expect(count(l, "SELECT COUNT(*) AS n FROM hypotheses WHERE id = 'h-orphan'")).toBe(0);
    expect(l.events({ experimentId: 'orphan' })).toEqual([]);
    // The id is still free afterwards.
    propose(l, 'orphan', { parents: ['real'] });
    expect(l.experiment('orphan')?.parents).toEqual(['real']);
  });
});

describe('append-only', () => {
  function seeded(): Ledger {
    const l = open();
    propose(l, 'e1', { hypothesis: { id: 'h1', text: 'h' } });
    propose(l, 'e2', { parents: ['e1'] });
    l.recordResult(result('e1:1', 'e1', 1));
    l.db.prepare("INSERT INTO messages (id, at, channel, author, author_kind, text) VALUES ('m1', 'now', '#lab', 'a1', 'agent', 'hi')").run();
    l.db.prepare("INSERT INTO vetoes (at, action, target, who) VALUES ('now', 'veto', 'e1', 'human')").run();
    l.db.prepare("INSERT INTO usage (at, agent, model, input_tokens, output_tokens, usd) VALUES ('now', 'a1', 'm', 1, 2, 0.01)").run();
    l.db.prepare("INSERT INTO campaigns (id, created_at, name) VALUES ('c1', 'now', 'camp')").run();
    l.db.prepare("INSERT INTO agents (id, created_at, kind, name) VALUES ('a1', 'now', 'researcher', 'Ada')").run();
    return l;
  }

  const cases: [table: string, update: string][] = [
    ['events', "UPDATE events SET kind = 'scored'"],
    ['experiments', "UPDATE experiments SET task = 'other'"],
    ['results', 'UPDATE results SET pgr_public = 1'],
    ['messages', "UPDATE messages SET text = 'edited'"],
    ['vetoes', "UPDATE vetoes SET action = 'unveto'"],
    ['usage', 'UPDATE usage SET usd = 0'],
    ['hypotheses', "UPDATE hypotheses SET text = 'edited'"],
    ['experiment_parents', "UPDATE experiment_parents SET parent_id = 'e2'"],
    ['campaigns', "UPDATE campaigns SET name = 'x'"],
    ['agents', "UPDATE agents SET name = 'x'"],
  ];

  it.each(cases)('refuses UPDATE and DELETE on %s', (table, update) => {
    const l = seeded();
    const before = count(l, `SELECT COUNT(*) AS n FROM ${table}`);
    expect(before).toBeGreaterThan(0);
    const snapshot = l.db.prepare(`SELECT * FROM ${table}`).all();
    expect(() => l.db.prepare(update).run()).toThrow(/append-only/);
    expect(() => l.db.prepare(`DELETE FROM ${table}`).run()).toThrow(/append-only/);
    expect(l.db.prepare(`SELECT * FROM ${table}`).all()).toEqual(snapshot);
  });

  it('refuses INSERT OR REPLACE, which would delete the old row', () => {
    const l = seeded();
    // REPLACE deletes the conflicting row, and SQLite fires delete triggers for that only when
    // recursive triggers are on: without them a job's score could be silently overwritten.
    const before = l.db.prepare("SELECT * FROM results WHERE job_id = 'e1:1'").get();
    let threw = false;
    try {
      l.db
        .prepare("INSERT OR REPLACE INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private) VALUES ('e1:1', 'e1', 1, 'later', 'd', '{}', 1, 1)")
        .run();
    } catch (e) {
      threw = true;
      expect(String(e)).toMatch(/append-only/);
    }
    expect(threw).toBe(true);
    expect(l.db.prepare("SELECT * FROM results WHERE job_id = 'e1:1'").get()).toEqual(before);
  });

  it('keeps refusing after a reopen', () => {
    seeded().close();
    const l = open();
    expect(() => l.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
  });
});

describe('recordResult', () => {
  it('records a job once: true the first time, false for the same job again', () => {
    const l = open();
    propose(l, 'e1');
    expect(l.recordResult(result('e1:1', 'e1', 1, 0.4))).toBe(true);
    tick();
    expect(l.recordResult(result('e1:1', 'e1', 1, 0.9))).toBe(false);
    expect(l.recordResult({ ...result('e1:1', 'e1', 1, 0.9), predictionsDigest: 'other' })).toBe(false);

    expect(count(l, "SELECT COUNT(*) AS n FROM results WHERE job_id = 'e1:1'")).toBe(1);
    const scored = l.events({ kind: 'scored' }).filter((e) => e.jobId === 'e1:1');
    expect(scored).toHaveLength(1);
    expect(scored[0].data).toEqual({ seed: 1 });

    const rows = l.results('e1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ jobId: 'e1:1', seed: 1, predictionsDigest: 'sha256:e1:1', score: { public: { pgr: 0.4 } }, flags: [], stats: {}, scoredAt: '2025-01-01T12:00:00.000Z' });
  });

  it('keeps flags and stats and orders results by seed', () => {
    const l = open();
    propose(l, 'e1');
    l.recordResult({ ...result('e1:2', 'e1', 2), flags: ['slow'], stats: { ms: 12 } });
    l.recordResult(result('e1:1', 'e1', 1));
    expect(l.results('e1').map((r) => [r.seed, r.flags, r.stats])).toEqual([
      [1, [], {}],
      [2, ['slow'], { ms: 12 }],
    ]);
  });

  it('rejects a result for an unknown experiment', () => {
    const l = open();
    expect(() => l.recordResult(result('x:1', 'x', 1))).toThrow(/FOREIGN KEY/);
    expect(l.events()).toEqual([]);
  });
});

describe('job status', () => {
  it('is derived from lifecycle events: queued, started, retrying, finished, scored', () => {
    const l = open();
    propose(l, 'e1');
    const job = { experimentId: 'e1', jobId: 'e1:1' };
    const status = () => l.jobs('e1').map((j) => [j.jobId, j.seed, j.status]);

    l.append('queued', { ...job, data: { seed: 1 } });
    expect(status()).toEqual([['e1:1', 1, 'queued']]);
    expect(l.unfinishedJobs().map((j) => j.jobId)).toEqual(['e1:1']);

    tick();
    l.append('started', { ...job, data: { seed: 1 } });
    expect(status()).toEqual([['e1:1', 1, 'started']]);
    expect(l.jobs('e1')[0].since).toBe('2025-01-01T12:00:01.000Z');

    tick();
    l.append('failed', { ...job, data: { seed: 1, final: false } });
    expect(status()).toEqual([['e1:1', 1, 'retrying']]);
    expect(l.unfinishedJobs().map((j) => j.jobId)).toEqual(['e1:1']);

    tick();
    l.append('started', { ...job, data: { seed: 1 } });
    expect(status()).toEqual([['e1:1', 1, 'started']]);
    // Progress and chat events do not change a job's state.
    l.append('progress', { ...job, data: { pct: 50 } });
    expect(status()).toEqual([['e1:1', 1, 'started']]);

    tick();
    l.append('finished', { ...job, data: { seed: 1 } });
    expect(status()).toEqual([['e1:1', 1, 'finished']]);
    // Finished but not scored: a restart must still score it.
    expect(l.unfinishedJobs().map((j) => j.jobId)).toEqual(['e1:1']);

    tick();
    expect(l.recordResult(result('e1:1', 'e1', 1))).toBe(true);
    expect(status()).toEqual([['e1:1', 1, 'scored']]);
    expect(l.jobs('e1')[0].since).toBe('2025-01-01T12:00:05.000Z');
    expect(l.unfinishedJobs()).toEqual([]);
  });

  it('keeps the seed from the queued event when later events carry none', () => {
    const l = open();
    propose(l, 'e1');
    const job = { experimentId: 'e1', jobId: 'e1:2' };
    l.append('queued', { ...job, data: { seed: 2 } });
    l.append('started', job);
    expect(l.jobs('e1').map((j) => [j.seed, j.status])).toEqual([[2, 'started']]);
    l.append('failed', { ...job, data: { final: false } });
    expect(l.jobs('e1').map((j) => [j.seed, j.status])).toEqual([[2, 'retrying']]);
  });

  it('lists as unfinished only jobs not scored, finally failed or cancelled', () => {
    const l = open();
    propose(l, 'e1', { seeds: [1, 2, 3, 4, 5, 6] });
    propose(l, 'e2');
    const q = (exp: string, seed: number) => l.append('queued', { experimentId: exp, jobId: `${exp}:${seed}`, data: { seed } });
    for (const s of [1, 2, 3, 4, 5, 6]) q('e1', s);
    q('e2', 1);

    l.append('failed', { experimentId: 'e1', jobId: 'e1:1', data: { seed: 1, final: true } });
    l.append('failed', { experimentId: 'e1', jobId: 'e1:2', data: { seed: 2, final: false } });
    l.append('cancelled', { experimentId: 'e1', jobId: 'e1:3', data: { seed: 3 } });
    l.recordResult(result('e1:4', 'e1', 4));
    l.append('started', { experimentId: 'e1', jobId: 'e1:5', data: { seed: 5 } });
    l.append('requeued', { experimentId: 'e1', jobId: 'e1:6', data: { seed: 6 } });
    // A failure without a `final` flag is final: only an explicit final:false retries.
    l.append('failed', { experimentId: 'e2', jobId: 'e2:1', data: { seed: 1 } });

    expect(l.jobs().map((j) => [j.jobId, j.status])).toEqual([
      ['e1:1', 'failed'],
      ['e1:2', 'retrying'],
      ['e1:3', 'cancelled'],
      ['e1:4', 'scored'],
      ['e1:5', 'started'],
      ['e1:6', 'requeued'],
      ['e2:1', 'failed'],
    ]);
    expect(l.jobs('e2').map((j) => j.jobId)).toEqual(['e2:1']);
    expect(l.unfinishedJobs().map((j) => j.jobId)).toEqual(['e1:2', 'e1:5', 'e1:6']);
  });
});

describe('events', () => {
  it('filters by experiment, kind and afterSeq, in sequence order', () => {
    const l = open();
    propose(l, 'e1');
    propose(l, 'e2');
    l.append('queued', { experimentId: 'e1', jobId: 'e1:1', data: { seed: 1 } });
    l.append('queued', { experimentId: 'e2', jobId: 'e2:1', data: { seed: 1 } });
    l.append('message', { agent: 'a1', data: { text: 'hello' } });
    l.append('started', { experimentId: 'e1', jobId: 'e1:1', data: { seed: 1 } });

    const all = l.events();
    expect(all.map((e) => e.kind)).toEqual(['proposed', 'proposed', 'queued', 'queued', 'message', 'started']);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    expect(l.events({ experimentId: 'e1' }).map((e) => e.kind)).toEqual(['proposed', 'queued', 'started']);
    expect(l.events({ kind: 'queued' }).map((e) => e.experimentId)).toEqual(['e1', 'e2']);
    expect(l.events({ experimentId: 'e2', kind: 'queued' })).toHaveLength(1);

    const cut = all[2].seq;
    expect(l.events({ afterSeq: cut }).map((e) => e.kind)).toEqual(['queued', 'message', 'started']);
    expect(l.events({ afterSeq: cut, experimentId: 'e1' }).map((e) => e.kind)).toEqual(['started']);
    expect(l.events({ afterSeq: cut, kind: 'proposed' })).toEqual([]);
    expect(l.events({ afterSeq: all[all.length - 1].seq })).toEqual([]);
    expect(l.events({ afterSeq: 0 })).toHaveLength(all.length);

    const msg = l.events({ kind: 'message' })[0];
    expect(msg).toMatchObject({ agent: 'a1', experimentId: null, jobId: null, campaignId: null, data: { text: 'hello' } });
  });

  it('append returns the new sequence number', () => {
    const l = open();
    const a = l.append('message', { data: { n: 1 } });
    const b = l.append('message', { data: { n: 2 } });
    expect(b).toBeGreaterThan(a);
    expect(l.events({ afterSeq: a }).map((e) => e.seq)).toEqual([b]);
  });
});

describe('two instances on one file', () => {
  it("see each other's writes", () => {
    const a = open();
    const b = open();
    propose(a, 'from-a');
    expect(b.experiment('from-a')?.id).toBe('from-a');
    propose(b, 'from-b', { parents: ['from-a'] });
    expect(a.experiment('from-b')?.parents).toEqual(['from-a']);

    a.append('queued', { experimentId: 'from-a', jobId: 'from-a:1', data: { seed: 1 } });
    expect(b.unfinishedJobs().map((j) => j.jobId)).toEqual(['from-a:1']);
    expect(b.recordResult(result('from-a:1', 'from-a', 1))).toBe(true);
    // The other instance cannot score the same job again.
    expect(a.recordResult(result('from-a:1', 'from-a', 1, 0.99))).toBe(false);
    expect(a.jobs().map((j) => j.status)).toEqual(['scored']);
    expect(a.events().map((e) => e.seq)).toEqual(b.events().map((e) => e.seq));

    expect(() => propose(b, 'from-a')).toThrow(expect.objectContaining({ code: 'duplicate_experiment' }));
  });

  it('a reader opened with plain better-sqlite3 sees committed writes (WAL)', () => {
    const l = open();
    const raw = new Database(file, { readonly: true });
    try {
      propose(l, 'e1');
      expect((raw.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).toBe(1);
    } finally {
      raw.close();
    }
  });
});
