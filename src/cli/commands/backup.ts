import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../../config/env.js';
import { InvalidInputError } from '../../domain/errors.js';
import { ledgerError } from '../../ledger/errors.js';
import { Ledger } from '../../ledger/ledger.js';
import { quickCheck } from '../../ledger/open-database.js';
import { parseFlags } from '../args.js';

export const BACKUP_USAGE = `aar backup [--out FILE] [--json]

Writes a consistent copy of the ledger with SQLite's online backup API: safe while a
coordinator, workers' collectors or other commands are writing it. The copy is then checked
in full (PRAGMA integrity_check). To restore, stop every aar process and put the copy in
place of $AAR_HOME/ledger.sqlite (removing ledger.sqlite-wal and -shm).
  --out   where to write the copy (default $AAR_HOME/backups/ledger-<time>.sqlite); must not exist
  --json  print {"backup", "bytes", "events", "check"}`;

export async function backupCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('backup', argv, { out: { type: 'string' }, json: { type: 'boolean', default: false } });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = resolve(flags.out ?? join(config.home, 'backups', `ledger-${stamp}.sqlite`));
  if (existsSync(target)) throw new InvalidInputError('arguments', [{ field: '--out', problem: `${target} exists; name a new file (a backup never overwrites one)` }]);
  if (!existsSync(config.ledgerPath)) throw new InvalidInputError('environment', [{ field: 'AAR_HOME', problem: `no ledger at ${config.ledgerPath} to back up` }]);
  const ledger = Ledger.open(config.ledgerPath);
  try {
    mkdirSync(dirname(target), { recursive: true });
    await ledger.db.backup(target).catch((err: unknown) => {
      throw ledgerError(target, err);
    });
  } finally {
    ledger.close();
  }
  // The copy is checked in full (not just quick_check): this is the copy someone restores from.
  const copy = Ledger.open(target, { check: false });
  let events: number;
  try {
    quickCheck(copy.db, target, 'integrity_check');
    events = (copy.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    copy.close();
  }
  const bytes = statSync(target).size;
  out.write(flags.json ? `${JSON.stringify({ backup: target, bytes, events, check: 'ok' })}\n` : `backed up ${config.ledgerPath} to ${target}: ${bytes} bytes, ${events} events, integrity_check ok\n`);
}
