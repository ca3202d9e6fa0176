import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeNetworkDriver } from '../../../src/drivers/network/fake.js';
import { networkDriver } from '../../../src/drivers/network/index.js';
import { dhcpDeviceId } from '../../../src/services/network/dhcp-ports.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { neutron } from './helpers.js';

// With a driver that serves DHCP from a port (the linux one), the network
// service keeps each network's `network:dhcp` port as Neutron's DHCP agent
// does: made with the first DHCP subnet, one address per DHCP subnet, gone
// with the last; it never holds a subnet or a network from deletion.

describe('network: DHCP ports', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud();
    (networkDriver(t.cloud) as FakeNetworkDriver).dhcpPorts = true;
    api = neutron(t);
  });
  afterAll(() => t.close());

  const dhcpPorts = async (net: string) =>
    (await api('GET', `ports?network_id=${net}&device_owner=network:dhcp`, undefined, 'demo')).body.ports;

  it('comes with the first DHCP subnet, takes the first free address, and is Neutron-shaped', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'd1' } }, 'demo')).body.network;
    expect(await dhcpPorts(net.id)).toEqual([]);
    const sub = (
      await api('POST', 'subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/24' } }, 'demo')
    ).body.subnet;
    const [p] = await dhcpPorts(net.id);
    expect(p).toMatchObject({
      device_owner: 'network:dhcp',
      device_id: dhcpDeviceId(net.id),
      project_id: net.project_id,
      fixed_ips: [{ subnet_id: sub.id, ip_address: '10.50.0.2' }],
      security_groups: [],
      status: 'ACTIVE',
    });
    expect(p.device_id).toMatch(/^dhcp[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-/);
    // a guest's port never gets that address
    const guest = (await api('POST', 'ports', { port: { network_id: net.id } }, 'demo')).body.port;
    expect(guest.fixed_ips[0].ip_address).toBe('10.50.0.3');
  });

  it('follows the subnets: one address per DHCP subnet, none when DHCP is off, gone with the last', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'd2' } }, 'demo')).body.network;
    const s1 = (
      await api('POST', 'subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.51.0.0/24' } }, 'demo')
    ).body.subnet;
    const s2 = (
      await api(
        'POST',
        'subnets',
        { subnet: { network_id: net.id, ip_version: 4, cidr: '10.52.0.0/24', enable_dhcp: false } },
        'demo',
      )
    ).body.subnet;
    expect((await dhcpPorts(net.id))[0].fixed_ips.map((f: any) => f.subnet_id)).toEqual([s1.id]);
    await api('PUT', `subnets/${s2.id}`, { subnet: { enable_dhcp: true } }, 'demo');
    const [p] = await dhcpPorts(net.id);
    expect(p.fixed_ips.map((f: any) => f.ip_address).sort()).toEqual(['10.51.0.2', '10.52.0.2']);
    await api('PUT', `subnets/${s1.id}`, { subnet: { enable_dhcp: false } }, 'demo');
    const [q] = await dhcpPorts(net.id);
    expect(q.id).toBe(p.id);
    expect(q.fixed_ips).toEqual([{ subnet_id: s2.id, ip_address: '10.52.0.2' }]);
    // deleting the subnet the DHCP port is on is not refused (SubnetInUse), and the port goes with it
    expect((await api('DELETE', `subnets/${s2.id}`, undefined, 'demo')).status).toBe(204);
    expect(await dhcpPorts(net.id)).toEqual([]);
  });

  it('holds neither the network from deletion nor the port quota', async () => {
    const project = (await api('GET', 'networks?name=d1', undefined, 'demo')).body.networks[0].project_id;
    await api('PUT', `quotas/${project}`, { quota: { port: 1 } });
    const net = (await api('POST', 'networks', { network: { name: 'd3' } }, 'demo')).body.network;
    const sub = await api(
      'POST',
      'subnets',
      { subnet: { network_id: net.id, ip_version: 4, cidr: '10.53.0.0/24' } },
      'demo',
    );
    expect(sub.status).toBe(201);
    expect(await dhcpPorts(net.id)).toHaveLength(1);
    await api('DELETE', `quotas/${project}`);
    expect((await api('DELETE', `networks/${net.id}`, undefined, 'demo')).status).toBe(204);
    const left = await api('GET', `ports?network_id=${net.id}`);
    expect(left.body.ports).toEqual([]);
  });
});
