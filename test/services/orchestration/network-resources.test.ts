import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// OS::Neutron::* through the network service's internal API: what a stack
// makes is what Neutron's API then shows, failures carry Neutron's cause,
// updates change in place or replace, delete leaves nothing behind.

describe('orchestration: OS::Neutron resources', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t, 'demo');
  });
  afterAll(() => t.close());

  const neutron = async (path: string) =>
    (await t.call({ method: 'GET', url: `/networking/v2.0/${path}`, as: 'demo' })).json();
  const net = (cidr = '192.168.7.0/24', ip = '192.168.7.4', groups: unknown[] = ['default']) =>
    hot(
      {
        net: { type: 'OS::Neutron::Net', properties: { name: 'heat-net' } },
        subnet: {
          type: 'OS::Neutron::Subnet',
          properties: { network: { get_resource: 'net' }, cidr, dns_nameservers: ['8.8.8.8'] },
        },
        router: { type: 'OS::Neutron::Router', properties: { external_gateway_info: { network: 'public' } } },
        iface: {
          type: 'OS::Neutron::RouterInterface',
          properties: { router: { get_resource: 'router' }, subnet: { get_resource: 'subnet' } },
        },
        sg: {
          type: 'OS::Neutron::SecurityGroup',
          properties: { rules: [{ protocol: 'tcp', port_range_min: 22, port_range_max: 22 }] },
        },
        port: {
          type: 'OS::Neutron::Port',
          properties: {
            network: { get_resource: 'net' },
            fixed_ips: [{ subnet: { get_resource: 'subnet' }, ip_address: ip }],
            security_groups: groups,
          },
        },
        fip: {
          type: 'OS::Neutron::FloatingIP',
          properties: { floating_network: 'public', port_id: { get_resource: 'port' } },
        },
      },
      {
        outputs: {
          ip: { value: { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] } },
          fip: { value: { get_attr: ['fip', 'floating_ip_address'] } },
          port_net: { value: { get_attr: ['port', 'network', 'name'] } },
        },
      },
    );
  const out = (stack: any, key: string) => stack.outputs.find((o: any) => o.output_key === key).output_value;

  it('makes networks, subnets, routers, ports, groups and floating IPs that Neutron shows', async () => {
    const { id, stack } = await createStack(t, 'nets', net(), { as: 'demo' });
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    expect(out(stack, 'ip')).toBe('192.168.7.4');
    expect(out(stack, 'fip')).toMatch(/^172\.24\.4\.\d+$/);
    expect(out(stack, 'port_net')).toBe('heat-net');
    const res = (await t.call({ method: 'GET', url: `${base}/stacks/nets/${id}/resources`, as: 'demo' })).json()
      .resources;
    const phys = (n: string) => res.find((r: any) => r.resource_name === n).physical_resource_id;
    const subnet = (await neutron(`subnets/${phys('subnet')}`)).subnet;
    expect(subnet).toMatchObject({ cidr: '192.168.7.0/24', gateway_ip: '192.168.7.1', dns_nameservers: ['8.8.8.8'] });
    expect(subnet.name).toMatch(/^nets-subnet-[a-z2-7]{12}$/);
    const port = (await neutron(`ports/${phys('port')}`)).port;
    const groups = (await neutron('security-groups')).security_groups;
    expect(port.security_groups).toEqual([groups.find((g: any) => g.name === 'default').id]);
    expect(phys('iface')).toBe(`${phys('router')}:subnet_id=${phys('subnet')}`);
    const rules = (await neutron(`security-group-rules?security_group_id=${phys('sg')}`)).security_group_rules;
    expect(rules.filter((r: any) => r.direction === 'ingress').map((r: any) => r.port_range_min)).toEqual([22]);
    const fip = (await neutron(`floatingips/${phys('fip')}`)).floatingip;
    expect(fip.port_id).toBe(phys('port'));
    // the floating IP waited for the router interface (Heat's implicit dependency)
    const iface = res.find((r: any) => r.resource_name === 'iface');
    expect(iface.required_by).toContain('fip');

    // groups change in place, the port stays; a new cidr replaces the subnet (and the interface on it)
    await t.call({
      method: 'PUT',
      url: `${base}/stacks/nets/${id}`,
      as: 'demo',
      payload: { template: net(undefined, undefined, [{ get_resource: 'sg' }]) },
    });
    await t.cloud.tasks.idle();
    const after = (await t.call({ method: 'GET', url: `${base}/stacks/nets/${id}/resources`, as: 'demo' })).json()
      .resources;
    const now = (n: string) => after.find((r: any) => r.resource_name === n);
    expect(now('port').physical_resource_id).toBe(phys('port'));
    expect(now('port').resource_status).toBe('UPDATE_COMPLETE');
    expect((await neutron(`ports/${phys('port')}`)).port.security_groups).toEqual([phys('sg')]);

    const moving = net('192.168.9.0/24', '192.168.9.4') as any;
    delete moving.resources.fip;
    moving.outputs = { ip: moving.outputs.ip };
    await t.call({ method: 'PUT', url: `${base}/stacks/nets/${id}`, as: 'demo', payload: { template: moving } });
    await t.cloud.tasks.idle();
    const moved = (await t.call({ method: 'GET', url: `${base}/stacks/nets/${id}`, as: 'demo' })).json().stack;
    expect(moved.stack_status, moved.stack_status_reason).toBe('UPDATE_COMPLETE');
    expect(out(moved, 'ip')).toBe('192.168.9.4');
    const replaced = (await t.call({ method: 'GET', url: `${base}/stacks/nets/${id}/resources`, as: 'demo' })).json()
      .resources;
    const newSubnet = replaced.find((r: any) => r.resource_name === 'subnet').physical_resource_id;
    expect(newSubnet).not.toBe(phys('subnet'));
    expect((await neutron(`subnets/${phys('subnet')}`)).NeutronError.type).toBe('SubnetNotFound');

    await t.call({ method: 'DELETE', url: `${base}/stacks/nets/${id}`, as: 'demo' });
    await t.cloud.tasks.idle();
    const s = (await t.call({ method: 'GET', url: `${base}/stacks/nets/${id}`, as: 'demo' })).json().stack;
    expect(s.stack_status).toBe('DELETE_COMPLETE');
    expect((await neutron('networks?name=heat-net')).networks).toEqual([]);
    expect((await neutron(`routers/${phys('router')}`)).NeutronError.type).toBe('RouterNotFound');
    expect((await neutron('floatingips')).floatingips.filter((f: any) => f.id === phys('fip'))).toEqual([]);
    expect((await neutron(`subnets/${newSubnet}`)).NeutronError.type).toBe('SubnetNotFound');
  });

  it("fails with Neutron's own cause, and refuses a network that does not exist before making anything", async () => {
    const { stack } = await createStack(t, 'badip', net('192.168.8.0/24', '10.9.9.9'), { as: 'demo' });
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toBe(
      'Resource CREATE failed: InvalidIpForSubnetClient: resources.port: IP address 10.9.9.9 is not a valid IP for the specified subnet.',
    );
    const res = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'demo',
      payload: {
        stack_name: 'nonet',
        template: hot({ s: { type: 'OS::Neutron::Subnet', properties: { network: 'nope', cidr: '10.1.0.0/24' } } }),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      "Property error: resources.s.properties.network: Error validating value 'nope': Unable to find network with name or id 'nope'",
    );
  });
});
