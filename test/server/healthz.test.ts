import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../helpers.js';

/** A cloud whose log lines (JSON, info and up) are kept in `lines`. */
async function loggedCloud(): Promise<{ t: TestCloud; lines: Record<string, any>[] }> {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const t = await testCloud({ logLevel: 'info' }, { logger });
  return { t, lines };
}

let open: TestCloud | undefined;
afterEach(async () => {
  await open?.close().catch(() => {});
  open = undefined;
});

describe('GET /healthz', () => {
  it('answers without a token: each service up, the drivers in use, the data dir', async () => {
    const t = await testCloud();
    open = t;
    const res = await t.call({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const h = res.json();
    expect(h).toMatchObject({
      status: 'ok',
      pid: process.pid,
      data_dir: t.cloud.config.dataDir,
      database: { state: 'up' },
      drivers: { network: 'fake', compute: expect.stringMatching(/^fake/), volume: 'fake' },
    });
    expect(h.services).toMatchObject({
      identity: { state: 'up', path: '/identity' },
      compute: { state: 'up', path: '/compute' },
      image: { state: 'up' },
      network: { state: 'up' },
      volume: { state: 'up' },
      orchestration: { state: 'up' },
    });
  });
});

describe('request log', () => {
  it('one info line per request: method, path, status, duration, request id, project', async () => {
    const { t, lines } = await loggedCloud();
    open = t;
    const token = await t.token('demo');
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/servers', token });
    expect(res.statusCode).toBe(200);
    const id = res.headers['x-openstack-request-id'] as string;
    expect(id).toMatch(/^req-/);
    const project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', token })).json().projects[0].id;
    const line = lines.find((l) => l.request_id === id);
    expect(line).toMatchObject({
      level: 30,
      method: 'GET',
      path: '/compute/v2.1/servers',
      status: 200,
      project,
      ms: expect.any(Number),
    });
    expect(line!.msg).toMatch(new RegExp(`^GET /compute/v2\\.1/servers 200 [\\d.]+ ms ${id} project=${project}$`));
  });

  it('a 5xx is logged at error with the stack of what was thrown, under the request id the client got', async () => {
    const { t, lines } = await loggedCloud();
    open = t;
    const token = await t.token('demo');
    // the database goes away under a running API
    await t.cloud.db.destroy();
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/servers', token });
    expect(res.statusCode).toBe(500);
    const id = res.headers['x-openstack-request-id'] as string;
    const line = lines.find((l) => l.request_id === id);
    expect(line).toMatchObject({ level: 50, status: 500, path: '/compute/v2.1/servers' });
    expect(line!.err.stack).toMatch(/\n\s+at /);
    // and /healthz says the API cannot serve
    const h = await t.call({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(503);
    expect(h.json()).toMatchObject({ status: 'failing', database: { state: 'down' } });
  });
});
