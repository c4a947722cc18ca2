import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { EventKind, Ledger } from '../../src/ledger/ledger.js';
import { aarKey, redisConnection } from '../../src/queue/redis.js';
import { testCacheDir } from './cache-dir.js';
import { testRedisUrl, uniqueQueueName } from './redis.js';

/** One crash test's world: its own AAR_HOME (ledger), queue name and Redis, the shared feature cache. */
export interface CrashEnv {
  home: string;
  ledgerPath: string;
  queueName: string;
  redisUrl: string;
  /** The environment for `aar` child processes and for loadConfig() in the test process. */
  env: NodeJS.ProcessEnv;
  /** Writes a method JSON file into the home and returns its path. */
  methodFile(name: string, method: Record<string, unknown>): string;
  cleanup(): void;
}

export function crashEnv(o: { prefix: string; redisUrl?: string; threads?: number; reconcileMs?: number }): CrashEnv {
  const home = mkdtempSync(path.join(tmpdir(), `aar-${o.prefix}-`));
  const queueName = uniqueQueueName(o.prefix);
  const redisUrl = o.redisUrl ?? testRedisUrl();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AAR_HOME: home,
    AAR_CACHE_DIR: testCacheDir(),
    REDIS_URL: redisUrl,
    AAR_QUEUE: queueName,
    AAR_STALLED_INTERVAL_MS: '1000',
    AAR_RECONCILE_MS: String(o.reconcileMs ?? 500),
    AAR_THREADS: String(o.threads ?? 1),
  };
  return {
    home,
    ledgerPath: path.join(home, 'ledger.sqlite'),
    queueName,
    redisUrl,
    env,
    methodFile(name, method) {
      const file = path.join(home, `${name}.json`);
      writeFileSync(file, JSON.stringify(method));
      return file;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/**
 * Spam jobs long enough to be killed mid-run, measured on the 2-core test machine:
 * SLOW ~5.7 s alone; MEDIUM ~2.3 s alone, ~3.8 s two at once; QUICK ~1.9 s alone (naive: ~0.2 s).
 */
export const SLOW_METHOD = { name: 'slow', head: { kind: 'mlp', width: 64 }, epochs: 50 } as const;
export const MEDIUM_METHOD = { name: 'medium', head: { kind: 'mlp', width: 64 }, epochs: 20 } as const;
export const QUICK_METHOD = { name: 'quick', head: { kind: 'mlp', width: 32 }, epochs: 20 } as const;

/** Events of one kind for one job. */
export function jobEvents(ledger: Ledger, experimentId: string, jobId: string, kind: EventKind) {
  return ledger.events({ experimentId, kind }).filter((e) => e.jobId === jobId);
}

/** The job's current status in the ledger, or undefined before its first lifecycle event. */
export function jobStatus(ledger: Ledger, jobId: string): string | undefined {
  return ledger.jobs().find((j) => j.jobId === jobId)?.status;
}

/** Rows in the results table for one job, read straight from SQLite (the uniqueness the ledger promises). */
export function resultRows(ledger: Ledger, jobId: string): number {
  return (ledger.db.prepare('SELECT COUNT(*) AS n FROM results WHERE job_id = ?').get(jobId) as { n: number }).n;
}

/** Every job of `experimentId`: status, results rows and 'scored' events, for one-line assertions. */
export function scoreTally(ledger: Ledger, experimentId: string): Record<string, { status: string; results: number; scored: number }> {
  const out: Record<string, { status: string; results: number; scored: number }> = {};
  for (const j of ledger.jobs(experimentId)) {
    out[j.jobId] = { status: j.status, results: resultRows(ledger, j.jobId), scored: jobEvents(ledger, experimentId, j.jobId, 'scored').length };
  }
  return out;
}

/** Removes a test queue's BullMQ and aar keys from the shared Redis (bounded: never hangs a hook). */
export async function dropQueue(redisUrl: string, queueName: string, timeoutMs = 5000): Promise<void> {
  const redis = redisConnection(redisUrl, 'aar-test-cleanup');
  const queue = new Queue(queueName, { connection: redis });
  queue.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    await queue.obliterate({ force: true });
    const keys = await redis.keys(`${aarKey(queueName)}:*`);
    if (keys.length) await redis.del(...keys);
  })();
  try {
    await Promise.race([work, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  } catch {
    // Best effort: a leftover test queue expires with its jobs.
  } finally {
    clearTimeout(timer);
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}
