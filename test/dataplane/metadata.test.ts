import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/host/exec.js';
import { passwordAuthByName } from '../helpers.js';
import { DataplaneCloud, type Guest } from './harness.js';

// 169.254.169.254 from a guest namespace plugged into a server's port: the
// proxy in the network's qdhcp namespace (route by DHCP option 121), and in
// the router's namespace for a subnet without DHCP (route via the gateway);
// each answers with that port's instance, signed through to the metadata
// service. The servers are the fake compute driver's; their ports are real.

describe('metadata on the linux data plane', () => {
  const c = new DataplaneCloud();
  const servers: Record<string, string> = {};
  const g: Record<string, Guest> = {};

  let token = '';
  const api = async (method: string, path: string, body?: unknown) => {
    if (!token) {
      const auth = await fetch(`${c.url}/identity/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(passwordAuthByName('admin')),
      });
      token = auth.headers.get('x-subject-token')!;
    }
    const res = await fetch(`${c.url}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const curl = async (guest: Guest, path: string) => {
    const out = await run('curl', ['-s', '-m', '5', '-w', '\n%{http_code}', `http://169.254.169.254${path}`], {
      netns: guest.ns,
      okCodes: [7, 28],
    });
    const lines = out.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };

  beforeAll(async () => {
    // guests are namespaces on the servers' ports: no qemu
    c.startArgs = ['--compute-driver', 'fake'];
    await c.start();
    const image = (await api('GET', '/image/v2/images')).images.find((i: { name: string }) =>
      i.name.startsWith('cirros'),
    ).id;
    for (const [k, dhcp] of [
      ['dhcp', true],
      ['router', false],
    ] as const) {
      const net = (await c.neutron('POST', 'networks', { network: { name: `md-${k}` } })).network;
      const subnet = (
        await c.neutron('POST', 'subnets', {
          subnet: { network_id: net.id, cidr: `10.211.${dhcp ? 1 : 2}.0/24`, ip_version: 4, enable_dhcp: dhcp },
        })
      ).subnet;
      if (!dhcp) {
        const router = (await c.neutron('POST', 'routers', { router: { name: 'md' } })).router;
        await c.neutron('PUT', `routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
      }
      const port = (await c.neutron('POST', 'ports', { port: { network_id: net.id, port_security_enabled: false } }))
        .port;
      const server = await api('POST', '/compute/v2.1/servers', {
        server: {
          name: `md-${k}`,
          imageRef: image,
          flavorRef: '1',
          networks: [{ port: port.id }],
          metadata: { via: k },
        },
      });
      servers[k] = server.server.id;
      g[k] = c.guest();
      await c.plug(port.id, g[k]);
    }
  });
  afterAll(async () => {
    await c.cleanup();
  });

  it("answers a guest on a DHCP network with its own instance's data", async () => {
    const res = await curl(g.dhcp, '/openstack/latest/meta_data.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ uuid: servers.dhcp, name: 'md-dhcp', meta: { via: 'dhcp' } });
  });

  it('answers through the router where the subnet has no DHCP', async () => {
    const res = await curl(g.router, '/openstack/latest/meta_data.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ uuid: servers.router, meta: { via: 'router' } });
  });

  it('answers again after a restart of pocketstack', async () => {
    await c.stop('SIGKILL');
    await c.start();
    await c.settled();
    let res = { status: 0, body: '' };
    for (let i = 0; i < 20 && res.status !== 200; i++) {
      res = await curl(g.dhcp, '/openstack/latest/meta_data.json');
      if (res.status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(JSON.parse(res.body).uuid).toBe(servers.dhcp);
  });
});
