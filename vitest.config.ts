import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Feature caches are built once per machine; the first test run pays for it.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: keep test files from fighting over them and over the shared feature cache.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
  },
});
