import { defineConfig } from 'vitest/config';

// `npm run test:fuzz`: the seeded fuzz walk over the route table (test/fuzz/);
// FUZZ_SEED and FUZZ_REQUESTS change it. `npm test` keeps the regression
// shapes (test/server/hostile.test.ts) and leaves the walk out.
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
