// Bundles src/ and its dependencies into one CommonJS file, so `pocketstack
// start` reads one file instead of resolving hundreds of modules, and
// bin/pocketstack.js can keep V8's code cache for it (start-up time);
// better-sqlite3 stays external (native). Type checking is `npm run lint`.
// `node scripts/build.mjs` builds it and the dashboard (scripts/dashboard.mjs, its own Vite build);
// bin/pocketstack.js calls buildIfStale() in a source checkout, so `npm start`
// after an edit runs the edit.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './dashboard.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/pocketstack.cjs');

const dashboardDir = join(root, 'src/dashboard');

/** Newest mtime under path; the dashboard's sources are not the server's (they have their own build). */
function newest(path) {
  if (path === dashboardDir) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function fresh() {
  try {
    const sources = ['src', 'package.json', 'scripts/build.mjs'].map((p) => newest(join(root, p)));
    return statSync(out).mtimeMs > Math.max(...sources);
  } catch {
    return false;
  }
}

/** esbuild's options for the bundle (tests build with them too). */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3'],
  // import.meta.url (package files found from the source, e.g. noVNC's) is the bundle's own URL
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  logLevel: 'warning',
  // bin/load-bundle.js runs the bundle from V8's code cache, where Node 20 cannot run import():
  // every import() becomes a require() wrapped in a promise
  supported: { 'dynamic-import': false },
};

export async function build() {
  const { build: esbuild } = await import('esbuild');
  await esbuild({ ...bundleOptions, entryPoints: [join(root, 'src/cli/main.ts')], outfile: out });
}

// The dashboard is not rebuilt here: every CLI command runs this, and a Vite
// build takes seconds (`npm run dev:dashboard` serves edits live; `npm run
// test:dashboard` builds it when stale).
export async function buildIfStale() {
  if (!fresh()) await build();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build();
  await buildDashboard();
}
