import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type LedgerError, ledgerError } from './errors.js';
import { damageFound } from './open-database.js';

/**
 * PRAGMA quick_check reads every page of the file: seconds on a ledger of 50,000 experiments.
 * A process that wants to answer at once (the forum) opens the ledger without the check and runs
 * it here instead, on a worker thread with its own read-only connection, so the event loop keeps
 * serving and the damage is still named, as soon as it is found.
 *
 * The worker is plain CommonJS evaluated from a string: it runs the same under `node dist/` and
 * under tsx, and needs nothing but the SQLite driver, whose resolved path it is handed.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  const rows = db.pragma('quick_check(5)');
  parentPort.postMessage({ findings: rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok') });
} catch (err) {
  parentPort.postMessage({ error: { message: String((err && err.message) || err), code: err && err.code } });
} finally {
  try { db && db.close(); } catch {}
}
`;

const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

export interface BackgroundCheck {
  /** Undefined when the file is sound; else the LedgerError naming the damage (never rejects). */
  readonly result: Promise<LedgerError | undefined>;
  /** Stops waiting for it (the process is ending); the result then never names anything. */
  cancel(): void;
}

/** Starts PRAGMA quick_check of the ledger file at `path` off the event loop. */
export function quickCheckInBackground(path: string): BackgroundCheck {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver: DRIVER } });
  // A check still running must not keep a finished process alive.
  worker.unref();
  let settle: (v: LedgerError | undefined) => void = () => {};
  const result = new Promise<LedgerError | undefined>((resolve) => (settle = resolve));
  worker.once('message', (m: { findings?: string[]; error?: { message: string; code?: string } }) => {
    if (m.error) return settle(ledgerError(path, Object.assign(new Error(m.error.message), { code: m.error.code })));
    const findings = m.findings ?? [];
    settle(findings.length ? damageFound(path, findings) : undefined);
  });
  // A worker that could not run the check (out of memory, the driver missing) says so instead of passing the file as sound.
  worker.once('error', (err) => settle(ledgerError(path, err)));
  worker.once('exit', () => settle(undefined));
  return {
    result,
    cancel: () => {
      settle(undefined);
      void worker.terminate();
    },
  };
}
