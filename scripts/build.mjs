// Bundles src/ into one ESM file so `pocketstack start` loads in milliseconds;
// dependencies stay external (better-sqlite3 is native). Type checking is `npm run lint`.
// --if-stale (what `npm start` uses) skips the build when dist/ is newer than
// every source file, so a warm `npm start` does not pay for esbuild.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/pocketstack.js';

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function fresh() {
  try {
    return statSync(out).mtimeMs > Math.max(newest('src'), newest('package.json'), newest('scripts/build.mjs'));
  } catch {
    return false;
  }
}

if (!(process.argv.includes('--if-stale') && fresh())) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['src/cli/main.ts'],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
