import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { crashEnv, dropQueue, scoreTally, type CrashEnv } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';
import { StallProxy } from '../helpers/stall-proxy.js';

// `aar submit` dies with SIGKILL at each step of a proposal: before any of its seeds reached
// Redis, between two seeds, before the last one. It talks to Redis through a proxy that stalls
// at the first command naming seed k's job (the look-up before its enqueue), so the kill lands
// exactly there. Afterwards `aar recover --wait`, on a direct connection, must find every seed
// the proposal recorded and have it scored: no seed of any proposed experiment may be lost.

const SEEDS = [1, 2, 3];

let group: ProcessGroup;
let env: CrashEnv;
let proxy: StallProxy;
let ledger: Ledger | undefined;

beforeEach(async () => {
  group = new ProcessGroup();
  env = crashEnv({ prefix: 'crash-submit' });
  proxy = await StallProxy.start(env.redisUrl);
});

afterEach(async () => {
  await group.killAll();
  ledger?.close();
  ledger = undefined;
  await proxy.close();
  await dropQueue(env.redisUrl, env.queueName);
  env.cleanup();
});

async function startWorker(): Promise<Proc> {
  const w = group.aar('worker', ['worker', '--concurrency', '1'], env.env);
  return waitUntil('the worker is ready', () => {
    if (!w.alive()) throw new Error(`worker exited:\n${w.output()}`);
    return w.output().includes(' ready: runner w2s') && w;
  }, { timeoutMs: 30_000 });
}

describe('crash: kill -9 of aar submit at every step of a proposal', () => {
  it('after aar recover, every seed of every proposed experiment is scored once', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const logs = () => group.logs();
    // The test's own connection creates the ledger first (no migration race with children).
    ledger = Ledger.open(env.ledgerPath);
    await startWorker();
    const viaProxy = { ...env.env, REDIS_URL: proxy.url };

    for (const k of SEEDS) {
      // Stall at the first command that names seed k's job: seeds before k are enqueued.
      const pattern = Buffer.from(`-s${k}\r\n`);
      proxy.stallWhen((chunk) => chunk.includes(pattern));
      const submit = group.aar(`submit (killed before seed ${k})`, ['submit', '--task', 'spam', '--method', 'naive', '--seeds', SEEDS.join(','), '--json'], viaProxy);
      await waitUntil(`submit is stalled before seed ${k}`, () => {
        if (!submit.alive()) throw new Error(`submit exited before the stall:\n${submit.output()}`);
        return proxy.held() > 0;
      }, { timeoutMs: 30_000, intervalMs: 20, context: logs });
      expect((await submit.kill('SIGKILL')).signal).toBe('SIGKILL');
      proxy.reset();
    }

    const recover = await group.runAar('recover --wait', ['recover', '--wait', '--json'], env.env, 90_000);
    expect(recover.code, recover.output).toBe(0);
    const report = JSON.parse(recover.stdout.trim().split('\n').at(-1)!) as { unfinished: number };
    expect(report.unfinished).toBe(0);

    const experiments = (ledger.db.prepare('SELECT id, seeds FROM experiments ORDER BY rowid').all() as { id: string; seeds: string }[]).map((r) => ({ id: r.id, seeds: JSON.parse(r.seeds) as number[] }));
    // Each killed submit had recorded its proposal (it stalled on Redis, after the ledger).
    expect(experiments).toHaveLength(SEEDS.length);
    const lost: string[] = [];
    for (const e of experiments) {
      expect(e.seeds).toEqual(SEEDS);
      const tally = scoreTally(ledger, e.id);
      for (const seed of e.seeds) {
        const t = tally[`${e.id}-s${seed}`];
        if (!t) lost.push(`${e.id} seed ${seed}`);
        else expect(t, `${e.id} seed ${seed}`).toEqual({ status: 'scored', results: 1, scored: 1 });
      }
      expect(ledger.isFinished(e.id)).toBe(true);
    }
    expect(lost, 'seeds lost').toEqual([]);
  });
});
