import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AarError } from '../domain/errors.js';

/** How to get a damaged ledger back; the same advice wherever damage is found. */
export const RESTORE_FIX =
  'stop every aar process using it, then restore the newest copy made by `aar backup` (or salvage it with `sqlite3 FILE ".recover" | sqlite3 NEW`) and move NEW into place';

/**
 * Something is wrong with the ledger file itself. One line: the file, what is wrong, what to do.
 * `reason` is a stable name for the cause (read_only, corrupt, not_a_database, disk_full, io,
 * locked, unknown); `sqliteCode` is SQLite's own code when there is one.
 */
export class LedgerError extends AarError {
  readonly path: string;
  readonly reason: string;
  readonly sqliteCode?: string;

  constructor(path: string, reason: string, problem: string, fix: string, o: { cause?: unknown; sqliteCode?: string } = {}) {
    super('ledger_error', `ledger ${path}: ${problem}. Fix: ${fix}.`, { cause: o.cause });
    this.path = path;
    this.reason = reason;
    this.sqliteCode = o.sqliteCode;
  }
}

/** Whether `err` came from SQLite (better-sqlite3's SqliteError carries a SQLITE_* code). */
export function isSqliteError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_');
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Turns an error met while opening or writing the ledger (SQLite's, or the file system's) into
 * a LedgerError that says what to do. Anything it cannot name keeps SQLite's words, still on
 * one line with the file's path.
 */
export function ledgerError(path: string, err: unknown): LedgerError {
  if (err instanceof LedgerError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const detail = oneLine(err instanceof Error ? err.message : String(err));
  const o = { cause: err, sqliteCode: code.startsWith('SQLITE_') ? code : undefined };
  const dir = dirname(path);
  if (code === 'SQLITE_NOTADB') {
    return new LedgerError(path, 'not_a_database', 'is not an SQLite database (truncated, or some other file)', `${RESTORE_FIX}; or move it away to start an empty ledger`, o);
  }
  if (code.startsWith('SQLITE_CORRUPT')) return new LedgerError(path, 'corrupt', `is damaged (${detail})`, RESTORE_FIX, o);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (code === 'SQLITE_IOERR_WRITE' && /full/i.test(detail))) {
    return new LedgerError(path, 'disk_full', 'the disk is full (the last write was rolled back, nothing recorded is lost)', `free space on the disk holding ${dir}, then run the command again`, o);
  }
  const readOnly = code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM';
  if (readOnly) {
    const where = !existsSync(dir) ? `its folder ${dir} does not exist and cannot be made` : !writable(dir) ? `its folder ${dir} is read-only for this user` : existsSync(path) && !writable(path) ? 'the file is read-only for this user' : `it cannot be opened for writing (${detail})`;
    return new LedgerError(path, 'read_only', where, `make ${dir} and the ledger files in it writable by this user (chmod/chown), or set AAR_HOME to a writable folder`, o);
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return new LedgerError(path, 'locked', `stayed locked by another process beyond the wait (${detail})`, 'run the command again; if it keeps happening, look for a stuck aar process on this ledger (aar status names the coordinator)', o);
  }
  if (code.startsWith('SQLITE_IOERR')) return new LedgerError(path, 'io', `the disk failed a read or write (${code})`, `check the disk and file system holding ${dir}; if the ledger is damaged afterwards, ${RESTORE_FIX}`, o);
  return new LedgerError(path, 'unknown', detail || code || 'unknown error', `if this persists, ${RESTORE_FIX}`, o);
}
