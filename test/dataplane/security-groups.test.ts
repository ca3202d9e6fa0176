import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/host/exec.js';
import { DataplaneCloud, eventually, type Guest } from './harness.js';

// Security groups through a whole cloud: pocketstack with the linux network
// driver, guests as namespaces plugged into Neutron ports (`port plug`, their
// addresses by DHCP), and rules changed through the API. A change is awaited
// by polling the behaviour (bounded): how fast it comes is the bench's
// business (bench/security-groups.bench.mjs).

describe('security groups on the linux data plane', () => {
  const c = new DataplaneCloud();
  const ip: Record<string, string> = {};
  const portId: Record<string, string> = {};
  let subnetId: string;
  const g: Record<string, Guest> = {};
  let web: string;
  let defaultGroup: string;

  const reach = async (from: string, to: string, port: number) => {
    const out = await run(
      'timeout',
      ['1', 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1" && echo open', ip[to], String(port)],
      {
        netns: g[from].ns,
        okCodes: [1, 124],
      },
    );
    return out.includes('open');
  };
  const ping = async (from: string, to: string) =>
    / 1 received/.test(await run('ping', ['-c', '1', '-W', '1', ip[to]], { netns: g[from].ns, okCodes: [1, 2] }));
  /** Polls until `probe` gives `want` (at most ~5 s), then returns what it gave last. */
  const becomes = async (probe: () => Promise<boolean>, want: boolean) => {
    let got = !want;
    for (let i = 0; i < 25 && got !== want; i++) {
      got = await probe();
      if (got !== want) await new Promise((r) => setTimeout(r, 200));
    }
    return got;
  };
  const addRule = async (rule: Record<string, unknown>) =>
    (await c.neutron('POST', 'security-group-rules', { security_group_rule: { direction: 'ingress', ...rule } }))
      .security_group_rule.id as string;

  beforeAll(async () => {
    await c.start();
    const net = (await c.neutron('POST', 'networks', { network: { name: 'sg' } })).network;
    subnetId = (
      await c.neutron('POST', 'subnets', { subnet: { network_id: net.id, cidr: '10.210.0.0/24', ip_version: 4 } })
    ).subnet.id;
    web = (await c.neutron('POST', 'security-groups', { security_group: { name: 'web' } })).security_group.id;
    defaultGroup = (await c.neutron('GET', 'security-groups?name=default')).security_groups[0].id;
    const ports: Record<string, object> = {
      a: {}, // the project's default group
      b: {},
      c: { security_groups: [web] },
      d: { port_security_enabled: false, security_groups: [] },
    };
    for (const [k, extra] of Object.entries(ports)) {
      const port = (await c.neutron('POST', 'ports', { port: { network_id: net.id, name: `sg-${k}`, ...extra } })).port;
      ip[k] = port.fixed_ips[0].ip_address;
      portId[k] = port.id;
      g[k] = c.guest();
      await c.plug(port.id, g[k]);
    }
    await c.whoamiServer(g.c.ns, 5000);
    await c.whoamiServer(g.c.ns, 5001);
    await c.whoamiServer(g.d.ns, 5000);
    await c.settled();
  });
  afterAll(async () => {
    await c.cleanup();
  });

  it('lets members of the default group reach each other, and nobody else in', async () => {
    expect(await ping('a', 'b')).toBe(true);
    expect(await reach('b', 'a', 22)).toBe(false); // let in, but nothing listens: refused, not dropped
    expect(await ping('c', 'a')).toBe(false);
    expect(await ping('a', 'c')).toBe(false);
  });

  it('keeps TCP 5000 closed by default and opens it with `security group rule create --dst-port 5000 --protocol tcp`', async () => {
    expect(await reach('a', 'c', 5000)).toBe(false);
    await addRule({ security_group_id: web, protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 });
    expect(await becomes(() => reach('a', 'c', 5000), true)).toBe(true);
    expect(await reach('a', 'c', 5001)).toBe(false);
  });

  it('answers ICMP as the rules say, and stops when the rule goes', async () => {
    expect(await ping('a', 'c')).toBe(false);
    const echo = await addRule({ security_group_id: web, protocol: 'icmp', port_range_min: 8, port_range_max: 0 });
    expect(await becomes(() => ping('a', 'c'), true)).toBe(true);
    await c.neutron('DELETE', `security-group-rules/${echo}`);
    expect(await becomes(() => ping('a', 'c'), false)).toBe(false);
  });

  it('admits only the remote_ip_prefix of a rule', async () => {
    await addRule({
      security_group_id: web,
      protocol: 'tcp',
      port_range_min: 5001,
      port_range_max: 5001,
      remote_ip_prefix: `${ip.a}/32`,
    });
    expect(await becomes(() => reach('a', 'c', 5001), true)).toBe(true);
    expect(await reach('b', 'c', 5001)).toBe(false);
  });

  it('admits the members of a remote group, nobody else', async () => {
    await addRule({ security_group_id: web, protocol: 'icmp', remote_group_id: defaultGroup });
    expect(await becomes(() => ping('a', 'c'), true)).toBe(true);
    // d has no group: not a member
    expect(await ping('d', 'c')).toBe(false);
  });

  it('lets the host reach a floating IP only where the rules admit it', async () => {
    const pub = (await c.neutron('GET', 'networks?name=public')).networks[0];
    const router = (
      await c.neutron('POST', 'routers', { router: { name: 'sg', external_gateway_info: { network_id: pub.id } } })
    ).router;
    await c.neutron('PUT', `routers/${router.id}/add_router_interface`, { subnet_id: subnetId });
    const fip = (
      await c.neutron('POST', 'floatingips', { floatingip: { floating_network_id: pub.id, port_id: portId.c } })
    ).floatingip.floating_ip_address;
    // from the host's own namespace, through its veth on the public network
    const fromHost = async (port: number) =>
      (
        await run('timeout', ['1', 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1" && echo open', fip, String(port)], {
          okCodes: [1, 124],
        })
      ).includes('open');
    expect(await becomes(() => fromHost(5000), true)).toBe(true);
    // 5001 is open to a's address only
    expect(await fromHost(5001)).toBe(false);
  });

  it('leaves a port without port security unfiltered', async () => {
    expect(await reach('c', 'd', 5000)).toBe(true);
    expect(await ping('a', 'd')).toBe(true);
  });

  it('blocks the way out once the egress rules are removed', async () => {
    const rules = (await c.neutron('GET', `security-group-rules?security_group_id=${web}&direction=egress`))
      .security_group_rules as { id: string }[];
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) await c.neutron('DELETE', `security-group-rules/${r.id}`);
    expect(await becomes(() => reach('c', 'd', 5000), false)).toBe(false);
    // what was let in still gets its answers (stateful)
    expect(await reach('a', 'c', 5000)).toBe(true);
  });

  it('drops a source address the port does not own', async () => {
    await run('ip', ['-n', g.a.ns, 'addr', 'add', '10.210.0.250/24', 'dev', 'eth0', 'nodad']).catch(async () => {
      // the plugged device may not be called eth0: take the one that is not lo
      const dev = (await run('ip', ['-n', g.a.ns, '-o', 'link', 'show']))
        .split('\n')
        .map((l) => l.split(': ')[1])
        .find((d) => d && d !== 'lo')!
        .split('@')[0];
      await run('ip', ['-n', g.a.ns, 'addr', 'add', '10.210.0.250/24', 'dev', dev, 'nodad']);
    });
    const from = (src: string) =>
      run('ping', ['-c', '1', '-W', '1', '-I', src, ip.d], { netns: g.a.ns, okCodes: [1, 2] }).then((o) =>
        / 1 received/.test(o),
      );
    expect(await from(ip.a)).toBe(true);
    expect(await from('10.210.0.250')).toBe(false);
  });

  it('still filters after a restart of pocketstack', async () => {
    await c.stop('SIGKILL');
    await c.start();
    await c.settled();
    expect(await eventually(async () => (await reach('a', 'c', 5000)) || Promise.reject(new Error('closed')))).toBe(
      true,
    );
    expect(await reach('b', 'c', 5001)).toBe(false);
    expect(await ping('c', 'a')).toBe(false);
  });
});
