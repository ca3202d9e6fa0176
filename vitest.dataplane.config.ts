import { defineConfig } from 'vitest/config';

// `npm run test:dataplane`: the tests that make real namespaces, bridges,
// nftables rules, dnsmasq and qemu guests. Root on Linux only; `npm test`
// leaves them out. Files run one at a time (they share the host), each test
// file with its own cloud (own data dir, so its own host tag) and its own
// floating range, and each removes what it made.
export default defineConfig({
  test: {
    include: ['test/dataplane/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
