import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutTrailingSlash } from '../../src/server/app.js';
import { type TestCloud, testCloud } from '../helpers.js';

describe('the one HTTP app', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('drops one trailing slash before routing, keeping the query', () => {
    expect(withoutTrailingSlash('/identity/v3/?a=b/')).toBe('/identity/v3?a=b/');
    expect(withoutTrailingSlash('/identity/')).toBe('/identity');
    expect(withoutTrailingSlash('/')).toBe('/');
    expect(withoutTrailingSlash('/image/v2/images?x=1')).toBe('/image/v2/images?x=1');
  });

  it('sends a long JSON body (over 64 KiB, sent as a Buffer) whole, with its JSON type and length', async () => {
    const net = (
      await t.call({ method: 'POST', url: '/networking/v2.0/networks', as: 'admin', payload: { network: {} } })
    ).json().network;
    const ports = Array.from({ length: 90 }, (_, i) => ({ network_id: net.id, name: `long-body-${i}` }));
    const res = await t.call({ method: 'POST', url: '/networking/v2.0/ports', as: 'admin', payload: { ports } });
    expect(res.statusCode).toBe(201);
    expect(res.rawPayload.length).toBeGreaterThan(65536);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    expect(res.json().ports.map((p: { name: string }) => p.name)).toEqual(ports.map((p) => p.name));
  });

  it('answers /v3/ and /v3 alike', async () => {
    const a = await t.call({ method: 'GET', url: '/identity/v3/projects/', as: 'admin' });
    const b = await t.call({ method: 'GET', url: '/identity/v3/projects', as: 'admin' });
    expect(a.statusCode).toBe(200);
    expect(a.json().projects.length).toBe(b.json().projects.length);
  });

  it('answers HEAD like GET where Keystone does, with no body', async () => {
    const root = await t.call({ method: 'HEAD', url: '/identity' });
    expect(root.statusCode).toBe(300);
    const res = await t.call({ method: 'HEAD', url: '/identity/v3/projects', as: 'admin' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers HEAD with 405 where Glance does, 404 where no HEAD route exists', async () => {
    const image = await t.call({ method: 'HEAD', url: '/image/v2/images', as: 'admin' });
    expect(image.statusCode).toBe(405);
    expect(image.headers.allow).toContain('GET');
    const compute = await t.call({ method: 'HEAD', url: '/compute/v2.1/flavors', as: 'admin' });
    expect(compute.statusCode).toBe(404);
  });
});
