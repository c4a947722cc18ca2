import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    aarCacheDir: string;
    /** The Python for the GPU trainer's tests, or why none could be made. */
    trainerPython: { python?: string; problem?: string };
  }
}

/**
 * One feature/baseline cache for the whole test run, kept between runs (it is gitignored), so
 * only the first run on a machine pays for building the task features. Test files read it with
 * testCacheDir() (test/helpers/cache-dir.ts); CLI tests pass it to child processes.
 *
 * The GPU trainer's tests need Python with torch and transformers: AAR_PYTHON when set, else
 * the repository's .venv-gpu, made here on first use by workers/gpu/setup-venv.sh.
 */
export default function setup(project: TestProject): void {
  const dir = path.resolve('.aar/test-cache');
  mkdirSync(dir, { recursive: true });
  process.env.AAR_CACHE_DIR = dir;
  project.provide('aarCacheDir', dir);
  project.provide('trainerPython', trainerPython());
}

function trainerPython(): { python?: string; problem?: string } {
  if (process.env.AAR_PYTHON) return { python: process.env.AAR_PYTHON };
  const made = spawnSync('bash', ['workers/gpu/setup-venv.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  if (made.status === 0) return { python: path.join(made.stdout.trim(), 'bin', 'python') };
  return { problem: `workers/gpu/setup-venv.sh failed (exit ${made.status ?? made.signal}); install torch and transformers for a Python and set AAR_PYTHON to it` };
}
