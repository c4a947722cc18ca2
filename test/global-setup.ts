import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { trainerPython } from './helpers/trainer-python.js';

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
 * The GPU trainer's tests need Python with torch and transformers: see trainerPython().
 */
export default function setup(project: TestProject): void {
  const dir = path.resolve('.aar/test-cache');
  mkdirSync(dir, { recursive: true });
  process.env.AAR_CACHE_DIR = dir;
  project.provide('aarCacheDir', dir);
  project.provide('trainerPython', trainerPython());
}

