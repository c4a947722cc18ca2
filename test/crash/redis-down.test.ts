import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCacheDir } from '../helpers/cache-dir.js';
import { freePort, PrivateRedis } from '../helpers/private-redis.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';
import { uniqueQueueName } from '../helpers/redis.js';

// When Redis is not there, the processes that need it say so: `aar worker` names REDIS_URL and
// backs off until Redis answers; the coordinator's live line says Redis is unreachable and for
// how long, and its log says when it is back.

let home: string;
let group: ProcessGroup;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'aar-redis-down-'));
  group = new ProcessGroup();
});

afterEach(async () => {
  await group.killAll();
  rmSync(home, { recursive: true, force: true });
});

function env(redisUrl: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, AAR_HOME: home, AAR_CACHE_DIR: testCacheDir(), REDIS_URL: redisUrl, AAR_QUEUE: uniqueQueueName('redis-down'), AAR_FORUM_PORT: '0', AAR_THREADS: '1', AAR_STALLED_INTERVAL_MS: '1000' };
  for (const k of Object.keys(e)) if (/^(ANTHROPIC_|SLACK_)/.test(k)) delete e[k];
  return e;
}

describe('Redis unreachable', () => {
  it('aar worker names REDIS_URL, backs off, and starts once Redis answers', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const worker = group.aar('worker', ['worker', '--concurrency', '1'], env(url));
    const retry = new RegExp(`cannot reach Redis at ${url.replace(/[.]/g, '\\.')} \\(REDIS_URL\\): ECONNREFUSED; is it running, and is REDIS_URL right\\? Retrying in ([\\d.]+) s \\(attempt (\\d+)\\)`, 'g');
    const waits = await waitUntil('three retries are announced', () => {
      if (!worker.alive()) throw new Error(`worker exited:\n${worker.output()}`);
      const found = [...worker.output().matchAll(retry)].map((m) => ({ seconds: Number(m[1]), attempt: Number(m[2]) }));
      return found.length >= 3 && found;
    }, { timeoutMs: 30_000, context: () => group.logs() });
    expect(waits.slice(0, 3).map((w) => w.attempt)).toEqual([1, 2, 3]);
    // Exponential with jitter: attempt n waits between half and all of 2^(n-1) s.
    waits.slice(0, 3).forEach((w, i) => {
      expect(w.seconds).toBeGreaterThanOrEqual(2 ** i / 2);
      expect(w.seconds).toBeLessThanOrEqual(2 ** i);
    });

    await PrivateRedis.start(group, port);
    await waitUntil('the worker is ready', () => worker.output().includes(' ready: runner w2s'), { timeoutMs: 60_000, context: () => group.logs() });
    expect(worker.output()).toContain(`Redis at ${url} answers now`);
  });

  it('the coordinator says when Redis is unreachable, for how long, and when it is back', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const redis = await PrivateRedis.start(group);
    const run = group.aar('aar run', ['run', '--tasks', 'spam', '--agents', '1', '--max-minutes', '30'], env(redis.url));
    await waitUntil('the campaign has started', () => {
      if (!run.alive()) throw new Error(`aar run exited:\n${run.output()}`);
      return run.output().includes('· forum at http://');
    }, { timeoutMs: 60_000, context: () => group.logs() });

    await redis.kill();
    const line = await waitUntil('the live line says Redis is unreachable', () => run.stdout().split('\n').find((l) => /Redis unreachable for \d+m\d\ds \(REDIS_URL\): jobs wait, nothing is lost/.test(l)), { timeoutMs: 30_000, context: () => group.logs() });
    expect(line).toMatch(/^\[\d+m\d\ds\]/);
    expect(run.output()).toContain('Redis is unreachable (REDIS_URL): jobs wait in the ledger and run when it is back');
    await redis.startServer();
    await waitUntil('the log says Redis is back', () => /Redis is reachable again after \d+ s/.test(run.output()), { timeoutMs: 30_000, context: () => group.logs() });
  });
});
