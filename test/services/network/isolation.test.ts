import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

// Another project's resources are invisible (404, never 403: their existence
// is not disclosed), absent from lists, and untouchable.
describe('network: project isolation', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  const made: Record<string, { path: string; member: string; id: string; notFound: string }> = {};
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
    const publicId = (await api('GET', 'networks?name=public')).body.networks[0].id;
    const net = (await api('POST', 'networks', { network: { name: 'iso' } }, 'demo')).body.network;
    const subnet = (
      await api('POST', 'subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.77.0.0/24' } }, 'demo')
    ).body.subnet;
    const port = (await api('POST', 'ports', { port: { network_id: net.id } }, 'demo')).body.port;
    const router = (
      await api('POST', 'routers', { router: { name: 'iso', external_gateway_info: { network_id: publicId } } }, 'demo')
    ).body.router;
    await api('PUT', `routers/${router.id}/add_router_interface`, { subnet_id: subnet.id }, 'demo');
    const sg = (await api('POST', 'security-groups', { security_group: { name: 'iso' } }, 'demo')).body.security_group;
    const rule = sg.security_group_rules[0];
    const fip = (
      await api('POST', 'floatingips', { floatingip: { floating_network_id: publicId, port_id: port.id } }, 'demo')
    ).body.floatingip;
    Object.assign(made, {
      network: { path: 'networks', member: 'network', id: net.id, notFound: 'NetworkNotFound' },
      subnet: { path: 'subnets', member: 'subnet', id: subnet.id, notFound: 'SubnetNotFound' },
      port: { path: 'ports', member: 'port', id: port.id, notFound: 'PortNotFound' },
      router: { path: 'routers', member: 'router', id: router.id, notFound: 'RouterNotFound' },
      security_group: {
        path: 'security-groups',
        member: 'security_group',
        id: sg.id,
        notFound: 'SecurityGroupNotFound',
      },
      security_group_rule: {
        path: 'security-group-rules',
        member: 'security_group_rule',
        id: rule.id,
        notFound: 'SecurityGroupRuleNotFound',
      },
      floatingip: { path: 'floatingips', member: 'floatingip', id: fip.id, notFound: 'FloatingIPNotFound' },
    });
  });
  afterAll(() => t.close());

  for (const kind of ['network', 'subnet', 'port', 'router', 'security_group', 'security_group_rule', 'floatingip']) {
    it(`hides and protects a ${kind}`, async () => {
      const r = made[kind];
      expectNeutronError(await api('GET', `${r.path}/${r.id}`, undefined, 'alt_demo'), 404, r.notFound);
      const list = (await api('GET', r.path, undefined, 'alt_demo')).body[r.path.replace(/-/g, '_')];
      expect(list.map((x: { id: string }) => x.id)).not.toContain(r.id);
      const filtered = (await api('GET', `${r.path}?id=${r.id}`, undefined, 'alt_demo')).body[
        r.path.replace(/-/g, '_')
      ];
      expect(filtered).toEqual([]);
      const update =
        kind === 'security_group_rule'
          ? { description: 'x' }
          : kind === 'floatingip'
            ? { description: 'x' }
            : { name: 'x' };
      expectNeutronError(await api('PUT', `${r.path}/${r.id}`, { [r.member]: update }, 'alt_demo'), 404, r.notFound);
      expectNeutronError(await api('DELETE', `${r.path}/${r.id}`, undefined, 'alt_demo'), 404, r.notFound);
      // still there for its owner
      expect((await api('GET', `${r.path}/${r.id}`, undefined, 'demo')).status).toBe(200);
    });
  }

  it("refuses to attach another project's port, subnet or group", async () => {
    const altNet = (await api('POST', 'networks', { network: { name: 'alt' } }, 'alt_demo')).body.network;
    expectNeutronError(
      await api('POST', 'ports', { port: { network_id: made.network.id } }, 'alt_demo'),
      404,
      'NetworkNotFound',
    );
    expectNeutronError(
      await api(
        'POST',
        'ports',
        { port: { network_id: altNet.id, security_groups: [made.security_group.id] } },
        'alt_demo',
      ),
      404,
      'SecurityGroupNotFound',
    );
    const altRouter = (await api('POST', 'routers', { router: { name: 'alt' } }, 'alt_demo')).body.router;
    expectNeutronError(
      await api('PUT', `routers/${altRouter.id}/add_router_interface`, { subnet_id: made.subnet.id }, 'alt_demo'),
      404,
      'SubnetNotFound',
    );
    expectNeutronError(
      await api('PUT', `routers/${altRouter.id}/add_router_interface`, { port_id: made.port.id }, 'alt_demo'),
      404,
      'PortNotFound',
    );
    expectNeutronError(
      await api(
        'POST',
        'subnets',
        { subnet: { network_id: made.network.id, ip_version: 4, cidr: '10.78.0.0/24' } },
        'alt_demo',
      ),
      404,
      'NetworkNotFound',
    );
    expectNeutronError(
      await api('POST', 'networks', { network: { name: 'x', project_id: made.port.id } }, 'alt_demo'),
      400,
      'HTTPBadRequest',
    );
    expectNeutronError(
      await api(
        'GET',
        `quotas/${(await api('GET', `networks/${made.network.id}`, undefined, 'demo')).body.network.project_id}`,
        undefined,
        'alt_demo',
      ),
      403,
      'NotAuthorized',
    );
  });
});
