import path from 'node:path';

/** The shared test cache directory that test/global-setup.ts sets up for the run. */
export function testCacheDir(): string {
  return process.env.AAR_CACHE_DIR ?? path.resolve('.aar/test-cache');
}
