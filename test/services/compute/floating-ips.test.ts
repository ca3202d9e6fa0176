import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, mv, show } from './util.js';

describe('compute: floating IPs (the 2.1 proxy and actions)', () => {
  let t: TestCloud;
  let server: string;
  beforeAll(async () => {
    t = await testCloud();
    // demo's seeded `private` network has a router to `public`
    server = await boot(t, 'demo', { name: 'fip', imageRef: await cirros(t), flavorRef: '42' });
  });
  afterAll(() => t.close());

  it('allocates from the pool, associates to a server, shows it in addresses, and releases', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/os-floating-ips`,
      as: 'demo',
      payload: { pool: 'public' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json().floating_ip;
    expect(f).toMatchObject({ pool: 'public', fixed_ip: null, instance_id: null });
    expect((await action(t, 'demo', server, { addFloatingIp: { address: f.ip } })).statusCode).toBe(202);
    const addrs = (await show(t, 'demo', server)).addresses.private;
    expect(addrs.find((a: { 'OS-EXT-IPS:type': string }) => a['OS-EXT-IPS:type'] === 'floating').addr).toBe(f.ip);
    const shown = await t.call({ method: 'GET', url: `${base}/os-floating-ips/${f.id}`, as: 'demo' });
    expect(shown.json().floating_ip.instance_id).toBe(server);
    expect((await action(t, 'demo', server, { removeFloatingIp: { address: f.ip } })).statusCode).toBe(202);
    expect((await action(t, 'demo', server, { removeFloatingIp: { address: f.ip } })).statusCode).toBe(409);
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-floating-ips`, as: 'alt_demo' })).json().floating_ips,
    ).toEqual([]);
    expect((await t.call({ method: 'DELETE', url: `${base}/os-floating-ips/${f.id}`, as: 'demo' })).statusCode).toBe(
      202,
    );
    expect((await t.call({ method: 'GET', url: `${base}/os-floating-ips/${f.id}`, as: 'demo' })).statusCode).toBe(404);
    expect((await action(t, 'demo', server, { addFloatingIp: { address: f.ip } }, mv('2.44'))).statusCode).toBe(404);
  });

  it('lists the external networks as pools, up to 2.35', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/os-floating-ip-pools`, as: 'demo' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ floating_ip_pools: [{ name: 'public' }] });
    const later = await t.call({ method: 'GET', url: `${base}/os-floating-ip-pools`, as: 'demo', headers: mv('2.36') });
    expect(later.statusCode).toBe(404);
  });

  it("refuses a second floating IP on the server's fixed IP with 400 and Neutron's words, as Nova does", async () => {
    const allocate = async () =>
      (await t.call({ method: 'POST', url: `${base}/os-floating-ips`, as: 'demo', payload: { pool: 'public' } })).json()
        .floating_ip;
    const [a, b] = [await allocate(), await allocate()];
    expect((await action(t, 'demo', server, { addFloatingIp: { address: a.ip } })).statusCode).toBe(202);
    const res = await action(t, 'demo', server, { addFloatingIp: { address: b.ip } });
    expect(res.statusCode).toBe(400);
    expect(res.json().badRequest.message).toContain('as that fixed IP already has a floating IP');
    expect((await action(t, 'demo', server, { removeFloatingIp: { address: a.ip } })).statusCode).toBe(202);
  });
});
