import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/cloud.js';
import { FaultRegistry, globMatch } from '../../src/faults/faults.js';
import { type TestCloud, testCloud } from '../helpers.js';
import { boot, cirros, fake, mv, show } from '../services/compute/util.js';

const F = '/pocketstack/v1/faults';

describe('fault injection is off unless asked for', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('answers 404 saying how to turn it on, and nothing is injected', async () => {
    const res = await t.call({
      method: 'POST',
      url: F,
      as: 'admin',
      payload: { fault: { service: 'image', status: 503 } },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/--faults/);
    expect((await t.call({ method: 'GET', url: '/image/v2/images', as: 'admin' })).statusCode).toBe(200);
  });
});

describe('fault injection', () => {
  let t: TestCloud;
  let url: string;
  beforeAll(async () => {
    t = await testCloud({ faults: true, port: 0 });
    url = await listen(t.cloud);
  });
  afterAll(() => t.close());

  const add = async (fault: Record<string, unknown>) => {
    const res = await t.call({ method: 'POST', url: F, as: 'admin', payload: { fault } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().fault;
  };

  it('is for admins only, and needs a token', async () => {
    expect((await t.call({ method: 'GET', url: F, as: 'demo' })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: F })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: F, as: 'admin' })).json()).toEqual({ faults: [] });
  });

  it('fails the next N matching requests with the status, in the service its own error body', async () => {
    const f = await add({ service: 'image', method: 'GET', path: '/v2/images', status: 503, count: 2 });
    expect(f).toMatchObject({ action: 'fail', status: 503, count: 2, hits: 0 });
    // another method, path or service does not match
    expect((await t.call({ method: 'GET', url: '/image/v2/schemas/image', as: 'admin' })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'admin' })).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await t.call({ method: 'GET', url: '/image/v2/images?limit=5', as: 'admin' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toContain('Injected fault');
    }
    expect((await t.call({ method: 'GET', url: '/image/v2/images', as: 'admin' })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: F, as: 'admin' })).json().faults).toEqual([]);

    // Neutron words it its own way; a full-path glob works as well as one below the mount
    await add({ path: '/networking/v2.0/networks*', status: 409, message: 'try again' });
    const res = await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'admin' });
    expect(res.statusCode).toBe(409);
    expect(res.json().NeutronError.message).toBe('try again');
  });

  it('count 0 applies until cleared; clear removes one or all', async () => {
    const f = await add({ service: 'volume', method: 'DELETE', status: 500, count: 0 });
    await add({ service: 'compute', path: '*/os-keypairs', status: 500, count: 0 });
    expect((await t.call({ method: 'GET', url: F, as: 'admin' })).json().faults).toHaveLength(2);
    expect((await t.call({ method: 'DELETE', url: `${F}/${f.id}`, as: 'admin' })).statusCode).toBe(204);
    for (let i = 0; i < 3; i++)
      expect((await t.call({ method: 'GET', url: '/compute/v2.1/os-keypairs', as: 'admin' })).statusCode).toBe(500);
    const [left] = (await t.call({ method: 'GET', url: F, as: 'admin' })).json().faults;
    expect(left.hits).toBe(3);
    expect((await t.call({ method: 'DELETE', url: F, as: 'admin' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/os-keypairs', as: 'admin' })).statusCode).toBe(200);
  });

  it('slow: the request answers as usual, after one that came later', async () => {
    await add({ service: 'compute', path: '/v2.1/flavors', action: 'slow', delay_ms: 400 });
    const order: string[] = [];
    const slow = t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'admin' }).then((r) => {
      order.push('slow');
      return r;
    });
    const quick = t.call({ method: 'GET', url: '/compute/v2.1/os-keypairs', as: 'admin' }).then((r) => {
      order.push('quick');
      return r;
    });
    const [a, b] = await Promise.all([slow, quick]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().flavors.length).toBeGreaterThan(0);
    expect(order).toEqual(['quick', 'slow']);
  });

  it('hang: no answer, the connection dropped', async () => {
    await add({ service: 'identity', method: 'GET', path: '/v3/projects', action: 'hang', delay_ms: 200 });
    const token = await t.token();
    const err = await fetch(`${url}/identity/v3/projects`, { headers: { 'x-auth-token': token } }).then(
      (r) => `answered ${r.status}`,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const again = await fetch(`${url}/identity/v3/projects`, { headers: { 'x-auth-token': token } });
    expect(again.status).toBe(200);
  });

  it('a scheduler fault ends the next server create in ERROR with NoValidHost', async () => {
    await add({ step: 'compute.schedule', message: 'no room today' });
    const server = { name: 'f1', imageRef: await cirros(t), flavorRef: '1', networks: 'none' };
    const id = await boot(t, 'admin', server, mv('2.37'));
    const s = await show(t, 'admin', id);
    expect(s.status).toBe('ERROR');
    expect(s.fault.message).toBe('No valid host was found. There are not enough hosts available.');
    expect(s.fault.details).toContain('no room today');
    // the next one builds
    expect((await show(t, 'admin', await boot(t, 'admin', { ...server, name: 'f2' }, mv('2.37')))).status).toBe(
      'ACTIVE',
    );
  });

  it('a spawn fault fails the build with its message; the fake keeps its own controls', async () => {
    await add({ step: 'compute.spawn', message: 'disk on fire' });
    const id = await boot(
      t,
      'admin',
      { name: 'f3', imageRef: await cirros(t), flavorRef: '1', networks: 'none' },
      mv('2.37'),
    );
    const s = await show(t, 'admin', id);
    expect(s.status).toBe('ERROR');
    expect(s.fault.message).toContain('disk on fire');
    expect(fake(t).has(id)).toBe(false);
  });

  it('a volume create fault puts the volume in error', async () => {
    await add({ step: 'volume.create', message: 'backend down' });
    const pid = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'admin' }))
      .json()
      .projects.find((p: { name: string }) => p.name === 'admin').id;
    const res = await t.call({
      method: 'POST',
      url: `/volume/v3/${pid}/volumes`,
      as: 'admin',
      payload: { volume: { size: 1, name: 'v1' } },
    });
    expect(res.statusCode).toBe(202);
    await t.cloud.tasks.idle();
    const v = (
      await t.call({ method: 'GET', url: `/volume/v3/${pid}/volumes/${res.json().volume.id}`, as: 'admin' })
    ).json().volume;
    expect(v.status).toBe('error');
  });

  it('refuses rules that cannot work, saying why', async () => {
    for (const [fault, why] of [
      [{}, /names a step, or at least one of/],
      [{ step: 'compute.teleport' }, /step must be one of/],
      [{ step: 'compute.spawn', service: 'compute' }, /not both/],
      [{ service: 'nova' }, /service must be one of/],
      [{ service: 'image', action: 'explode' }, /action must be/],
      [{ service: 'image', status: 200 }, /status must be an integer from 400/],
      [{ service: 'image', action: 'slow', status: 503 }, /status is for failing requests/],
      [{ service: 'image', colour: 'red' }, /unknown fault attribute colour/],
    ] as const) {
      const res = await t.call({ method: 'POST', url: F, as: 'admin', payload: { fault } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(why);
    }
  });
});

describe('fault rules', () => {
  it('glob: * is any characters, the rest literal, the whole path', () => {
    expect(globMatch('/v2/images', '/v2/images')).toBe(true);
    expect(globMatch('/v2/images', '/v2/images/x')).toBe(false);
    expect(globMatch('*/servers/*', '/compute/v2.1/servers/abc/action')).toBe(true);
    expect(globMatch('/v2.1/flavors', '/v2x1/flavors')).toBe(false);
  });

  it('the first matching rule applies, and is gone when used up', () => {
    const r = new FaultRegistry();
    r.add({ service: 'image', status: 500 });
    r.add({ service: 'image', status: 502, count: 2 });
    const take = () => r.takeRequest('image', 'GET', '/image/v2/images', '/image')?.status;
    expect([take(), take(), take(), take()]).toEqual([500, 502, 502, undefined]);
    r.add({ step: 'volume.create' });
    expect(r.takeRequest('volume', 'POST', '/volume/v3/p/volumes', '/volume')).toBeUndefined();
    expect(r.takeStep('volume.create')?.action).toBe('fail');
  });
});

describe('fault rules across a restart', () => {
  it('keeps the rules, their order and their hits in the store; a used-up or cleared rule stays gone', async () => {
    let t = await testCloud({ faults: true });
    const call = (opts: InjectOptions) => t.call({ ...opts, as: 'admin' });
    const add = async (fault: Record<string, unknown>) =>
      (await call({ method: 'POST', url: F, payload: { fault } })).json().fault;
    const twice = await add({ service: 'image', method: 'GET', path: '/v2/images', status: 503, count: 2 });
    await add({ service: 'network', status: 500 }); // used up before the stop
    const every = await add({ step: 'compute.schedule', count: 0, message: 'no room' });
    const gone = await add({ service: 'volume', status: 502 });
    expect((await call({ method: 'DELETE', url: `${F}/${gone.id}` })).statusCode).toBe(204);
    expect((await call({ method: 'GET', url: '/image/v2/images' })).statusCode).toBe(503);
    expect((await call({ method: 'GET', url: '/networking/v2.0/networks' })).statusCode).toBe(500);

    // restarted without --faults: the rules stay in the store, unused
    t = await t.restart({ faults: false });
    expect((await call({ method: 'GET', url: F })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: '/image/v2/images' })).statusCode).toBe(200);

    t = await t.restart({ faults: true });
    const kept = (await call({ method: 'GET', url: F })).json().faults;
    expect(kept.map((f: { id: string; hits: number }) => [f.id, f.hits])).toEqual([
      [twice.id, 1],
      [every.id, 0],
    ]);
    expect(kept[0]).toEqual({ ...twice, hits: 1 });
    // the second of its two applies now, then it is used up
    expect((await call({ method: 'GET', url: '/image/v2/images' })).statusCode).toBe(503);
    expect((await call({ method: 'GET', url: '/image/v2/images' })).statusCode).toBe(200);
    expect((await call({ method: 'DELETE', url: F })).statusCode).toBe(204);

    t = await t.restart({ faults: true });
    expect((await call({ method: 'GET', url: F })).json()).toEqual({ faults: [] });
    await t.close();
  });
});
