import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerError, ledgerError, RESTORE_FIX } from './errors.js';
import { APPEND_ONLY_TABLES, MIGRATIONS, appendOnlyTriggers } from './migrations.js';

export interface OpenOptions {
  /**
   * Run PRAGMA quick_check first (default true): damage is named at open, not mid-campaign. A
   * process that passes false runs it another way (`quickCheckInBackground`) or only reads.
   */
  check?: boolean;
}

/**
 * Opens (or creates) the ledger's SQLite file: WAL, pragmas, a quick_check, migrations. Every
 * failure comes out as a LedgerError naming the file, the cause and the fix.
 */
export function openDatabase(path: string, o: OpenOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // A non-database file is only noticed at the first read: make it happen here.
    db.pragma('schema_version');
    if (o.check !== false && path !== ':memory:') quickCheck(db, path);
    switchToWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Several processes (coordinator, `aar submit`, `aar status`) open the same file.
    db.pragma('busy_timeout = 5000');
    // INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers unless
    // recursive triggers are on; the append-only triggers must see that delete too.
    db.pragma('recursive_triggers = ON');
    migrate(db);
    keepStatements(db);
    return db;
  } catch (err) {
    db?.close();
    throw ledgerError(path, err);
  }
}

/** More distinct statements than this (SQL built with a varying number of placeholders) start the cache afresh. */
const STATEMENTS_KEPT = 1000;

/**
 * Makes `db.prepare` return the statement already prepared for the same SQL: preparing costs
 * tens of microseconds and a turn or a scored job runs hundreds of small queries. A statement
 * that is busy (being iterated) is never handed out twice; a fresh one is prepared instead.
 * Nothing in the project changes a statement's modes (pluck, raw, expand, bind), which a shared
 * statement would carry to its next user.
 */
function keepStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const kept = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const stmt = kept.get(sql);
    if (stmt && !stmt.busy) return stmt;
    const fresh = prepare(sql);
    if (!stmt) {
      if (kept.size >= STATEMENTS_KEPT) kept.clear();
      kept.set(sql, fresh);
    }
    return fresh;
  }) as Database.Database['prepare'];
}

/** PRAGMA quick_check: structural damage (a bad page, a broken index) named with SQLite's first finding. */
export function quickCheck(db: Database.Database, path: string, pragma: 'quick_check' | 'integrity_check' = 'quick_check'): void {
  const rows = db.pragma(`${pragma}(5)`) as Record<string, string>[];
  const findings = rows.map((r) => Object.values(r)[0]).filter((v) => v !== 'ok');
  if (findings.length) throw damageFound(path, findings, pragma);
}

/** The LedgerError naming what a check found (SQLite's first finding and how many more), wherever the check ran. */
export function damageFound(path: string, findings: readonly string[], pragma: 'quick_check' | 'integrity_check' = 'quick_check'): LedgerError {
  return new LedgerError(path, 'corrupt', `is damaged (${pragma}: ${findings[0].replace(/\s+/g, ' ')}${findings.length > 1 ? `; ${findings.length - 1} more` : ''})`, RESTORE_FIX);
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
