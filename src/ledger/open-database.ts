import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { APPEND_ONLY_TABLES, MIGRATIONS, appendOnlyTriggers } from './migrations.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OpenOptions {}

/** Opens (or creates) the ledger's SQLite file: WAL, pragmas, migrations. */
export function openDatabase(path: string, _o: OpenOptions = {}): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  {
    switchToWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Several processes (coordinator, `aar submit`, `aar status`) open the same file.
    db.pragma('busy_timeout = 5000');
    // INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers unless
    // recursive triggers are on; the append-only triggers must see that delete too.
    db.pragma('recursive_triggers = ON');
    migrate(db);
    return db;
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
