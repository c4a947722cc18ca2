import { describe, expect, it } from 'vitest';
import { ledgerError } from '../../src/ledger/errors.js';

// What each kind of SQLite failure is called and what the one line tells people to do. The
// real files (damaged, foreign, read-only) are exercised end to end in test/cli/ledger-errors.

const err = (code: string, message = 'sqlite says no') => Object.assign(new Error(message), { code });

describe('ledgerError', () => {
  it('names the file, the cause and the fix in one line for each kind of failure', () => {
    const cases: [string, string, RegExp][] = [
      ['SQLITE_FULL', 'disk_full', /disk is full.*Fix: free space/],
      ['SQLITE_CORRUPT', 'corrupt', /is damaged.*aar backup/],
      ['SQLITE_NOTADB', 'not_a_database', /not an SQLite database.*move it away/],
      ['SQLITE_BUSY', 'locked', /locked by another process.*run the command again/],
      ['SQLITE_IOERR_READ', 'io', /disk failed a read or write \(SQLITE_IOERR_READ\).*check the disk/],
      ['SQLITE_READONLY', 'read_only', /AAR_HOME/],
      ['SQLITE_MISMATCH', 'unknown', /sqlite says no/],
    ];
    for (const [code, reason, text] of cases) {
      const e = ledgerError('/data/aar/ledger.sqlite', err(code, 'sqlite says\nno'));
      expect(e, code).toMatchObject({ code: 'ledger_error', reason, path: '/data/aar/ledger.sqlite' });
      expect(e.message, code).toMatch(/^ledger \/data\/aar\/ledger\.sqlite: /);
      expect(e.message, code).toMatch(text);
      expect(e.message, code).not.toContain('\n');
      expect(e.cause).toBeInstanceOf(Error);
    }
  });
});
