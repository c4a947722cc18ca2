import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCacheDir } from '../helpers/cache-dir.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';

// One coordinator per ledger. While `aar run` holds a ledger, a second `aar run` (or `aar forum`)
// on it is refused with a message naming the holder; read-only commands still work. After the
// holder is killed with SIGKILL, the next coordinator takes the ledger over by itself.

let home: string;
let group: ProcessGroup;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'aar-one-coordinator-'));
  group = new ProcessGroup();
  env = { ...process.env, AAR_HOME: home, AAR_CACHE_DIR: testCacheDir(), AAR_FORUM_PORT: '0', AAR_THREADS: '1' };
  for (const k of Object.keys(env)) if (/^(ANTHROPIC_|SLACK_|REDIS_URL$)/.test(k)) delete env[k];
});

afterEach(async () => {
  await group.killAll();
  rmSync(home, { recursive: true, force: true });
});

function startRun(name: string): Proc {
  return group.aar(name, ['run', '--tasks', 'spam', '--agents', '1', '--max-minutes', '30'], env);
}

async function started(p: Proc): Promise<void> {
  await waitUntil(`${p.name} has started its campaign`, () => {
    if (!p.alive()) throw new Error(`${p.name} exited:\n${p.output()}`);
    return p.output().includes('· forum at http://');
  }, { timeoutMs: 60_000, context: () => group.logs() });
}

describe('one coordinator per ledger', () => {
  it('refuses a second aar run and aar forum naming the holder; status works; a killed holder is taken over', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const first = startRun('first aar run');
    await started(first);

    for (const args of [['run', '--tasks', 'spam', '--agents', '1', '--max-experiments', '1'], ['forum']]) {
      const second = await group.runAar(`second aar ${args[0]}`, args, env, 45_000);
      expect(second.code, second.output).toBe(1);
      const lines = second.output.trim().split('\n');
      expect(lines, second.output).toHaveLength(1);
      expect(lines[0]).toContain(`aar ${args[0]}: the ledger ${path.join(home, 'ledger.sqlite')} has a coordinator already: aar run, pid ${first.pid} on host ${hostname()}, since 20`);
    }

    const status = await group.runAar('status', ['status', '--json'], env);
    expect(status.code, status.output).toBe(0);
    expect(JSON.parse(status.stdout.trim())).toMatchObject({ ledger: { coordinator: { pid: first.pid, command: 'aar run', host: hostname() } } });

    await first.kill('SIGKILL');
    const next = startRun('next aar run');
    await started(next);
    expect(next.output()).toContain(`took the ledger over from a coordinator that is gone: aar run, pid ${first.pid} on ${hostname()}`);
  });
});
