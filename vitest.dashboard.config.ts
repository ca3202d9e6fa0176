import { defineConfig } from 'vitest/config';

// `npm run test:dashboard`: the dashboard in a real browser (Debian's
// chromium driven by playwright-core) against a pocketstack started for the
// run (fake drivers, temp data dir). `npm test` leaves these out.
export default defineConfig({
  test: {
    include: ['test/dashboard/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
