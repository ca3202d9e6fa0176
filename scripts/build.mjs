// Bundles src/ and its dependencies into one ESM file, so `pocketstack start`
// reads one file instead of resolving hundreds of modules (start-up time);
// better-sqlite3 stays external (native). Type checking is `npm run lint`.
// `node scripts/build.mjs` builds; bin/pocketstack.js calls buildIfStale() in
// a source checkout, so `npm start` after an edit runs the edit.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/pocketstack.js');

function newest(path) {
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

export async function build() {
  const { build: esbuild } = await import('esbuild');
  await esbuild({
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    // CommonJS dependencies inside an ESM bundle still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

export async function buildIfStale() {
  if (!fresh()) await build();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
