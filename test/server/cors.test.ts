import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../helpers.js';

describe('server: CORS for configured origins (oslo.middleware cors)', () => {
  let t: TestCloud;
  let off: TestCloud;
  beforeAll(async () => {
    t = await testCloud({ corsOrigins: ['http://dash.example'] });
    off = await testCloud();
  });
  afterAll(async () => {
    await t.close();
    await off.close();
  });

  const preflight = (cloud: TestCloud, origin: string, method: string, headers = 'x-auth-token,content-type') =>
    cloud.call({
      method: 'OPTIONS',
      url: '/compute/v2.1/servers',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  it('answers a preflight from an allowed origin before authentication', async () => {
    const res = await preflight(t, 'http://dash.example', 'POST');
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': 'http://dash.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'x-auth-token,content-type',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
      vary: 'Origin',
    });
  });

  it('gives nothing to another origin, a method or header not allowed, or when off', async () => {
    for (const res of [
      await preflight(t, 'http://evil.example', 'GET'),
      await preflight(t, 'http://dash.example', 'TRACE'),
      await preflight(t, 'http://dash.example', 'GET', 'x-not-allowed'),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const none = await preflight(off, 'http://dash.example', 'GET');
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    expect(none.statusCode).not.toBe(200);
  });

  it('adds Allow-Origin and exposed headers to actual requests, errors too', async () => {
    const ok = await t.call({
      method: 'GET',
      url: '/compute/v2.1/flavors',
      as: 'demo',
      headers: { origin: 'http://dash.example' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://dash.example');
    expect(String(ok.headers['access-control-expose-headers'])).toContain('X-Subject-Token');
    const denied = await t.call({
      method: 'GET',
      url: '/compute/v2.1/flavors',
      headers: { origin: 'http://dash.example' },
    });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('http://dash.example');
    const other = await t.call({
      method: 'GET',
      url: '/compute/v2.1/flavors',
      as: 'demo',
      headers: { origin: 'http://x.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("allows any origin with '*', echoing it", async () => {
    const any = await testCloud({ corsOrigins: ['*'] });
    try {
      const res = await preflight(any, 'http://anywhere.example', 'GET', '');
      expect(res.headers['access-control-allow-origin']).toBe('http://anywhere.example');
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    } finally {
      await any.close();
    }
  });
});
