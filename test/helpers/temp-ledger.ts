import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A ledger file in a fresh temporary folder of its own, so tests never share state. */
export function tempLedgerPath(prefix = 'aar-test-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'ledger.sqlite');
}
