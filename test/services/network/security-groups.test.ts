import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: security groups', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it('makes the project default group on first use, with 2 egress and 2 remote-group ingress rules', async () => {
    const list = (await api('GET', 'security-groups', undefined, 'demo')).body.security_groups;
    expect(list).toHaveLength(1);
    const d = list[0];
    expect(d).toMatchObject({ name: 'default', description: 'Default security group', stateful: true, shared: false });
    const rules = d.security_group_rules;
    expect(rules.filter((r: any) => r.direction === 'egress' && r.remote_group_id === null)).toHaveLength(2);
    expect(rules.filter((r: any) => r.direction === 'ingress' && r.remote_group_id === d.id)).toHaveLength(2);
    expect(new Set(rules.map((r: any) => r.ethertype))).toEqual(new Set(['IPv4', 'IPv6']));
    // listing again does not make a second one
    expect((await api('GET', 'security-groups?name=default', undefined, 'demo')).body.security_groups).toHaveLength(1);
    expectNeutronError(
      await api('DELETE', `security-groups/${d.id}`, undefined, 'demo'),
      409,
      'SecurityGroupCannotRemoveDefault',
    );
  });

  it('creates a group with two egress rules and refuses a duplicate rule', async () => {
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'web' } }, 'demo')).body.security_group;
    expect(sg.security_group_rules.map((r: any) => `${r.direction}/${r.ethertype}`).sort()).toEqual([
      'egress/IPv4',
      'egress/IPv6',
    ]);
    const rule = {
      security_group_id: sg.id,
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      ethertype: 'IPv4',
    };
    const first = await api('POST', 'security-group-rules', { security_group_rule: rule }, 'demo');
    expect(first.status).toBe(201);
    expect(first.body.security_group_rule).toMatchObject({
      protocol: 'tcp',
      port_range_min: 22,
      remote_ip_prefix: null,
      description: '',
    });
    const dup = await api('POST', 'security-group-rules', { security_group_rule: rule }, 'demo');
    expectNeutronError(dup, 409, 'SecurityGroupRuleExists');
    expect(dup.body.NeutronError.message).toBe(
      `Security group rule already exists. Rule id is ${first.body.security_group_rule.id}.`,
    );
    // protocol by number is the same rule, and so is an any-address prefix
    expectNeutronError(
      await api(
        'POST',
        'security-group-rules',
        { security_group_rule: { ...rule, protocol: '6', remote_ip_prefix: '0.0.0.0/0' } },
        'demo',
      ),
      409,
      'SecurityGroupRuleExists',
    );
    const icmp = await api(
      'POST',
      'security-group-rules',
      { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'icmp' } },
      'demo',
    );
    expect(icmp.body.security_group_rule.port_range_min).toBeNull();
    const shown = (await api('GET', `security-groups/${sg.id}`, undefined, 'demo')).body.security_group;
    expect(shown.security_group_rules).toHaveLength(4);
    expect(shown.revision_number).toBeGreaterThan(sg.revision_number);
  });

  it('refuses malformed rules with Neutron types', async () => {
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'bad-rules' } }, 'demo')).body
      .security_group;
    const post = (r: object) =>
      api(
        'POST',
        'security-group-rules',
        { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ...r } },
        'demo',
      );
    expectNeutronError(
      await post({ protocol: 'tcp', port_range_min: 30, port_range_max: 20 }),
      400,
      'SecurityGroupInvalidPortRange',
    );
    expectNeutronError(
      await post({ port_range_min: 22, port_range_max: 22 }),
      400,
      'SecurityGroupProtocolRequiredWithPorts',
    );
    expectNeutronError(await post({ protocol: 'banana' }), 400, 'SecurityGroupRuleInvalidProtocol');
    expectNeutronError(await post({ protocol: 'icmp', port_range_min: 300 }), 400, 'SecurityGroupInvalidIcmpValue');
    expectNeutronError(await post({ remote_ip_prefix: '::/0' }), 400, 'SecurityGroupRuleParameterConflict');
    expectNeutronError(await post({ direction: 'sideways' }), 400, 'InvalidInput');
    expectNeutronError(
      await post({ remote_ip_prefix: '10.0.0.0/8', remote_group_id: sg.id }),
      400,
      'SecurityGroupMultipleRemoteEntites',
    );
    expectNeutronError(
      await api('POST', 'security-groups', { security_group: { name: 'default' } }, 'demo'),
      409,
      'SecurityGroupDefaultAlreadyExists',
    );
    expectNeutronError(
      await api('GET', 'security-group-rules/3e2d0a57-0000-4000-8000-000000000000', undefined, 'demo'),
      404,
      'SecurityGroupRuleNotFound',
    );
  });

  it("keeps another project's groups invisible and untouchable", async () => {
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'private-sg' } }, 'demo')).body
      .security_group;
    expectNeutronError(
      await api('GET', `security-groups/${sg.id}`, undefined, 'alt_demo'),
      404,
      'SecurityGroupNotFound',
    );
    expectNeutronError(
      await api('DELETE', `security-groups/${sg.id}`, undefined, 'alt_demo'),
      404,
      'SecurityGroupNotFound',
    );
    expectNeutronError(
      await api(
        'POST',
        'security-group-rules',
        { security_group_rule: { security_group_id: sg.id, direction: 'ingress' } },
        'alt_demo',
      ),
      404,
      'SecurityGroupNotFound',
    );
    const alt = (await api('GET', 'security-groups', undefined, 'alt_demo')).body.security_groups;
    expect(alt.map((g: any) => g.id)).not.toContain(sg.id);
    expect(alt.map((g: any) => g.name)).toEqual(['default']);
  });

  it('puts ports in the default group and refuses deleting a group in use', async () => {
    const net = (await api('POST', 'networks', { network: { name: 'sgnet' } }, 'demo')).body.network;
    await api('POST', 'subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.4.0.0/24' } }, 'demo');
    const def = (await api('GET', 'security-groups?name=default', undefined, 'demo')).body.security_groups[0];
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'inuse' } }, 'demo')).body
      .security_group;
    const p = (await api('POST', 'ports', { port: { network_id: net.id } }, 'demo')).body.port;
    expect(p.security_groups).toEqual([def.id]);
    const p2 = (await api('POST', 'ports', { port: { network_id: net.id, security_groups: [sg.id] } }, 'demo')).body
      .port;
    expect(p2.security_groups).toEqual([sg.id]);
    expect(
      (await api('GET', `ports?security_groups=${sg.id}`, undefined, 'demo')).body.ports.map((x: any) => x.id),
    ).toEqual([p2.id]);
    expectNeutronError(await api('DELETE', `security-groups/${sg.id}`, undefined, 'demo'), 409, 'SecurityGroupInUse');
    expectNeutronError(
      await api('PUT', `ports/${p2.id}`, { port: { port_security_enabled: false } }, 'demo'),
      409,
      'PortSecurityAndIPRequiredForSecurityGroups',
    );
    const off = await api(
      'PUT',
      `ports/${p2.id}`,
      { port: { port_security_enabled: false, security_groups: [] } },
      'demo',
    );
    expect(off.body.port).toMatchObject({ port_security_enabled: false, security_groups: [] });
    expect((await api('DELETE', `security-groups/${sg.id}`, undefined, 'demo')).status).toBe(204);
  });
});
