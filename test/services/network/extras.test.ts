import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: subnet pools, agents, metering', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it("carves DevStack's private subnet from the shared default pool, and more subnets after it", async () => {
    const pool = (await api('GET', 'subnetpools?name=shared-default-subnetpool-v4', undefined, 'demo')).body
      .subnetpools[0];
    expect(pool).toMatchObject({
      prefixes: ['10.0.0.0/22'],
      default_prefixlen: 26,
      shared: true,
      is_default: true,
      ip_version: 4,
    });
    const priv = (await api('GET', 'subnets?name=private-subnet', undefined, 'demo')).body.subnets[0];
    expect(priv).toMatchObject({ cidr: '10.0.0.0/26', subnetpool_id: pool.id, gateway_ip: '10.0.0.1' });
    const net = (await api('POST', 'networks', { network: { name: 'pooled' } }, 'demo')).body.network;
    const next = await api(
      'POST',
      'subnets',
      { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: pool.id } },
      'demo',
    );
    expect(next.body.subnet.cidr).toBe('10.0.0.64/26');
    const bigger = await api(
      'POST',
      'subnets',
      { subnet: { network_id: net.id, ip_version: 4, use_default_subnetpool: true, prefixlen: 24 } },
      'demo',
    );
    expect(bigger.body.subnet.cidr).toBe('10.0.1.0/24');
    expectNeutronError(
      await api(
        'POST',
        'subnets',
        { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: pool.id, prefixlen: 20 } },
        'demo',
      ),
      409,
      'SubnetAllocationError',
    );
    expectNeutronError(
      await api(
        'POST',
        'subnets',
        { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: pool.id, prefixlen: 4 } },
        'demo',
      ),
      400,
      'MinPrefixSubnetAllocationError',
    );
    expectNeutronError(
      await api(
        'POST',
        'subnets',
        { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: pool.id, cidr: '10.0.0.0/26' } },
        'demo',
      ),
      409,
      'SubnetAllocationError',
    );
    expectNeutronError(await api('DELETE', `subnetpools/${pool.id}`), 409, 'SubnetPoolInUse');
    // a member makes and tags its own pool; another project cannot see it
    const mine = (
      await api(
        'POST',
        'subnetpools',
        { subnetpool: { name: 'mine', prefixes: ['192.168.0.0/16'], default_prefixlen: 24 } },
        'demo',
      )
    ).body.subnetpool;
    expect(mine.min_prefixlen).toBe(8);
    expect((await api('PUT', `subnetpools/${mine.id}/tags/x`, undefined, 'demo')).status).toBe(201);
    expectNeutronError(await api('GET', `subnetpools/${mine.id}`, undefined, 'alt_demo'), 404, 'SubnetPoolNotFound');
    expectNeutronError(
      await api(
        'POST',
        'subnetpools',
        { subnetpool: { name: 'mixed', prefixes: ['10.9.0.0/16', '2001:db8::/48'] } },
        'demo',
      ),
      400,
      'PrefixVersionMismatch',
    );
    expectNeutronError(
      await api('PUT', `subnetpools/${mine.id}`, { subnetpool: { prefixes: ['192.168.0.0/24'] } }, 'demo'),
      400,
      'InvalidInput',
    );
    expect((await api('DELETE', `subnetpools/${mine.id}`, undefined, 'demo')).status).toBe(204);
  });

  it('reports the agents to admins only, and schedules networks and routers on them', async () => {
    const agents = (await api('GET', 'agents')).body.agents;
    expect(agents.map((a: any) => a.agent_type).sort()).toEqual([
      'DHCP agent',
      'L3 agent',
      'Metadata agent',
      'Open vSwitch agent',
    ]);
    expect(agents.every((a: any) => a.alive)).toBe(true);
    expect((await api('GET', 'agents', undefined, 'demo')).body.agents).toEqual([]);
    const dhcp = agents.find((a: any) => a.agent_type === 'DHCP agent');
    expectNeutronError(await api('GET', `agents/${dhcp.id}`, undefined, 'demo'), 404, 'AgentNotFound');
    const net = (await api('POST', 'networks', { network: { name: 'dhcp-net' } }, 'demo')).body.network;
    await api('POST', 'subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.33.0.0/24' } }, 'demo');
    expect((await api('GET', `networks/${net.id}/dhcp-agents`)).body.agents.map((a: any) => a.id)).toEqual([dhcp.id]);
    expectNeutronError(
      await api('POST', `agents/${dhcp.id}/dhcp-networks`, { network_id: net.id }),
      409,
      'NetworkHostedByDHCPAgent',
    );
    expect((await api('DELETE', `agents/${dhcp.id}/dhcp-networks/${net.id}`)).status).toBe(204);
    expect((await api('GET', `agents/${dhcp.id}/dhcp-networks`)).body.networks.map((n: any) => n.id)).not.toContain(
      net.id,
    );
    expectNeutronError(
      await api('DELETE', `agents/${dhcp.id}/dhcp-networks/${net.id}`),
      409,
      'NetworkNotHostedByDhcpAgent',
    );
    expect((await api('POST', `agents/${dhcp.id}/dhcp-networks`, { network_id: net.id })).status).toBe(201);
    const l3 = agents.find((a: any) => a.agent_type === 'L3 agent');
    expectNeutronError(
      await api('POST', `agents/${l3.id}/dhcp-networks`, { network_id: net.id }),
      404,
      'InvalidDHCPAgent',
    );
    const router = (await api('POST', 'routers', { router: { name: 'scheduled' } }, 'demo')).body.router;
    expect((await api('GET', `routers/${router.id}/l3-agents`)).body.agents[0].id).toBe(l3.id);
    const upd = await api('PUT', `agents/${l3.id}`, { agent: { description: 'the one', admin_state_up: false } });
    expect(upd.body.agent).toMatchObject({ description: 'the one', admin_state_up: false });
    expectNeutronError(await api('PUT', `agents/${l3.id}`, { agent: { host: 'x' } }), 400, 'HTTPBadRequest');
    expectNeutronError(
      await api('PUT', `agents/${l3.id}`, { agent: { description: 'mine' } }, 'demo'),
      403,
      'PolicyNotAuthorized',
    );
    expect((await api('GET', 'service-providers')).body.service_providers).toEqual([]);
  });

  it('keeps metering labels and rules for admins', async () => {
    const label = (await api('POST', 'metering/metering-labels', { metering_label: { name: 'web', description: 'd' } }))
      .body.metering_label;
    expect(label).toMatchObject({ name: 'web', description: 'd', shared: false });
    const rule = await api('POST', 'metering/metering-label-rules', {
      metering_label_rule: { metering_label_id: label.id, remote_ip_prefix: '10.0.0.0/24', direction: 'ingress' },
    });
    expect(rule.body.metering_label_rule).toMatchObject({
      metering_label_id: label.id,
      excluded: false,
      direction: 'ingress',
    });
    expect(
      (await api('GET', `metering/metering-label-rules?metering_label_id=${label.id}`)).body.metering_label_rules,
    ).toHaveLength(1);
    expectNeutronError(
      await api('POST', 'metering/metering-labels', { metering_label: { name: 'x' } }, 'demo'),
      403,
      'PolicyNotAuthorized',
    );
    expect((await api('GET', 'metering/metering-labels', undefined, 'demo')).body.metering_labels).toEqual([]);
    expectNeutronError(
      await api('GET', `metering/metering-labels/${label.id}`, undefined, 'demo'),
      404,
      'MeteringLabelNotFound',
    );
    expectNeutronError(
      await api('POST', 'metering/metering-label-rules', {
        metering_label_rule: { metering_label_id: label.id, remote_ip_prefix: 'nope' },
      }),
      400,
      'InvalidInput',
    );
    expect((await api('DELETE', `metering/metering-labels/${label.id}`)).status).toBe(204);
    expectNeutronError(
      await api('GET', `metering/metering-label-rules/${rule.body.metering_label_rule.id}`),
      404,
      'MeteringLabelRuleNotFound',
    );
  });
});
