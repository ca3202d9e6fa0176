import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// The dashboard (src/dashboard, built by Vite into dist/dashboard) served at
// /dashboard as static files. It holds no credentials and calls the public
// APIs with the user's own token, so this is file serving only: hashed
// assets cached for a year, index.html revalidated every time (it names the
// current assets), every other path under /dashboard answered with
// index.html (the app routes it), files compressed at build time (.br, .gz
// beside each one) and sent by Accept-Encoding.

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// 'unsafe-inline' styles: React's style attributes and the topology's; scripts only from this origin
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

interface Asset {
  type: string;
  etag: string;
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** Where the built dashboard is: beside the server bundle (dist/), or dist/ of a source checkout. */
export function dashboardDir(): string | undefined {
  const here = import.meta.url;
  for (const rel of ['./dashboard/', '../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(rel, here));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.(br|gz)$/.test(f)) {
        const identity = readFileSync(p);
        const sibling = (ext: string) => (existsSync(p + ext) ? readFileSync(p + ext) : undefined);
        assets.set(relative(dir, p).split(sep).join('/'), {
          type: TYPES[extname(f)] ?? 'application/octet-stream',
          etag: `"${createHash('sha1').update(identity).digest('base64url').slice(0, 20)}"`,
          identity,
          br: sibling('.br'),
          gzip: sibling('.gz'),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string, extra: Record<string, string> = {}) {
  reply.header('cache-control', cache).header('etag', a.etag).header('x-content-type-options', 'nosniff');
  for (const [k, v] of Object.entries(extra)) reply.header(k, v);
  if (a.br || a.gzip) reply.header('vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
  const accept = String(req.headers['accept-encoding'] ?? '');
  reply.type(a.type);
  if (a.br && /\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(a.br);
  if (a.gzip && /\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(a.gzip);
  return reply.send(a.identity);
}

/** GET /dashboard and everything under it. `dir` is the built dashboard (dashboardDir() by default). */
export function dashboardRoutes(app: FastifyInstance, dir = dashboardDir()): void {
  let assets: Map<string, Asset> | undefined;
  // read on first use: start-up time is not spent on a page nobody opened
  const get = () => (assets ??= dir && existsSync(join(dir, 'index.html')) ? load(dir) : new Map());

  const page = (req: FastifyRequest, reply: FastifyReply) => {
    const index = get().get('index.html');
    if (!index)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built in this installation: run `npm run build`.');
    return send(req, reply, index, 'no-cache', {
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
    });
  };

  app.get('/dashboard', { config: { public: true } }, page);
  app.get('/dashboard/*', { config: { public: true } }, (req, reply) => {
    let rel: string;
    try {
      rel = decodeURIComponent((req.params as { '*': string })['*']);
    } catch {
      rel = '';
    }
    const a = get().get(rel);
    if (a && rel !== 'index.html')
      return send(
        req,
        reply,
        a,
        rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      );
    // a missing hashed asset is a stale page asking for an old build: not the app
    if (rel.startsWith('assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return page(req, reply);
  });
}
