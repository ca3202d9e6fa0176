import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/dataplane/**', 'test/fuzz/**', 'test/crash/**', 'test/dashboard/browser/**', 'node_modules/**'],
    testTimeout: 20000,
    pool: 'forks',
  },
});
