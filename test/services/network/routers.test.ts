import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeNetworkDriver } from '../../../src/drivers/network/fake.js';
import { networkDriver } from '../../../src/drivers/network/index.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: routers and floating IPs', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  let publicId: string;
  const netWithSubnet = async (name: string, cidr: string, as = 'demo') => {
    const n = (await api('POST', 'networks', { network: { name } }, as)).body.network;
    const s = (
      await api('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 4, cidr, name: `${name}-subnet` } }, as)
    ).body.subnet;
    return { net: n.id as string, subnet: s.id as string };
  };
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
    publicId = (await api('GET', 'networks?name=public')).body.networks[0].id;
  });
  afterAll(() => t.close());

  it('sets a gateway with an address from public, adds an interface by subnet, and answers the guide conflicts', async () => {
    const front = await netWithSubnet('frontend', '10.1.1.0/24');
    const r1 = (await api('POST', 'routers', { router: { name: 'front-pub' } }, 'demo')).body.router;
    expect(r1.external_gateway_info).toBeNull();
    const gw = await api(
      'PUT',
      `routers/${r1.id}`,
      { router: { external_gateway_info: { network_id: publicId } } },
      'demo',
    );
    const ips = gw.body.router.external_gateway_info.external_fixed_ips;
    expect(ips.find((ip: any) => ip.ip_address.startsWith('172.24.4.'))).toBeTruthy();
    expect(gw.body.router.external_gateway_info.enable_snat).toBe(true);
    const add = await api('PUT', `routers/${r1.id}/add_router_interface`, { subnet_id: front.subnet }, 'demo');
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({
      id: r1.id,
      network_id: front.net,
      subnet_id: front.subnet,
      subnet_ids: [front.subnet],
    });
    const iface = (await api('GET', `ports/${add.body.port_id}`, undefined, 'demo')).body.port;
    expect(iface).toMatchObject({
      device_owner: 'network:router_interface',
      device_id: r1.id,
      fixed_ips: [{ subnet_id: front.subnet, ip_address: '10.1.1.1' }],
    });
    // a second router on the same subnet wants the same gateway address
    const r2 = (await api('POST', 'routers', { router: { name: 'back-front' } }, 'demo')).body.router;
    const clash = await api('PUT', `routers/${r2.id}/add_router_interface`, { subnet_id: front.subnet }, 'demo');
    expectNeutronError(clash, 409, 'IpAddressAlreadyAllocated');
    expect(clash.body.NeutronError.message).toBe(`IP address 10.1.1.1 already allocated in subnet ${front.subnet}`);
    // ...so the guide attaches it through a port of its own
    const port = (await api('POST', 'ports', { port: { network_id: front.net, name: 'frontend-port' } }, 'demo')).body
      .port;
    const byPort = await api('PUT', `routers/${r2.id}/add_router_interface`, { port_id: port.id }, 'demo');
    expect(byPort.body.port_id).toBe(port.id);
    // an overlapping subnet on the same router is refused
    const overlap = await netWithSubnet('overlap', '10.1.1.0/25');
    expectNeutronError(
      await api('PUT', `routers/${r1.id}/add_router_interface`, { subnet_id: overlap.subnet }, 'demo'),
      400,
      'BadRequest',
    );
    expectNeutronError(
      await api('PUT', `ports/${add.body.port_id}`, { port: { name: 'x' } }, 'alt_demo'),
      404,
      'PortNotFound',
    );
    expectNeutronError(await api('DELETE', `ports/${add.body.port_id}`, undefined, 'demo'), 409, 'ServicePortInUse');
    expectNeutronError(await api('DELETE', `routers/${r1.id}`, undefined, 'demo'), 409, 'RouterInUse');
    expectNeutronError(await api('DELETE', `networks/${front.net}`, undefined, 'demo'), 409, 'NetworkInUse');
    // extra routes need a nexthop on an attached subnet
    expectNeutronError(
      await api(
        'PUT',
        `routers/${r1.id}`,
        { router: { routes: [{ destination: '10.9.0.0/24', nexthop: '192.168.99.1' }] } },
        'demo',
      ),
      400,
      'InvalidRoutes',
    );
    const routed = await api(
      'PUT',
      `routers/${r1.id}`,
      { router: { routes: [{ destination: '10.2.2.0/24', nexthop: '10.1.1.50' }] } },
      'demo',
    );
    expect(routed.body.router.routes).toEqual([{ destination: '10.2.2.0/24', nexthop: '10.1.1.50' }]);
    expectNeutronError(
      await api('PUT', `routers/${r1.id}/remove_router_interface`, { subnet_id: front.subnet }, 'demo'),
      409,
      'RouterInterfaceInUseByRoute',
    );
    await api('PUT', `routers/${r1.id}`, { router: { routes: [] } }, 'demo');
    const removed = await api('PUT', `routers/${r1.id}/remove_router_interface`, { subnet_id: front.subnet }, 'demo');
    expect(removed.body.port_id).toBe(add.body.port_id);
    expectNeutronError(await api('GET', `ports/${add.body.port_id}`, undefined, 'demo'), 404, 'PortNotFound');
    expectNeutronError(
      await api('PUT', `routers/${r1.id}/remove_router_interface`, { subnet_id: front.subnet }, 'demo'),
      404,
      'RouterInterfaceNotFoundForSubnet',
    );
    expectNeutronError(
      await api('PUT', `routers/${r1.id}/add_router_interface`, { subnet_id: front.subnet }, 'alt_demo'),
      404,
      'RouterNotFound',
    );
    expectNeutronError(await api('PUT', `routers/${r1.id}/add_router_interface`, {}, 'demo'), 400, 'BadRequest');
  });

  it('refuses a gateway on a network that is not external', async () => {
    const n = await netWithSubnet('inner', '10.8.0.0/24');
    expectNeutronError(
      await api('POST', 'routers', { router: { name: 'x', external_gateway_info: { network_id: n.net } } }, 'demo'),
      400,
      'BadRequest',
    );
  });

  it('allocates floating IPs (chosen or not), associates them only where a router reaches, tags them', async () => {
    const inner = await netWithSubnet('app', '192.168.1.0/24');
    const port = (
      await api(
        'POST',
        'ports',
        { port: { network_id: inner.net, fixed_ips: [{ ip_address: '192.168.1.3' }] } },
        'demo',
      )
    ).body.port;
    const unreachable = await api(
      'POST',
      'floatingips',
      { floatingip: { floating_network_id: publicId, port_id: port.id } },
      'demo',
    );
    expectNeutronError(unreachable, 404, 'ExternalGatewayForFloatingIPNotFound');
    expect(unreachable.body.NeutronError.message).toContain(
      `External network ${publicId} is not reachable from subnet ${inner.subnet}`,
    );
    const r = (
      await api(
        'POST',
        'routers',
        { router: { name: 'app-router', external_gateway_info: { network_id: publicId } } },
        'demo',
      )
    ).body.router;
    await api('PUT', `routers/${r.id}/add_router_interface`, { subnet_id: inner.subnet }, 'demo');
    // choosing an address is for admins
    expectNeutronError(
      await api(
        'POST',
        'floatingips',
        { floatingip: { floating_network_id: publicId, floating_ip_address: '172.24.4.198' } },
        'demo',
      ),
      403,
      'PolicyNotAuthorized',
    );
    const demoProject = port.project_id;
    const fip = await api('POST', 'floatingips', {
      floatingip: {
        floating_network_id: publicId,
        floating_ip_address: '172.24.4.198',
        port_id: port.id,
        project_id: demoProject,
      },
    });
    expect(fip.status).toBe(201);
    expect(fip.body.floatingip).toMatchObject({
      floating_ip_address: '172.24.4.198',
      fixed_ip_address: '192.168.1.3',
      router_id: r.id,
      port_id: port.id,
      status: 'ACTIVE',
    });
    expect(fip.body.floatingip.port_details).toMatchObject({ network_id: inner.net, mac_address: port.mac_address });
    expectNeutronError(
      await api('POST', 'floatingips', {
        floatingip: { floating_network_id: publicId, floating_ip_address: '172.24.4.198' },
      }),
      409,
      'IpAddressAlreadyAllocated',
    );
    expectNeutronError(
      await api('PUT', `routers/${r.id}/remove_router_interface`, { subnet_id: inner.subnet }, 'demo'),
      409,
      'RouterInterfaceInUseByFloatingIP',
    );
    expectNeutronError(
      await api('PUT', `routers/${r.id}`, { router: { external_gateway_info: {} } }, 'demo'),
      409,
      'RouterExternalGatewayInUseByFloatingIp',
    );
    const second = (await api('POST', 'floatingips', { floatingip: { floating_network_id: publicId } }, 'demo')).body
      .floatingip;
    expect(second.floating_ip_address).toMatch(/^172\.24\.4\.\d+$/);
    expect(second.port_id).toBeNull();
    expectNeutronError(
      await api('PUT', `floatingips/${second.id}`, { floatingip: { port_id: port.id } }, 'demo'),
      409,
      'FloatingIPPortAlreadyAssociated',
    );
    await api('PUT', `floatingips/${second.id}/tags/mysql_floating_ip`, undefined, 'demo');
    const tagged = (await api('GET', 'floatingips?tags=mysql_floating_ip', undefined, 'demo')).body.floatingips;
    expect(tagged.map((f: any) => f.id)).toEqual([second.id]);
    expectNeutronError(await api('GET', `floatingips/${second.id}`, undefined, 'alt_demo'), 404, 'FloatingIPNotFound');
    // deleting the port frees the floating IP
    await api('DELETE', `ports/${port.id}`, undefined, 'demo');
    const freed = (await api('GET', `floatingips/${fip.body.floatingip.id}`, undefined, 'demo')).body.floatingip;
    expect(freed).toMatchObject({ port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' });
    expect((await api('DELETE', `floatingips/${freed.id}`, undefined, 'demo')).status).toBe(204);
    expectNeutronError(await api('DELETE', `floatingips/${freed.id}`, undefined, 'demo'), 404, 'FloatingIPNotFound');
    expectNeutronError(
      await api('POST', 'floatingips', { floatingip: { floating_network_id: inner.net } }, 'demo'),
      400,
      'BadRequest',
    );
  });

  it('enforces quotas with OverQuota and lets admins change them', async () => {
    const project = (await api('GET', 'networks?name=private', undefined, 'demo')).body.networks[0].project_id;
    expect((await api('GET', `quotas/${project}`, undefined, 'demo')).body.quota).toMatchObject({
      network: 100,
      port: 500,
      router: 10,
      floatingip: 50,
      security_group: 10,
    });
    expectNeutronError(
      await api('PUT', `quotas/${project}`, { quota: { router: 1 } }, 'demo'),
      403,
      'PolicyNotAuthorized',
    );
    expect((await api('PUT', `quotas/${project}`, { quota: { router: 1 } })).body.quota.router).toBe(1);
    const over = await api('POST', 'routers', { router: { name: 'one-too-many' } }, 'demo');
    expectNeutronError(over, 409, 'OverQuota');
    expect(over.body.NeutronError.message).toBe("Quota exceeded for resources: ['router'].");
    const details = (await api('GET', `quotas/${project}/details`, undefined, 'demo')).body.quota;
    expect(details.router.limit).toBe(1);
    expect(details.router.used).toBeGreaterThan(1);
    expect((await api('DELETE', `quotas/${project}`)).status).toBe(204);
    expectNeutronError(await api('DELETE', `quotas/${project}`), 404, 'TenantQuotaNotFound');
    expect((await api('POST', 'routers', { router: { name: 'fits-again' } }, 'demo')).status).toBe(201);
    expectNeutronError(await api('PUT', `quotas/${project}`, { quota: { router: 'lots' } }), 400, 'InvalidInput');
  });

  it('sends every data plane change through the driver', async () => {
    const driver = networkDriver(t.cloud) as FakeNetworkDriver;
    const app = await netWithSubnet('plane', '10.60.0.0/24');
    const r = (
      await api(
        'POST',
        'routers',
        { router: { name: 'plane-r', external_gateway_info: { network_id: publicId } } },
        'demo',
      )
    ).body.router;
    await api('PUT', `routers/${r.id}/add_router_interface`, { subnet_id: app.subnet }, 'demo');
    const port = (await api('POST', 'ports', { port: { network_id: app.net } }, 'demo')).body.port;
    const fip = (
      await api('POST', 'floatingips', { floatingip: { floating_network_id: publicId, port_id: port.id } }, 'demo')
    ).body.floatingip;
    await t.cloud.tasks.idle();
    expect(driver.state.network.get(app.net)?.subnets.map((s) => s.cidr)).toEqual(['10.60.0.0/24']);
    expect(driver.state.port.get(port.id)?.fixed_ips).toEqual(port.fixed_ips);
    const router = driver.state.router.get(r.id)!;
    expect(router.interfaces.map((i) => i.ip_address)).toEqual(['10.60.0.1']);
    expect(router.gateway?.network_id).toBe(publicId);
    expect(router.floating_ips).toEqual([
      {
        id: fip.id,
        floating_ip_address: fip.floating_ip_address,
        fixed_ip_address: port.fixed_ips[0].ip_address,
        port_id: port.id,
      },
    ]);
    await api('DELETE', `floatingips/${fip.id}`, undefined, 'demo');
    await api('DELETE', `ports/${port.id}`, undefined, 'demo');
    await t.cloud.tasks.idle();
    expect(driver.state.port.has(port.id)).toBe(false);
    expect(driver.state.router.get(r.id)!.floating_ips).toEqual([]);
  });
});
