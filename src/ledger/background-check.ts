import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { type LedgerError, ledgerError } from './errors.js';
import { damageFound } from './open-database.js';

/**
 * PRAGMA quick_check reads every page of the file: seconds on a ledger of 50,000 experiments.
 * A process that wants to answer at once (the forum) opens the ledger without the check and runs
 * it here instead, in a child process with its own read-only connection, so the event loop keeps
 * serving and the damage is still named, as soon as it is found. A child process, not a worker
 * thread: a check inside SQLite cannot be interrupted, and a process exiting waits for its
 * worker threads, so stopping the forum during the check took as long as the check; a child is
 * killed at once.
 *
 * The child runs plain CommonJS from a string: the same under `node dist/` and under tsx, needing
 * nothing but the SQLite driver, whose resolved path it is handed.
 */
const CHILD_SOURCE = `
const Database = require(process.env.AAR_CHECK_DRIVER);
let db;
let out;
try {
  db = new Database(process.env.AAR_CHECK_PATH, { readonly: true, fileMustExist: true });
  const rows = db.pragma('quick_check(5)');
  out = { findings: rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok') };
} catch (err) {
  out = { error: { message: String((err && err.message) || err), code: err && err.code } };
} finally {
  try { db && db.close(); } catch {}
}
process.stdout.write(JSON.stringify(out));
`;

const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

export interface BackgroundCheck {
  /** Undefined when the file is sound; else the LedgerError naming the damage (never rejects). */
  readonly result: Promise<LedgerError | undefined>;
  /** Stops the check (the process is ending); the result then never names anything. */
  cancel(): void;
}

/** Starts PRAGMA quick_check of the ledger file at `path` off the event loop. */
export function quickCheckInBackground(path: string): BackgroundCheck {
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { env: { ...process.env, AAR_CHECK_PATH: path, AAR_CHECK_DRIVER: DRIVER }, stdio: ['ignore', 'pipe', 'pipe'] });
  // A check still running must not keep a finished process alive.
  child.unref();
  let settle: (v: LedgerError | undefined) => void = () => {};
  let cancelled = false;
  const result = new Promise<LedgerError | undefined>((resolve) => (settle = resolve));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 2000)));
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  child.once('error', (e) => settle(cancelled ? undefined : ledgerError(path, e)));
  child.once('close', (code) => {
    if (cancelled) return settle(undefined);
    let m: { findings?: string[]; error?: { message: string; code?: string } } | undefined;
    try {
      m = JSON.parse(out) as typeof m;
    } catch {
      // A check that could not run (out of memory, the driver missing) says so instead of passing the file as sound.
      return settle(ledgerError(path, new Error(`the check of the file could not run (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`)));
    }
    if (m?.error) return settle(ledgerError(path, Object.assign(new Error(m.error.message), { code: m.error.code })));
    const findings = m?.findings ?? [];
    settle(findings.length ? damageFound(path, findings) : undefined);
  });
  return {
    result,
    cancel: () => {
      cancelled = true;
      settle(undefined);
      child.kill('SIGKILL');
    },
  };
}
