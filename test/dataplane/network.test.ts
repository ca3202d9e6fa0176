import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/host/exec.js';
import { ownedNamespaces } from '../../src/host/netns.js';
import { type DataplaneCloud as Cloud, DataplaneCloud, eventually, type Guest } from './harness.js';

// The linux network driver with real packets. Guests are network namespaces
// plugged into Neutron ports (`pocketstack port plug`); an "outside" host is
// a namespace plugged into a port on the public network. Security groups
// and metadata are checked in their own file.

interface Lease {
  addresses: string[];
  routes: string;
  dns: string;
}

/** What `port plug` printed, in parts. */
function lease(out: string): Lease {
  const line = (k: string) => new RegExp(`^${k}\\s+(.*)$`, 'm').exec(out)?.[1] ?? '';
  return {
    addresses: line('addresses')
      .replace(/ \(.*\)$/, '')
      .split(' '),
    routes: line('routes'),
    dns: line('dns'),
  };
}

const ping = (g: Guest | undefined, ip: string) =>
  g ? g.exec('ping', ['-c', '1', '-W', '2', ip]) : run('ping', ['-c', '1', '-W', '2', ip], { timeoutMs: 5000 });

describe('linux network driver: packets', () => {
  const c: Cloud = new DataplaneCloud();
  const ids: Record<string, string> = {};
  const guests: Record<string, Guest> = {};
  let publicNet: any;
  let routerGw = '';
  let outside: Guest;
  let outsideIp = '';
  let g1: Guest;
  let g1Ip = '';
  let fip = '';
  let nftBefore = '';

  beforeAll(async () => {
    nftBefore = await run('nft', ['list', 'tables']);
    await c.start();
    publicNet = (await c.neutron('GET', 'networks?name=public')).networks[0];
  });
  afterAll(async () => {
    await c.cleanup();
  });

  // guests' ports have port security off: filtering is security-groups.test.ts's
  it('DHCP gives the allocated address, the DNS servers and the host routes; the gateway answers', async () => {
    const net = (await c.neutron('POST', 'networks', { network: { name: 'dp' } })).network;
    ids.net = net.id;
    const sub = (
      await c.neutron('POST', 'subnets', {
        subnet: {
          network_id: net.id,
          ip_version: 4,
          cidr: '10.77.1.0/24',
          dns_nameservers: ['192.0.2.53', '192.0.2.54'],
          host_routes: [{ destination: '10.77.9.0/24', nexthop: '10.77.1.254' }],
        },
      })
    ).subnet;
    ids.subnet = sub.id;
    const router = (
      await c.neutron('POST', 'routers', {
        router: { name: 'dp-router', external_gateway_info: { network_id: publicNet.id } },
      })
    ).router;
    ids.router = router.id;
    routerGw = router.external_gateway_info.external_fixed_ips.find((f: any) => !f.ip_address.includes(':')).ip_address;
    await c.neutron('PUT', `routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    const dhcpPort = (await c.neutron('GET', `ports?network_id=${net.id}&device_owner=network:dhcp`)).ports[0];
    expect(dhcpPort.fixed_ips[0].ip_address).toBe('10.77.1.2');
    const port = (
      await c.neutron('POST', 'ports', { port: { port_security_enabled: false, network_id: net.id, name: 'g1' } })
    ).port;
    ids.g1 = port.id;
    g1Ip = port.fixed_ips[0].ip_address;
    g1 = c.guest();
    const got = lease(await c.plug(port.id, g1));
    expect(got.addresses).toEqual([`${g1Ip}/24`]);
    expect(got.dns).toBe('192.0.2.53 192.0.2.54');
    expect(got.routes).toContain('10.77.9.0/24 via 10.77.1.254');
    expect(got.routes).toContain('169.254.169.254/32 via 10.77.1.2');
    expect(got.routes).toContain('0.0.0.0/0 via 10.77.1.1');
    expect(await g1.exec('ip', ['-4', 'addr', 'show', 'eth0'])).toContain(`inet ${g1Ip}/24`);
    await ping(g1, '10.77.1.1');
  });

  it('SNATs a guest to the public network through its router', async () => {
    const port = (
      await c.neutron('POST', 'ports', {
        port: { port_security_enabled: false, network_id: publicNet.id, name: 'outside' },
      })
    ).port;
    outsideIp = port.fixed_ips.find((f: any) => !f.ip_address.includes(':')).ip_address;
    outside = c.guest();
    expect(lease(await c.plug(port.id, outside)).addresses).toContain(`${outsideIp}/24`);
    await c.whoamiServer(outside.ns, 7000);
    // the outside sees the router's gateway address, never the guest's
    expect(await eventually(() => c.whoami(g1.ns, outsideIp, 7000))).toBe(routerGw);
  });

  it("reaches a guest from the host on its floating IP, and the guest sees the host's address", async () => {
    const f = (
      await c.neutron('POST', 'floatingips', {
        floatingip: { floating_network_id: publicNet.id, port_id: ids.g1 },
      })
    ).floatingip;
    fip = f.floating_ip_address;
    await c.settled();
    await c.whoamiServer(g1.ns, 7001);
    const hostIp = c.floatingRange.replace(/0\/24$/, '1');
    expect(await eventually(() => c.whoami('', fip, 7001))).toBe(hostIp);
    await ping(undefined, fip);
    // and with the floating IP, the guest goes out as its floating IP
    expect(await c.whoami(g1.ns, outsideIp, 7000)).toBe(fip);
  });

  it('lets nothing through the host veth but traffic for the host itself', async () => {
    // the outside namespace's default route is the host's address: anything else sent that way is dropped
    await outside.exec('ip', ['route', 'replace', '198.51.100.0/24', 'via', c.floatingRange.replace(/0\/24$/, '1')]);
    await expect(ping(outside, '198.51.100.7')).rejects.toThrow();
    await ping(outside, c.floatingRange.replace(/0\/24$/, '1'));
  });

  it("routes the guide's backend through its second router (router add port, subnet host route)", async () => {
    const make = async (name: string, cidr: string) => {
      const n = (await c.neutron('POST', 'networks', { network: { name } })).network;
      const s = (await c.neutron('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 4, cidr } })).subnet;
      return { n, s };
    };
    const front = await make('frontend', '10.1.1.0/24');
    const back = await make('backend', '10.2.2.0/24');
    const frontRouter = (
      await c.neutron('POST', 'routers', {
        router: { name: 'front-pub-router', external_gateway_info: { network_id: publicNet.id } },
      })
    ).router;
    await c.neutron('PUT', `routers/${frontRouter.id}/add_router_interface`, { subnet_id: front.s.id });
    const backRouter = (await c.neutron('POST', 'routers', { router: { name: 'back-front-router' } })).router;
    ids.backRouter = backRouter.id;
    await c.neutron('PUT', `routers/${backRouter.id}/add_router_interface`, { subnet_id: back.s.id });
    const frontPort = (
      await c.neutron('POST', 'ports', {
        port: { port_security_enabled: false, network_id: front.n.id, name: 'frontend-port' },
      })
    ).port;
    const hop = frontPort.fixed_ips[0].ip_address;
    await c.neutron('PUT', `routers/${backRouter.id}/add_router_interface`, { port_id: frontPort.id });
    await c.neutron('PUT', `subnets/${front.s.id}`, {
      subnet: { dns_nameservers: ['1.1.1.1'], host_routes: [{ destination: '10.2.2.0/24', nexthop: hop }] },
    });
    const web = (
      await c.neutron('POST', 'ports', { port: { port_security_enabled: false, network_id: front.n.id, name: 'web' } })
    ).port;
    const db = (
      await c.neutron('POST', 'ports', { port: { port_security_enabled: false, network_id: back.n.id, name: 'db' } })
    ).port;
    const gw = c.guest();
    const gd = c.guest();
    const webLease = lease(await c.plug(web.id, gw));
    expect(webLease.routes).toContain(`10.2.2.0/24 via ${hop}`);
    expect(webLease.dns).toBe('1.1.1.1');
    await c.plug(db.id, gd);
    const webIp = web.fixed_ips[0].ip_address;
    const dbIp = db.fixed_ips[0].ip_address;
    // the web server reaches the database through back-front-router (its host route), and back
    expect(await gw.exec('ip', ['route', 'get', dbIp])).toContain(`via ${hop}`);
    await ping(gw, dbIp);
    await ping(gd, webIp);
    await c.whoamiServer(gw.ns, 7002);
    expect(await c.whoami(gd.ns, webIp, 7002)).toBe(dbIp);
    // the backend has no way out: back-front-router has no gateway
    await expect(ping(gd, outsideIp)).rejects.toThrow();
    // while the frontend goes out through front-pub-router
    await ping(gw, outsideIp);
  });

  it('keeps everything working across a crash (kill -9) and a restart, without duplicates', async () => {
    const namespaces = async () => (await ownedNamespaces(c.tag)).sort();
    const dnsmasqs = async () =>
      (await run('pgrep', ['-a', 'dnsmasq'], { okCodes: [1] })).split('\n').filter((l) => l.includes(c.dataDir));
    const before = await namespaces();
    const dnsBefore = await dnsmasqs();
    await c.stop('SIGKILL');
    await c.start();
    // the data plane never stopped: the floating IP answers while pocketstack starts again
    await ping(undefined, fip);
    await eventually(async () => {
      const log = await run('cat', [`${c.dataDir}/pocketstack.log`]);
      if (!log.includes('network data plane reconciled')) throw new Error('not reconciled yet');
    });
    expect(await namespaces()).toEqual(before);
    const dnsAfter = await dnsmasqs();
    expect(dnsAfter).toHaveLength(dnsBefore.length);
    expect(dnsAfter.sort()).toEqual(dnsBefore.sort()); // the same processes, adopted
    // a new guest gets its address by DHCP, and the old ones still route
    const port = (
      await c.neutron('POST', 'ports', { port: { port_security_enabled: false, network_id: ids.net, name: 'g3' } })
    ).port;
    const g3 = c.guest();
    expect(lease(await c.plug(port.id, g3)).addresses).toEqual([`${port.fixed_ips[0].ip_address}/24`]);
    await ping(g3, g1Ip);
    expect(await c.whoami(g1.ns, outsideIp, 7000)).toBe(fip);
    expect(await eventually(() => c.whoami('', fip, 7001))).toBe(c.floatingRange.replace(/0\/24$/, '1'));
    ids.g3 = port.id;
    guests.g3 = g3;
  });

  it('unplugs a namespace with port unplug, and when its port is deleted', async () => {
    expect(await c.cli(['port', 'unplug', ids.g3])).toContain('unplugged');
    expect(await guests.g3.exec('ip', ['-br', 'link'])).not.toContain('eth0');
    const port = (await c.neutron('POST', 'ports', { port: { port_security_enabled: false, network_id: ids.net } }))
      .port;
    const g4 = c.guest();
    await c.plug(port.id, g4);
    await c.neutron('DELETE', `ports/${port.id}`);
    await c.settled();
    expect(await g4.exec('ip', ['-br', 'link'])).not.toContain('eth0');
  });

  it('restarts a dnsmasq that died, and removes what was deleted', async () => {
    const pids = (await run('pgrep', ['-f', `${c.dataDir}/run/dhcp/${ids.net}/`])).trim().split('\n');
    expect(pids).toHaveLength(1);
    process.kill(Number(pids[0]), 'SIGKILL');
    const again = await eventually(
      async () => {
        const now = (await run('pgrep', ['-f', `${c.dataDir}/run/dhcp/${ids.net}/`])).trim();
        if (!now || now === pids[0]) throw new Error('not restarted yet');
        return now;
      },
      60,
      250,
    );
    expect(again).not.toBe(pids[0]);
    // deleting the back router takes its namespace away
    const ports = (await c.neutron('GET', `ports?device_id=${ids.backRouter}`)).ports;
    for (const p of ports)
      await c.neutron('PUT', `routers/${ids.backRouter}/remove_router_interface`, { port_id: p.id });
    await c.neutron('DELETE', `routers/${ids.backRouter}`);
    await c.settled();
    expect(await run('ip', ['netns', 'list'])).not.toContain(`qrouter-${ids.backRouter}`);
  });

  it('reset leaves nothing on the host', async () => {
    await c.stop('SIGTERM');
    const out = await c.cli(['reset', '--yes']);
    expect(out).toContain(`pocketstack-${c.tag}`);
    const netns = await run('ip', ['netns', 'list']);
    expect(netns).not.toMatch(new RegExp(`pocketstack-${c.tag}|qdhcp-${ids.net}|qrouter-${ids.router}`));
    expect(await run('ip', ['link', 'show'])).not.toContain(`psgw-${c.tag}`);
    expect(await run('nft', ['list', 'tables'])).toBe(nftBefore);
    expect(await run('pgrep', ['-a', 'dnsmasq'], { okCodes: [1] })).not.toContain(c.dataDir);
    // the guests' veths went with the bridge namespace
    expect(await g1.exec('ip', ['-br', 'link'])).not.toContain('eth0');
  });
});
