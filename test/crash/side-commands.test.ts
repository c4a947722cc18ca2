import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { crashEnv, dropQueue, type CrashEnv } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';

// A coordinator campaign (`aar run` on BullMQ, two `aar worker`s) while, beside it, a loop runs
// the commands the README tells people to run there: `aar submit --wait` and `aar recover`.
// Every one of these processes listens to the same queue events and may collect results. The
// ledger must come out of it with every job final, nothing scored twice, "finished" recorded
// once per scored job, and every command must return.

const MAX_EXPERIMENTS = 8;
const SIDE_ROUNDS = 3;

let group: ProcessGroup;
let env: CrashEnv;
let ledger: Ledger | undefined;

beforeEach(() => {
  group = new ProcessGroup();
  env = crashEnv({ prefix: 'crash-side' });
  env.env.AAR_FORUM_PORT = '0';
  for (const k of Object.keys(env.env)) if (/^(ANTHROPIC_|SLACK_)/.test(k)) delete env.env[k];
});

afterEach(async () => {
  await group.killAll();
  ledger?.close();
  ledger = undefined;
  await dropQueue(env.redisUrl, env.queueName);
  env.cleanup();
});

async function startWorker(name: string): Promise<Proc> {
  const w = group.aar(name, ['worker', '--concurrency', '1'], env.env);
  return waitUntil(`${name} is ready`, () => {
    if (!w.alive()) throw new Error(`${name} exited:\n${w.output()}`);
    return w.output().includes(' ready: runner w2s') && w;
  }, { timeoutMs: 30_000 });
}

describe('crash: side commands beside a running coordinator', () => {
  it('aar submit --wait and aar recover next to aar run: no job stuck, none scored twice, every command returns', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const logs = () => group.logs();
    // The test's own connection creates the ledger first (no migration race with children).
    ledger = Ledger.open(env.ledgerPath);
    await Promise.all([startWorker('worker A'), startWorker('worker B')]);
    const coordinator = group.aar('coordinator', ['run', '--tasks', 'spam', '--agents', '2', '--max-experiments', String(MAX_EXPERIMENTS), '--json'], env.env);
    await waitUntil('the coordinator has proposed', () => {
      if (!coordinator.alive()) throw new Error(`coordinator exited:\n${logs()}`);
      return ledger!.jobs().length > 0;
    }, { timeoutMs: 60_000, context: logs });

    // Each side command must return by itself: runAar fails the test if one hangs.
    const side: { name: string; code: number | null }[] = [];
    for (let i = 1; i <= SIDE_ROUNDS; i++) {
      // Two submits at once: each listens to the other's jobs too.
      const names = [`submit --wait #${i}a`, `submit --wait #${i}b`, `recover #${i}`];
      const exits = await Promise.all([
        group.runAar(names[0], ['submit', '--task', 'spam', '--method', 'naive', '--seeds', '1,2,3', '--wait', '--json'], env.env, 90_000),
        group.runAar(names[1], ['submit', '--task', 'spam', '--method', 'naive', '--seeds', '1,2,3', '--wait', '--json'], env.env, 90_000),
        group.runAar(names[2], ['recover', '--json'], env.env, 90_000),
      ]);
      exits.forEach((e, k) => side.push({ name: names[k], code: e.code }));
    }
    expect(side.filter((s) => s.code !== 0), logs()).toEqual([]);

    await waitUntil('the coordinator exits', () => !coordinator.alive(), { timeoutMs: 120_000, intervalMs: 200, context: logs });
    expect(await coordinator.exited, coordinator.output()).toEqual({ code: 0, signal: null });

    const db = ledger.db;
    const stuck = ledger.unfinishedJobs().map((j) => `${j.jobId}: ${j.status}`);
    expect(stuck, 'jobs stuck').toEqual([]);
    const experiments = (db.prepare('SELECT id FROM experiments').all() as { id: string }[]).map((r) => r.id);
    expect(experiments.length).toBeGreaterThanOrEqual(MAX_EXPERIMENTS + 2 * SIDE_ROUNDS);
    expect(experiments.filter((id) => !ledger!.isFinished(id)), 'experiments not finished').toEqual([]);
    const twice = (kind: string) => db.prepare('SELECT job_id, COUNT(*) AS n FROM events WHERE kind = ? GROUP BY job_id HAVING n > 1').all(kind);
    expect(twice('scored'), 'scored twice').toEqual([]);
    expect(twice('finished'), 'finished recorded twice').toEqual([]);
    // Every job that did not fail is scored: one results row, and its state says so.
    for (const j of ledger.jobs()) if (j.status !== 'failed') expect(j.status, j.jobId).toBe('scored');
    const results = (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
    expect(results).toBe(ledger.jobs().filter((j) => j.status === 'scored').length);
  });
});
