import { defineConfig } from 'vitest/config';

// `npm run test:crash`: kill -9 under load and restart, against the built
// bundle (test/crash/); CRASH_ROUNDS, CRASH_CLIENTS and CRASH_SEED change it.
export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
