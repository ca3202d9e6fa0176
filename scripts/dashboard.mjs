// The dashboard's Vite build (src/dashboard → dist/dashboard), apart from the
// server bundle: its own sources, its own freshness. After Vite, every text
// asset gets a .gz and a .br beside it, so the server sends compressed files
// without compressing per request (src/server/dashboard.ts).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const dashboardSrc = join(root, 'src/dashboard');
export const dashboardOut = join(root, 'dist/dashboard');

/** Vite's configuration, for `build` and for `vite --config` in development. */
export async function viteConfig(mode = 'production') {
  const { default: react } = await import('@vitejs/plugin-react');
  const target = process.env.POCKETSTACK_URL ?? 'http://127.0.0.1:5000';
  return {
    configFile: false,
    mode,
    root: dashboardSrc,
    base: '/dashboard/',
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir: dashboardOut,
      emptyOutDir: true,
      // noVNC has top-level await
      target: 'es2022',
      chunkSizeWarningLimit: 600,
      reportCompressedSize: false,
    },
    // `npm run dev:dashboard`: the APIs of a running pocketstack, same origin
    server: {
      port: 5173,
      proxy: Object.fromEntries(
        ['/identity', '/compute', '/image', '/networking', '/volume', '/heat-api'].map((p) => [
          p,
          { target, ws: true },
        ]),
      ),
    },
  };
}

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

export function dashboardFresh() {
  try {
    const sources = [dashboardSrc, join(root, 'package.json'), fileURLToPath(import.meta.url)].map(newest);
    return statSync(join(dashboardOut, 'index.html')).mtimeMs > Math.max(...sources);
  } catch {
    return false;
  }
}

const COMPRESSIBLE = /\.(js|css|html|svg|json|map|txt)$/;

export async function buildDashboard() {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    // an install without devDependencies runs the dist/dashboard it was shipped with
    console.warn('dashboard: vite is not installed, dist/dashboard is not rebuilt');
    return;
  }
  await vite.build(await viteConfig());
  for (const f of files(dashboardOut)) {
    if (!COMPRESSIBLE.test(f)) continue;
    const data = readFileSync(f);
    if (data.length < 512) continue;
    writeFileSync(`${f}.gz`, gzipSync(data, { level: 9 }));
    writeFileSync(
      `${f}.br`,
      brotliCompressSync(data, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      }),
    );
  }
  console.log(`dashboard: ${bundleReport()}`);
}

/** The budget of the first load (gzip bytes): React, TanStack Query and every page but the lazy ones. */
export const FIRST_LOAD_BUDGET = 150 * 1024;

/** Gzip sizes: what the first page load fetches (index.html's assets), and each lazy JS chunk. */
export function bundleSizes() {
  const gz = (f) => statSync(`${f}.gz`).size;
  const index = readFileSync(join(dashboardOut, 'index.html'), 'utf8');
  const initial = [...index.matchAll(/\/dashboard\/(assets\/[^"]+)"/g)].map((m) => join(dashboardOut, m[1]));
  const lazy = files(join(dashboardOut, 'assets'))
    .filter((f) => /\.js$/.test(f) && !initial.includes(f))
    .map((f) => ({
      name: f
        .split('/')
        .pop()
        .replace(/-[\w-]{8}\.js$/, ''),
      gzip: gz(f),
    }));
  return { firstLoad: initial.reduce((n, f) => n + gz(f), 0), files: initial.length, lazy };
}

export function bundleReport() {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const s = bundleSizes();
  const over = s.firstLoad > FIRST_LOAD_BUDGET ? ` OVER THE BUDGET of ${kb(FIRST_LOAD_BUDGET)}` : '';
  return `first load ${kb(s.firstLoad)} gzip (${s.files} files)${over}; lazy: ${s.lazy.map((l) => `${l.name} ${kb(l.gzip)}`).join(', ')}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--if-stale') {
    if (!dashboardFresh()) await buildDashboard();
  } else if (process.argv[2] === 'dev') {
    const { createServer } = await import('vite');
    const server = await createServer(await viteConfig('development'));
    await server.listen();
    server.printUrls();
  } else await buildDashboard();
}
