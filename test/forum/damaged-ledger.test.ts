import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quickCheckInBackground } from '../../src/ledger/background-check.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ProcessGroup } from '../helpers/processes.js';

// `aar forum` does not check the whole ledger file before it answers (seconds at 50,000
// experiments): the check runs on a worker thread beside it. Damage must still be named, by
// the same one line and exit status as a check at open.

let dir: string;
let group: ProcessGroup;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aar-forum-damage-'));
  group = new ProcessGroup();
});

afterEach(async () => {
  await group.killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A closed ledger with a few thousand events; `damage` overwrites one page in its middle. */
function ledgerFile(home: string, o: { damage: boolean }): string {
  mkdirSync(home, { recursive: true });
  const file = path.join(home, 'ledger.sqlite');
  const l = Ledger.open(file);
  l.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1] });
  for (let i = 0; i < 3000; i++) l.append('message', { data: { text: 'x'.repeat(120), i } });
  // Old data nothing reads at the forum's start, written last so it fills the file's last pages:
  // damage there is found by the check alone, wherever the ledger's own tables happen to lie.
  l.db.exec("CREATE TABLE old_data (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO old_data SELECT printf('%0200d', i) FROM n;");
  l.close();
  if (o.damage) {
    const pages = Math.floor(statSync(file).size / 4096);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * (pages - 3));
    closeSync(fd);
  }
  return file;
}

describe('the ledger check beside the forum', () => {
  it('passes a sound ledger, even while another connection has it open', async () => {
    const file = ledgerFile(path.join(dir, 'ok'), { damage: false });
    const open = Ledger.open(file, { check: false });
    try {
      expect(await quickCheckInBackground(file).result).toBeUndefined();
    } finally {
      open.close();
    }
  });

  it('names a damaged page as the check at open does', async () => {
    const file = ledgerFile(path.join(dir, 'bad'), { damage: true });
    const found = await quickCheckInBackground(file).result;
    expect(found?.reason).toBe('corrupt');
    expect(found?.message).toContain(`ledger ${file}: is damaged (`);
    // The same words as a check at open.
    expect(() => Ledger.open(file)).toThrow(`ledger ${file}: is damaged (`);
  });

  it('a check cancelled because the process is ending names nothing, even on a damaged file', async () => {
    const file = ledgerFile(path.join(dir, 'bad'), { damage: true });
    const check = quickCheckInBackground(file);
    check.cancel();
    expect(await check.result).toBeUndefined();
  });

  it('names a file that is not a database', async () => {
    const file = path.join(dir, 'foreign.sqlite');
    writeFileSync(file, 'this is a log file, not a ledger\n'.repeat(200));
    expect((await quickCheckInBackground(file).result)?.reason).toBe('not_a_database');
  });

  it('aar forum on a damaged ledger answers first, then stops with the damage named in one line and exit 1', async () => {
    const home = path.join(dir, 'home');
    const file = ledgerFile(home, { damage: true });
    const env: NodeJS.ProcessEnv = { ...process.env, AAR_HOME: home, AAR_FORUM_PORT: '0' };
    delete env.REDIS_URL;
    delete env.SLACK_BOT_TOKEN;
    const r = await group.runAar('forum', ['forum'], env);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/aar forum: open http:\/\/127\.0\.0\.1:\d+\//);
    const err = r.output;
    expect(err.split('\n').filter((l) => l.includes('is damaged')), err).toHaveLength(1);
    expect(err).toContain(`aar forum: ledger ${file}: is damaged (`);
    expect(err).toContain('aar backup');
    expect(err).not.toMatch(/\n\s+at |SqliteError/);
  });
});
