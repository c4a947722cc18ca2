import { resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../domain/validate.js';

/** Every environment variable aar reads, in one place. All optional: the embedded default needs none. */
const EnvSchema = z.object({
  AAR_HOME: z.string().min(1).default('.aar'),
  AAR_CACHE_DIR: z.string().min(1).optional(),
});

export interface Config {
  /** Where aar keeps its state (ledger, reports) and, by default, its caches. */
  home: string;
  /** Feature and baseline caches: safe to delete, rebuilt on demand. */
  cacheDir: string;
}

/** Reads the configuration from the environment; a bad value names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseOrThrow(EnvSchema, env, 'environment');
  const home = resolve(parsed.AAR_HOME);
  return { home, cacheDir: resolve(parsed.AAR_CACHE_DIR ?? `${home}/cache`) };
}
