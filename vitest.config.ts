import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/dataplane/**', 'test/fuzz/**', 'test/crash/**', 'test/dashboard/browser/**', 'node_modules/**'],
    testTimeout: 20000,
    // a beforeAll that makes a cloud and registers an image took over 10 s (vitest's default) in CI at
    // load 20 on 2 cores; the limit only stops a hung hook, it measures nothing
    hookTimeout: 60000,
    pool: 'forks',
  },
});
