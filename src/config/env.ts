import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../domain/validate.js';

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every environment variable aar reads, in one place. All optional: the embedded default needs none. */
const EnvSchema = z.object({
  AAR_HOME: z.string().min(1).default('.aar'),
  AAR_CACHE_DIR: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a URL such as redis://127.0.0.1:6379')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  AAR_QUEUE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -').default('aar-experiments'),
  AAR_STALLED_INTERVAL_MS: intFrom(500, 600_000).default(5000),
  AAR_JOB_TIMEOUT_MS: intFrom(1000, 7 * 24 * 3600_000).default(30 * 60_000),
  AAR_JOB_ATTEMPTS: intFrom(1, 20).default(3),
  AAR_RECONCILE_MS: intFrom(200, 3600_000).default(5000),
  AAR_THREADS: intFrom(1, 256).optional(),
  AAR_TRAINER: z.string().min(1).optional(),
  AAR_DATA_DIR: z.string().min(1).optional(),
});

export interface Config {
  /** Where aar keeps its state (ledger, reports) and, by default, its caches. */
  home: string;
  /** Feature and baseline caches: safe to delete, rebuilt on demand. */
  cacheDir: string;
  ledgerPath: string;
  /** Set: BullMQ on Redis with `aar worker` processes. Unset: jobs run in-process. */
  redisUrl?: string;
  queueName: string;
  stalledIntervalMs: number;
  jobTimeoutMs: number;
  jobAttempts: number;
  /** How often a coordinator re-checks unfinished jobs against the queue (Redis restarts, lost events). */
  reconcileMs: number;
  /** Worker threads for in-process w2s jobs: one per core by default. */
  threads: number;
  /** The external trainer for `--runner command`, and the data directory it is given. */
  trainer?: string;
  dataDir?: string;
}

/** Reads the configuration from the environment; a bad value names the variable and what is accepted. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseOrThrow(EnvSchema, env, 'environment');
  const home = resolve(e.AAR_HOME);
  return {
    home,
    cacheDir: resolve(e.AAR_CACHE_DIR ?? `${home}/cache`),
    ledgerPath: resolve(home, 'ledger.sqlite'),
    redisUrl: e.REDIS_URL,
    queueName: e.AAR_QUEUE,
    stalledIntervalMs: e.AAR_STALLED_INTERVAL_MS,
    jobTimeoutMs: e.AAR_JOB_TIMEOUT_MS,
    jobAttempts: e.AAR_JOB_ATTEMPTS,
    reconcileMs: e.AAR_RECONCILE_MS,
    threads: e.AAR_THREADS ?? Math.max(1, cpus().length),
    trainer: e.AAR_TRAINER,
    dataDir: e.AAR_DATA_DIR ? resolve(e.AAR_DATA_DIR) : undefined,
  };
}
