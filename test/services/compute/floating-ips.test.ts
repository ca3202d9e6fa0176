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
});
