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

describe('compute: networks "auto" (get-me-a-network)', () => {
  let t: TestCloud;
  let image: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
  });
  afterAll(() => t.close());

  it('gives a project without networks one auto-allocated network, the same for every server', async () => {
    // alt_demo has no network of its own and there is no shared one
    const before = (await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'alt_demo' })).json().networks;
    expect(before.filter((n: { 'router:external': boolean }) => !n['router:external'])).toEqual([]);
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'alt_demo',
      headers: mv('2.37'),
      payload: { server: { name: 'auto', imageRef: image, flavorRef: '42', networks: 'auto', min_count: 3 } },
    });
    expect(res.statusCode, res.body).toBe(202);
    await t.cloud.tasks.idle();
    const servers = (await t.call({ method: 'GET', url: `${base}/servers/detail`, as: 'alt_demo' })).json().servers;
    expect(servers).toHaveLength(3);
    const nets = new Set(servers.map((s: { addresses: object }) => Object.keys(s.addresses).join()));
    expect([...nets]).toEqual(['auto_allocated_network']);
    const mine = (await t.call({ method: 'GET', url: '/networking/v2.0/networks?shared=false', as: 'alt_demo' }))
      .json()
      .networks.filter((n: { 'router:external': boolean }) => !n['router:external']);
    expect(mine.map((n: { name: string; admin_state_up: boolean }) => [n.name, n.admin_state_up])).toEqual([
      ['auto_allocated_network', true],
    ]);
    const routers = (await t.call({ method: 'GET', url: '/networking/v2.0/routers', as: 'alt_demo' })).json().routers;
    expect(routers.map((r: { name: string }) => r.name)).toEqual(['auto_allocated_router']);
    expect(routers[0].external_gateway_info.network_id).toBeTruthy();
  });

  it("serves Neutron's auto-allocated-topology: the same network again, a dry run, a delete", async () => {
    const project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'alt_demo' })).json()
      .projects[0].id;
    const url = `/networking/v2.0/auto-allocated-topology/${project}`;
    const first = await t.call({ method: 'GET', url, as: 'alt_demo' });
    expect(first.statusCode).toBe(200);
    const again = await t.call({ method: 'GET', url: '/networking/v2.0/auto-allocated-topology/None', as: 'alt_demo' });
    expect(again.json()).toEqual(first.json());
    expect(first.json().auto_allocated_topology.tenant_id).toBe(project);
    const dry = await t.call({ method: 'GET', url: `${url}?fields=dry-run`, as: 'alt_demo' });
    expect(dry.json().auto_allocated_topology.id).toBe('dry-run=pass');
    const other = await t.call({ method: 'GET', url, as: 'demo' });
    expect(other.statusCode).toBe(403);
    const exts = (await t.call({ method: 'GET', url: '/networking/v2.0/extensions', as: 'demo' })).json().extensions;
    expect(exts.map((e: { alias: string }) => e.alias)).toContain('auto-allocated-topology');
    const servers = (await t.call({ method: 'GET', url: `${base}/servers`, as: 'alt_demo' })).json().servers;
    for (const s of servers) await t.call({ method: 'DELETE', url: `${base}/servers/${s.id}`, as: 'alt_demo' });
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'DELETE', url, as: 'alt_demo' })).statusCode).toBe(204);
    const left = (await t.call({ method: 'GET', url: '/networking/v2.0/networks?shared=false', as: 'alt_demo' })).json()
      .networks;
    expect(left.filter((n: { name: string }) => n.name === 'auto_allocated_network')).toEqual([]);
    expect((await t.call({ method: 'GET', url: '/networking/v2.0/routers', as: 'alt_demo' })).json().routers).toEqual(
      [],
    );
  });
});
