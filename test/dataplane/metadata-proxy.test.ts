import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortSpec } from '../../src/drivers/network/driver.js';
import { MetadataProxy } from '../../src/drivers/network/linux/metadata-proxy.js';
import { run } from '../../src/host/exec.js';
import { dhcpDeviceName, dhcpNamespace, routerInterfaceName, routerNamespace } from '../../src/host/names.js';
import { startMetadataListener } from '../../src/services/compute/metadata/service.js';
import { type TestCloud, testCloud } from '../helpers.js';
import { boot, cirros } from '../services/compute/util.js';
import { SgLab } from './sg-lab.js';

// 169.254.169.254 from a guest namespace, through the metadata proxy of a
// qdhcp namespace and of a qrouter namespace, to the signed metadata
// service: the guest reads its own instance's data and nobody else's. The
// namespaces are made here (on a cloud with the fake drivers); the proxy is
// the one the linux driver runs.

const net = '/networking/v2.0';

describe('metadata through the proxy in qdhcp and qrouter namespaces', () => {
  const lab = new SgLab();
  let t: TestCloud;
  let proxy: MetadataProxy;
  let serverId: string;
  let netId: string;
  let routerId: string;
  let guest: string;
  let stranger: string;
  let fixedIp: string;

  beforeAll(async () => {
    t = await testCloud();
    await startMetadataListener(t.cloud);
    proxy = new MetadataProxy(t.cloud);
    const post = async (url: string, payload: object) => {
      const res = await t.call({ method: 'POST', url, as: 'demo', payload });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    netId = (await post(`${net}/networks`, { network: { name: 'md' } })).network.id;
    const subnet = (
      await post(`${net}/subnets`, {
        subnet: {
          network_id: netId,
          cidr: '10.202.1.0/24',
          ip_version: 4,
          allocation_pools: [{ start: '10.202.1.10', end: '10.202.1.100' }],
        },
      })
    ).subnet;
    const port = (await post(`${net}/ports`, { port: { network_id: netId } })).port as PortSpec;
    fixedIp = port.fixed_ips[0].ip_address;
    serverId = await boot(t, 'demo', {
      name: 'md-guest',
      imageRef: await cirros(t),
      flavorRef: '42',
      networks: [{ port: port.id }],
      metadata: { role: 'probe' },
    });
    routerId = (await post(`${net}/routers`, { router: { name: 'md' } })).router.id;
    const leg = (
      await t.call({
        method: 'PUT',
        url: `${net}/routers/${routerId}/add_router_interface`,
        as: 'demo',
        payload: { subnet_id: subnet.id },
      })
    ).json();

    await lab.create();
    await lab.addNetwork({ id: netId, name: 'md', mtu: 1500, admin_state_up: true, external: false, subnets: [] });
    guest = await lab.plug(port, 24);
    // a namespace on the network whose address no port holds
    stranger = await lab.plug(
      {
        ...port,
        id: crypto.randomUUID(),
        fixed_ips: [{ subnet_id: '', ip_address: '10.202.1.99' }],
        mac_address: 'fa:16:3e:00:00:99',
      },
      24,
    );
    // the DHCP namespace as the linux driver makes it: its port's address and 169.254.169.254/32
    const dhcpPort = crypto.randomUUID();
    await lab.leg(dhcpNamespace(netId), dhcpDeviceName(dhcpPort), dhcpPort, netId, [
      '10.202.1.2/24',
      '169.254.169.254/32',
    ]);
    await lab.leg(routerNamespace(routerId), routerInterfaceName(leg.port_id), leg.port_id, netId, ['10.202.1.1/24']);
    await run('ip', ['-n', guest, 'route', 'add', 'default', 'via', '10.202.1.1']);
    await run('ip', ['-n', stranger, 'route', 'add', 'default', 'via', '10.202.1.1']);
  });
  afterAll(async () => {
    await proxy?.close();
    await lab.destroy();
    await t?.close();
  });

  const curl = async (ns: string, path: string, headers: string[] = []) => {
    const out = await run(
      'curl',
      ['-s', '-m', '5', '-w', '\n%{http_code}', ...headers.flatMap((h) => ['-H', h]), `http://169.254.169.254${path}`],
      { netns: ns, okCodes: [7, 28] },
    );
    const lines = out.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };

  it("answers a guest behind the DHCP namespace with its own instance's data", async () => {
    await run('ip', ['-n', guest, 'route', 'replace', '169.254.169.254/32', 'via', '10.202.1.2']);
    await proxy.ensure(dhcpNamespace(netId), { networkId: netId });
    const res = await curl(guest, '/openstack/latest/meta_data.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ uuid: serverId, name: 'md-guest', meta: { role: 'probe' } });
    expect((await curl(guest, '/latest/meta-data/local-ipv4')).body).toBe(fixedIp);
  });

  it('ignores identity headers a guest sends, and answers 404 to an address no port holds', async () => {
    const forged = await curl(guest, '/openstack/latest/meta_data.json', [
      'X-Instance-ID: 00000000-0000-0000-0000-000000000000',
      'X-Instance-ID-Signature: 0',
      'X-Forwarded-For: 10.202.1.99',
    ]);
    expect(JSON.parse(forged.body).uuid).toBe(serverId);
    await run('ip', ['-n', stranger, 'route', 'replace', '169.254.169.254/32', 'via', '10.202.1.2']);
    expect((await curl(stranger, '/openstack/latest/meta_data.json')).status).toBe(404);
  });

  it('answers through the router when the guest routes 169.254.169.254 to its gateway', async () => {
    await run('ip', ['-n', guest, 'route', 'del', '169.254.169.254/32']);
    await proxy.ensure(routerNamespace(routerId), { routerId });
    const res = await curl(guest, '/openstack/latest/meta_data.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).uuid).toBe(serverId);
  });

  it('stops answering once the listener is removed', async () => {
    await proxy.remove(routerNamespace(routerId));
    expect((await curl(guest, '/openstack/latest/meta_data.json')).status).toBe(0);
    expect(proxy.namespaces()).toEqual([dhcpNamespace(netId)]);
  });
});
