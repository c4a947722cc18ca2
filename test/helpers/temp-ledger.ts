import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPEND_ONLY_TABLES, appendOnlyTriggers, MIGRATIONS } from '../../src/ledger/migrations.js';

/** A ledger file in a fresh temporary folder of its own, so tests never share state. */
export function tempLedgerPath(prefix = 'aar-test-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'ledger.sqlite');
}

/**
 * A ledger file as the code before migration `version` left it: the earlier migrations and the
 * append-only triggers of the tables they made, open for raw writes. Opening it with
 * `Ledger.open` then runs `version` and what follows, as an upgrade does.
 */
export function ledgerBefore(version: number, path: string): Database.Database {
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((m) => m.version < version)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(m.version, 'then');
  }
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all());
  db.exec(APPEND_ONLY_TABLES.filter((t) => tables.has(t)).map(appendOnlyTriggers).join('\n'));
  return db;
}
