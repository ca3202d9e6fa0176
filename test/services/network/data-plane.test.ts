import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeNetworkDriver } from '../../../src/drivers/network/fake.js';
import { networkDriver } from '../../../src/drivers/network/index.js';
import { ensureAgents } from '../../../src/services/network/agents.js';
import { ndb } from '../../../src/services/network/store.js';
import { desiredState } from '../../../src/services/network/sync.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { neutron } from './helpers.js';

// What the network service gives a real data plane: the public subnet from
// the floating range (DevStack's FLOATING_RANGE), the host's address on it,
// the whole desired state at start, and the agents the driver stands for.

describe('network: the data plane seam', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud({ floatingRange: '172.24.9.0/24' });
    api = neutron(t);
  });
  afterAll(() => t.close());

  it('seeds the public subnet from the floating range: gateway .1, pool .2 to .254', async () => {
    const sub = (await api('GET', 'subnets?name=public-subnet')).body.subnets[0];
    expect(sub).toMatchObject({
      cidr: '172.24.9.0/24',
      gateway_ip: '172.24.9.1',
      allocation_pools: [{ start: '172.24.9.2', end: '172.24.9.254' }],
      enable_dhcp: false,
    });
    const router = (await api('GET', 'routers?name=router1')).body.routers[0];
    expect(router.external_gateway_info.external_fixed_ips[0].ip_address).toMatch(/^172\.24\.9\./);
  });

  it('hands the driver every resource at start, the host address only on the public network', async () => {
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'web' } }, 'demo')).body.security_group;
    const state = await desiredState(ndb(t.cloud));
    const byName = new Map(state.networks.map((n) => [n.name, n]));
    expect(byName.get('public')?.host_address).toBe('172.24.9.1/24');
    expect(byName.get('private')?.host_address).toBeNull();
    const router = state.routers.find((r) => r.interfaces.length === 1)!;
    expect(router.gateway?.network_id).toBe(byName.get('public')?.id);
    expect(router.interfaces[0].network_id).toBe(byName.get('private')?.id);
    const ports = (await api('GET', 'ports')).body.ports;
    expect(state.ports.map((p) => p.id).sort()).toEqual(ports.map((p: any) => p.id).sort());
    expect(state.securityGroups.map((g) => g.id)).toContain(sg.id);
  });

  it("hands the driver a project's default group when it is made, with its rules", async () => {
    const driver = networkDriver(t.cloud) as FakeNetworkDriver;
    const net = (await api('POST', 'networks', { network: { name: 'first' } }, 'alt_demo')).body.network;
    const port = (await api('POST', 'ports', { port: { network_id: net.id } }, 'alt_demo')).body.port;
    await t.cloud.tasks.idle();
    const group = driver.state.security_group.get(port.security_groups[0]);
    expect(group?.rules.map((r) => `${r.direction} ${r.ethertype} ${r.remote_group_id ?? ''}`).sort()).toEqual([
      'egress IPv4 ',
      'egress IPv6 ',
      `ingress IPv4 ${group?.id}`,
      `ingress IPv6 ${group?.id}`,
    ]);
  });

  it('lists the Linux bridge agent instead of Open vSwitch when the linux driver runs', async () => {
    const types = async () => (await api('GET', 'agents')).body.agents.map((a: any) => a.agent_type).sort();
    expect(await types()).toContain('Open vSwitch agent');
    t.cloud.config.drivers.network = 'linux';
    try {
      await ensureAgents(t.cloud);
    } finally {
      t.cloud.config.drivers.network = 'fake';
    }
    expect(await types()).toEqual(['DHCP agent', 'L3 agent', 'Linux bridge agent', 'Metadata agent']);
    const l2 = (await api('GET', 'agents?agent_type=Linux bridge agent')).body.agents[0];
    expect(l2.binary).toBe('neutron-linuxbridge-agent');
    await ensureAgents(t.cloud);
    expect(await types()).toContain('Open vSwitch agent');
  });
});
