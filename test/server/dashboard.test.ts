import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../src/server/dashboard.js';
import { testCloud } from '../helpers.js';

describe('GET /dashboard: the built dashboard as static files', () => {
  let dir: string;
  let app: FastifyInstance;
  const js = 'console.log("pocketstack dashboard");'.repeat(40);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'assets/index-abc123.js'), js);
    writeFileSync(join(dir, 'assets/index-abc123.js.gz'), gzipSync(js));
    app = Fastify();
    dashboardRoutes(app, dir);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers index.html, never cached, with a content security policy', async () => {
    const res = await app.inject({ url: '/dashboard' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).toContain('id="root"');
    const again = await app.inject({ url: '/dashboard', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it("answers the app's own paths with index.html (the app routes them)", async () => {
    const res = await app.inject({ url: '/dashboard/project/instances/1234' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="root"');
  });

  it('sends hashed assets for a year, compressed when the client takes it', async () => {
    const gz = await app.inject({
      url: '/dashboard/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(js);
    const plain = await app.inject({ url: '/dashboard/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(js);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for a missing asset rather than the page', async () => {
    const res = await app.inject({ url: '/dashboard/assets/index-old.js' });
    expect(res.statusCode).toBe(404);
    expect((await app.inject({ url: '/dashboard/assets/..%2F..%2Fpackage.json' })).statusCode).toBe(404);
  });

  it('says how to build it when it is not built', async () => {
    const bare = Fastify();
    dashboardRoutes(bare, join(dir, 'nothing-here'));
    const res = await bare.inject({ url: '/dashboard' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('npm run build');
    await bare.close();
  });
});

describe('the dashboard in the cloud app', () => {
  it('is mounted at /dashboard, outside the token check', async () => {
    const t = await testCloud();
    try {
      const res = await t.call({ method: 'GET', url: '/dashboard/project' });
      // built (npm ci, npm run build) or not, it is the dashboard that answers, not Keystone's 401
      expect([200, 404]).toContain(res.statusCode);
      expect(res.body).toMatch(/id="root"|npm run build/);
    } finally {
      await t.close();
    }
  });
});
