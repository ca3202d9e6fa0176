import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/dataplane/**', 'test/fuzz/**', 'test/crash/**', 'test/dashboard/browser/**', 'node_modules/**'],
    testTimeout: 20000,
    // on PostgreSQL a test cloud's database is made per cloud (scripts/postgres-test.sh), which takes longer under load
    hookTimeout: process.env.POCKETSTACK_TEST_DATABASE ? 30000 : 10000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
  },
});
