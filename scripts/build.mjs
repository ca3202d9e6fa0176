// Bundles src/ into one ESM file so `pocketstack start` loads in milliseconds;
// dependencies stay external (better-sqlite3 is native). Type checking is `npm run lint`.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/pocketstack.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
