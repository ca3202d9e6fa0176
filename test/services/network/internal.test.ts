import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateToken } from '../../../src/services/identity/tokens.js';
import * as network from '../../../src/services/network/internal.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: internal API for compute and orchestration', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  const ctx = async (user: string) => (await validateToken(t.cloud, await t.token(user)))!;
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it('creates a port for a server, shows its addresses and groups, and deletes it with the server', async () => {
    const demo = await ctx('demo');
    const net = await network.findNetwork(t.cloud, demo, 'private');
    expect(net?.name).toBe('private');
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'web' } }, 'demo')).body.security_group;
    const port = await network.createServerPort(t.cloud, demo, {
      networkId: net!.id as string,
      serverId: 'srv-1',
      host: 'pocketstack',
      securityGroups: ['web'],
    });
    expect(port).toMatchObject({
      device_id: 'srv-1',
      device_owner: 'compute:nova',
      status: 'ACTIVE',
      security_group_ids: [sg.id],
    });
    const viaApi = (await api('GET', `ports/${port.id}`)).body.port;
    expect(viaApi['binding:host_id']).toBe('pocketstack');
    const addresses = (await network.serverAddresses(t.cloud, ['srv-1'])).get('srv-1')!;
    expect(addresses.private).toEqual([
      {
        version: 4,
        addr: port.fixed_ips[0].ip_address,
        'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port.mac_address,
      },
    ]);
    // a floating IP shows after its fixed address
    const fip = (
      await api(
        'POST',
        'floatingips',
        { floatingip: { floating_network_id: (await network.findNetwork(t.cloud, demo, 'public'))!.id } },
        'demo',
      )
    ).body.floatingip;
    const assoc = await network.associateFloatingIp(t.cloud, demo, fip.floating_ip_address, port.id);
    expect(assoc.port_id).toBe(port.id);
    const withFip = (await network.serverAddresses(t.cloud, ['srv-1'])).get('srv-1')!.private;
    expect(withFip[1]).toMatchObject({ addr: fip.floating_ip_address, 'OS-EXT-IPS:type': 'floating' });
    await network.addServerSecurityGroup(t.cloud, demo, 'srv-1', 'default');
    const groups = (await network.serverSecurityGroups(t.cloud, ['srv-1'])).get('srv-1')!;
    expect(groups.map((g) => g.name).sort()).toEqual(['default', 'web']);
    await network.removeServerSecurityGroup(t.cloud, demo, 'srv-1', 'web');
    await expect(network.removeServerSecurityGroup(t.cloud, demo, 'srv-1', 'web')).rejects.toMatchObject({
      status: 404,
    });
    await network.releaseServerPorts(t.cloud, 'srv-1');
    expectNeutronError(await api('GET', `ports/${port.id}`), 404, 'PortNotFound');
    expect((await api('GET', `floatingips/${fip.id}`, undefined, 'demo')).body.floatingip.port_id).toBeNull();
  });

  it('binds a given port, refuses one in use, and only unbinds it on release', async () => {
    const demo = await ctx('demo');
    const net = await network.findNetwork(t.cloud, demo, 'private');
    const p = (await api('POST', 'ports', { port: { network_id: net!.id, name: 'mine' } }, 'demo')).body.port;
    const bound = await network.bindPort(t.cloud, demo, p.id, { serverId: 'srv-2', host: 'pocketstack' });
    expect(bound.device_id).toBe('srv-2');
    expect((await network.serverPorts(t.cloud, 'srv-2')).map((x) => x.id)).toEqual([p.id]);
    await expect(network.bindPort(t.cloud, demo, p.id, { serverId: 'srv-3', host: 'h' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(
      network.bindPort(t.cloud, await ctx('alt_demo'), p.id, { serverId: 'srv-3', host: 'h' }),
    ).rejects.toMatchObject({ status: 404 });
    await network.releaseServerPorts(t.cloud, 'srv-2');
    const after = (await api('GET', `ports/${p.id}`, undefined, 'demo')).body.port;
    expect(after).toMatchObject({ device_id: '', device_owner: '', status: 'DOWN' });
  });

  it('finds things only as the caller sees them, and gives Heat the API bodies', async () => {
    const alt = await ctx('alt_demo');
    expect((await network.availableNetworks(t.cloud, await ctx('demo'))).map((n) => n.name)).toEqual(['private']);
    expect(await network.availableNetworks(t.cloud, alt)).toEqual([]);
    expect(await network.findNetwork(t.cloud, alt, 'private')).toBeUndefined();
    expect(await network.findSecurityGroup(t.cloud, alt, 'web')).toBeUndefined();
    const n = await network.createResource(t.cloud, alt, 'network', { name: 'heat-net' });
    const s = await network.createResource(t.cloud, alt, 'subnet', {
      network_id: n.id,
      ip_version: 4,
      cidr: '10.10.0.0/24',
    });
    const r = await network.createResource(t.cloud, alt, 'router', { name: 'heat-router' });
    const iface = await network.addInterface(t.cloud, alt, r.id as string, { subnet_id: s.id as string });
    expect(iface.subnet_id).toBe(s.id);
    await expect(network.createResource(t.cloud, alt, 'network', { bogus: 1 })).rejects.toMatchObject({ status: 400 });
    await network.removeInterface(t.cloud, alt, r.id as string, { subnet_id: s.id as string });
    await network.deleteResource(t.cloud, alt, 'router', r.id as string);
    expect((await network.updateResource(t.cloud, alt, 'network', n.id as string, { name: 'renamed' })).name).toBe(
      'renamed',
    );
  });

  it('lists a resource type as the caller sees it, filtered on values', async () => {
    const demo = await ctx('demo');
    const names = (await network.listResources(t.cloud, demo, 'network')).map((n) => n.name).sort();
    expect(names).toEqual(['private', 'public']);
    const external = await network.listResources(t.cloud, demo, 'network', { 'router:external': 'true' });
    expect(external.map((n) => n.name)).toEqual(['public']);
    // alt_demo's heat-net (renamed above) is not demo's to see
    expect(names).not.toContain('renamed');
    const altNames = (await network.listResources(t.cloud, await ctx('alt_demo'), 'network')).map((n) => n.name);
    expect(altNames).toContain('renamed');
    await expect(network.listResources(t.cloud, demo, 'bogus' as never)).rejects.toMatchObject({ status: 400 });
  });
});
