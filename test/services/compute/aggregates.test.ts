import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, boot, cirros, mv, show } from './util.js';

describe('compute: host aggregates and availability zones', () => {
  let t: TestCloud;
  let host: string;
  beforeAll(async () => {
    t = await testCloud();
    host = (await t.call({ method: 'GET', url: `${base}/os-services?binary=nova-compute`, as: 'admin' })).json()
      .services[0].host;
  });
  afterAll(() => t.close());

  it('creates, updates, lists and deletes aggregates (admin only)', async () => {
    expect((await t.call({ method: 'GET', url: `${base}/os-aggregates`, as: 'demo' })).statusCode).toBe(403);
    const res = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates`,
      as: 'admin',
      payload: { aggregate: { name: 'agg1' } },
    });
    expect(res.statusCode).toBe(200);
    const a = res.json().aggregate;
    expect(a).toMatchObject({ name: 'agg1', availability_zone: null, deleted: false });
    expect(a).not.toHaveProperty('hosts');
    const dup = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates`,
      as: 'admin',
      payload: { aggregate: { name: 'agg1' } },
    });
    expect(dup.statusCode).toBe(409);
    const long = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates`,
      as: 'admin',
      payload: { aggregate: { name: 'x'.repeat(256) } },
    });
    expect(long.statusCode).toBe(400);
    const upd = await t.call({
      method: 'PUT',
      url: `${base}/os-aggregates/${a.id}`,
      as: 'admin',
      payload: { aggregate: { name: 'agg2' } },
    });
    expect(upd.json().aggregate.name).toBe('agg2');
    const meta = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates/${a.id}/action`,
      as: 'admin',
      payload: { set_metadata: { metadata: { ssd: 'true' } } },
    });
    expect(meta.json().aggregate.metadata).toEqual({ ssd: 'true' });
    const v241 = await t.call({
      method: 'GET',
      url: `${base}/os-aggregates/${a.id}`,
      as: 'admin',
      headers: mv('2.41'),
    });
    expect(v241.json().aggregate.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.call({ method: 'GET', url: `${base}/os-aggregates/999`, as: 'admin' })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `${base}/os-aggregates/abc`, as: 'admin' })).statusCode).toBe(400);
    expect((await t.call({ method: 'DELETE', url: `${base}/os-aggregates/${a.id}`, as: 'admin' })).statusCode).toBe(
      200,
    );
  });

  it('puts the host in the zone of its aggregate, where servers can ask to go', async () => {
    const a = (
      await t.call({
        method: 'POST',
        url: `${base}/os-aggregates`,
        as: 'admin',
        payload: { aggregate: { name: 'zoned', availability_zone: 'zone-a' } },
      })
    ).json().aggregate;
    const add = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates/${a.id}/action`,
      as: 'admin',
      payload: { add_host: { host } },
    });
    expect(add.json().aggregate.hosts).toEqual([host]);
    const again = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates/${a.id}/action`,
      as: 'admin',
      payload: { add_host: { host } },
    });
    expect(again.statusCode).toBe(409);
    const none = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates/${a.id}/action`,
      as: 'admin',
      payload: { add_host: { host: 'nohost' } },
    });
    expect(none.statusCode).toBe(404);
    const zones = await t.call({ method: 'GET', url: `${base}/os-availability-zone`, as: 'demo' });
    expect(zones.json().availabilityZoneInfo.map((z: { zoneName: string }) => z.zoneName)).toEqual(['zone-a']);
    const image = await cirros(t);
    const id = await boot(t, 'demo', { name: 'az', imageRef: image, flavorRef: '42', availability_zone: 'zone-a' });
    expect((await show(t, 'demo', id))['OS-EXT-AZ:availability_zone']).toBe('zone-a');
    const nova = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: { server: { name: 'x', imageRef: image, flavorRef: '42', availability_zone: 'nova' } },
    });
    expect(nova.statusCode).toBe(400);
    expect((await t.call({ method: 'DELETE', url: `${base}/os-aggregates/${a.id}`, as: 'admin' })).statusCode).toBe(
      400,
    );
    const rm = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates/${a.id}/action`,
      as: 'admin',
      payload: { remove_host: { host } },
    });
    expect(rm.json().aggregate.hosts).toEqual([]);
  });
});
