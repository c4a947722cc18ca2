import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ProcessGroup, ROOT } from '../helpers/processes.js';

// A ledger that cannot be used says so in one line: which file, what is wrong, what to do.
// Damage is found when the ledger is opened (PRAGMA quick_check), not at the end of a campaign.
// And `aar backup` writes the consistent copy those messages tell people to restore from.

let dir: string;
let group: ProcessGroup;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aar-ledger-errors-'));
  chmodSync(dir, 0o755);
  group = new ProcessGroup();
});

afterEach(async () => {
  await group.killAll();
  rmSync(dir, { recursive: true, force: true });
});

function env(home: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, AAR_HOME: home };
  delete e.REDIS_URL;
  return e;
}

/** A ledger with a few thousand events, closed (so its WAL is folded into the file). */
function filledLedger(home: string): string {
  const file = path.join(home, 'ledger.sqlite');
  const l = Ledger.open(file);
  l.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1] });
  for (let i = 0; i < 3000; i++) l.append('message', { data: { text: 'x'.repeat(120), i } });
  l.close();
  return file;
}

/** Asserts a failed run printed exactly one line to stderr and returns it. */
function oneLine(r: { code: number | null; output: string; stdout: string }): string {
  expect(r.code, r.output).toBe(1);
  const err = r.output.slice(r.stdout.length).trimEnd();
  expect(err.split('\n'), err).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at |SqliteError/);
  return err;
}

describe('ledger errors at the command line', () => {
  it('a ledger with one corrupted page is refused at open, naming the file and how to restore it', async () => {
    const home = path.join(dir, 'home');
    const file = filledLedger(home);
    const pages = Math.floor(statSync(file).size / 4096);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * Math.floor(pages / 2));
    closeSync(fd);
    // `aar recover` opens the ledger to write, as a coordinator does: the whole file is checked.
    const line = oneLine(await group.runAar('recover', ['recover'], env(home)));
    expect(line).toContain(`aar recover: ledger ${file}: is damaged`);
    expect(line).toContain('aar backup');
  });

  it('a file that is not a database (truncated to nothing, or foreign) gets the same kind of line', async () => {
    const home = path.join(dir, 'home');
    mkdirSync(home);
    const file = path.join(home, 'ledger.sqlite');
    writeFileSync(file, 'this is a log file, not a ledger\n'.repeat(200));
    const line = oneLine(await group.runAar('status', ['status'], env(home)));
    expect(line).toMatch(new RegExp(`^aar status: ledger ${file}: is not an SQLite database .*Fix: `));
  });

  it('a read-only folder names the folder and says to make it writable or set AAR_HOME', async () => {
    const home = path.join(dir, 'home');
    filledLedger(home);
    // Root can write anywhere: the command runs as nobody, for whom the folder is read-only.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(home, 0o555);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'submit', '--task', 'spam', '--method', 'naive', '--seeds', '1'], {
      cwd: ROOT,
      env: { ...env(home), HOME: dir },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (!asRoot) chmodSync(home, 0o755);
    const line = oneLine({ code, output: stdout + stderr, stdout });
    expect(line).toContain(`ledger ${path.join(home, 'ledger.sqlite')}: `);
    expect(line).toMatch(/read-only/);
    expect(line).toContain('AAR_HOME');
  });

  it('aar backup writes a consistent, fully checked copy that opens as a ledger with every event', async () => {
    const home = path.join(dir, 'home');
    filledLedger(home);
    const out = path.join(dir, 'copy.sqlite');
    const r = await group.runAar('backup', ['backup', '--out', out, '--json'], env(home));
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ backup: out, events: 3001, check: 'ok' });
    const copy = Ledger.open(out);
    try {
      expect(copy.experiment('e1')?.seeds).toEqual([1]);
      expect(copy.events({ kind: 'message' })).toHaveLength(3000);
    } finally {
      copy.close();
    }
    // A backup never overwrites.
    const again = await group.runAar('backup', ['backup', '--out', out], env(home));
    expect(again.code).toBe(2);
    expect(again.output).toContain('exists');
  });
});
