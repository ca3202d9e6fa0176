import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, mv } from './util.js';

// What Tempest's compute tests found missing at every microversion (issue 20).
describe('compute: discovery and the deprecated documents', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('lists v2.0 first, as Nova does, and every self link answers its version document', async () => {
    const res = await t.call({ method: 'GET', url: '/compute' });
    const versions = res.json().versions;
    expect(versions.map((v: { id: string }) => v.id)).toEqual(['v2.0', 'v2.1']);
    expect(versions[0]).toMatchObject({ status: 'SUPPORTED', version: '', min_version: '' });
    for (const v of versions) {
      const href = new URL(v.links[0].href).pathname;
      const one = await t.call({ method: 'GET', url: href });
      expect(one.statusCode, href).toBe(200);
      expect(one.json().version.links.filter((l: { rel: string }) => l.rel === 'self')).toEqual(v.links);
      expect(one.json().version['media-types']).toHaveLength(1);
    }
  });

  it('answers the fixed extension list and each extension by alias', async () => {
    const list = await t.call({ method: 'GET', url: `${base}/extensions`, as: 'demo' });
    expect(list.statusCode).toBe(200);
    const names = list.json().extensions.map((e: { name: string }) => e.name);
    expect(names).toContain('Hosts');
    expect(list.json().extensions).toHaveLength(99);
    const one = await t.call({ method: 'GET', url: `${base}/extensions/os-consoles`, as: 'demo' });
    expect(one.statusCode).toBe(200);
    expect(one.json().extension).toMatchObject({ alias: 'os-consoles', name: 'Consoles', links: [] });
    const none = await t.call({ method: 'GET', url: `${base}/extensions/os-nothing`, as: 'demo' });
    expect(none.statusCode).toBe(404);
    expect(none.json().itemNotFound.code).toBe(404);
  });
});

describe('compute: os-tenant-networks proxy', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('lists and shows the networks the project sees, until 2.36', async () => {
    const nets = (await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'demo' })).json().networks;
    const priv = nets.find((n: { name: string }) => n.name === 'private');
    const list = await t.call({ method: 'GET', url: `${base}/os-tenant-networks`, as: 'demo' });
    expect(list.statusCode).toBe(200);
    expect(list.json().networks).toContainEqual({ id: priv.id, cidr: 'None', label: 'private' });
    const one = await t.call({ method: 'GET', url: `${base}/os-tenant-networks/${priv.id}`, as: 'demo' });
    expect(one.json().network).toEqual({ id: priv.id, cidr: 'None', label: 'private' });
    const missing = await t.call({ method: 'GET', url: `${base}/os-tenant-networks/nope`, as: 'demo' });
    expect(missing.statusCode).toBe(404);
    const later = await t.call({
      method: 'GET',
      url: `${base}/os-tenant-networks`,
      as: 'demo',
      headers: mv('2.36'),
    });
    expect(later.statusCode).toBe(404);
    const gone = await t.call({ method: 'POST', url: `${base}/os-tenant-networks`, as: 'demo', payload: {} });
    expect(gone.statusCode).toBe(410);
  });
});

describe('compute: diagnostics and rebuild answers', () => {
  let t: TestCloud;
  let image: string;
  let net: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    const nets = (await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'demo' })).json().networks;
    net = nets.find((n: { name: string }) => n.name === 'private').id;
  });
  afterAll(() => t.close());

  it('reports one NIC per port at 2.48, with a driver name Nova knows', async () => {
    const id = await boot(t, 'demo', { name: 'diag', imageRef: image, flavorRef: '42', networks: [{ uuid: net }] });
    const res = await t.call({
      method: 'GET',
      url: `${base}/servers/${id}/diagnostics`,
      as: 'admin',
      headers: mv('2.48'),
    });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    const ports = (await t.call({ method: 'GET', url: `/networking/v2.0/ports?device_id=${id}`, as: 'admin' })).json()
      .ports;
    expect(d.num_nics).toBe(1);
    expect(d.nic_details).toHaveLength(1);
    expect(d.nic_details[0]).toMatchObject({ mac_address: ports[0].mac_address, rx_packets: 0, tx_rate: null });
    expect(['libvirt', 'xenapi', 'vmwareapi', 'ironic', 'hyperv']).toContain(d.driver);
    expect(d).toMatchObject({ state: 'running', num_disks: 1, config_drive: false, num_cpus: 1 });
    expect(d.disk_details).toHaveLength(1);
  });

  it('answers user_data at the top of a rebuild from 2.57, before and after 2.75', async () => {
    const id = await boot(t, 'demo', { name: 'rb', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.57'));
    for (const [v, as] of [
      ['2.57', 'demo'],
      ['2.75', 'demo'],
      ['2.75', 'admin'],
    ]) {
      const res = await action(t, as, id, { rebuild: { imageRef: image, user_data: 'ZWNobyBoaQ==' } }, mv(v));
      expect(res.statusCode, res.body).toBe(202);
      const s = res.json().server;
      expect(s.user_data, `${v} ${as}`).toBe('ZWNobyBoaQ==');
      expect(s).not.toHaveProperty('OS-EXT-SRV-ATTR:user_data');
      expect(s.adminPass).toBeTruthy();
    }
    const older = await action(t, 'demo', id, { rebuild: { imageRef: image } }, mv('2.56'));
    expect(older.json().server).not.toHaveProperty('user_data');
  });
});
