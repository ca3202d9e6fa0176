import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: IPAM', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  const net = async (name: string) =>
    (await api('POST', 'networks', { network: { name } }, 'demo')).body.network.id as string;
  const subnet = async (networkId: string, cidr: string, extra: object = {}) => {
    const res = await api(
      'POST',
      'subnets',
      { subnet: { network_id: networkId, ip_version: cidr.includes(':') ? 6 : 4, cidr, ...extra } },
      'demo',
    );
    expect(res.status).toBe(201);
    return res.body.subnet;
  };
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it("gives Neutron's defaults: gateway first host, pool around it, no network or broadcast", async () => {
    const s = await subnet(await net('defaults'), '192.168.7.0/24', { dns_nameservers: ['8.8.8.8'] });
    expect(s).toMatchObject({
      gateway_ip: '192.168.7.1',
      allocation_pools: [{ start: '192.168.7.2', end: '192.168.7.254' }],
      enable_dhcp: true,
      dns_nameservers: ['8.8.8.8'],
    });
    const mid = await subnet(await net('mid-gw'), '10.20.0.0/28', { gateway_ip: '10.20.0.5' });
    expect(mid.allocation_pools).toEqual([
      { start: '10.20.0.1', end: '10.20.0.4' },
      { start: '10.20.0.6', end: '10.20.0.14' },
    ]);
    const v6 = await subnet(await net('v6'), '2001:db8:1::/64');
    expect(v6.gateway_ip).toBe('2001:db8:1::1');
    expect(v6.allocation_pools).toEqual([{ start: '2001:db8:1::2', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }]);
  });

  it('never hands out gateway, network or broadcast, never twice, and then fails with IpAddressGenerationFailure', async () => {
    const n = await net('small');
    const s = await subnet(n, '10.9.0.0/29');
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await api('POST', 'ports', { port: { network_id: n } }, 'demo');
      expect(p.status).toBe(201);
      got.push(p.body.port.fixed_ips[0].ip_address);
    }
    expect(got.sort()).toEqual(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    const full = await api('POST', 'ports', { port: { network_id: n } }, 'demo');
    expectNeutronError(full, 409, 'IpAddressGenerationFailure');
    expect(full.body.NeutronError.message).toBe(`No more IP addresses available on network ${n}.`);
    // nothing half-made: the refused port does not exist
    expect((await api('GET', `ports?network_id=${n}`, undefined, 'demo')).body.ports).toHaveLength(5);
    const avail = (await api('GET', `network-ip-availabilities/${n}`)).body.network_ip_availability;
    expect(avail).toMatchObject({ total_ips: 5, used_ips: 5 });
    expect(avail.subnet_ip_availability[0].subnet_id).toBe(s.id);
  });

  it('hands out distinct addresses to 50 concurrent port creates', async () => {
    const n = await net('busy');
    await subnet(n, '10.50.0.0/24');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => api('POST', 'ports', { port: { network_id: n } }, 'demo')),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const ips = results.map((r) => r.body.port.fixed_ips[0].ip_address as string);
    expect(new Set(ips).size).toBe(50);
    for (const ip of ips) expect(['10.50.0.0', '10.50.0.1', '10.50.0.255']).not.toContain(ip);
    // pages (cut in SQL) walk the same order as the whole list, both ways
    const all = (await api('GET', `ports?network_id=${n}`, undefined, 'demo')).body.ports.map((p: any) => p.id);
    const walked: string[] = [];
    let marker = '';
    for (;;) {
      const page = (
        await api('GET', `ports?network_id=${n}&limit=20${marker ? `&marker=${marker}` : ''}`, undefined, 'demo')
      ).body;
      walked.push(...page.ports.map((p: any) => p.id));
      if (page.ports.length < 20) break;
      marker = page.ports.at(-1).id;
    }
    expect(walked).toEqual(all);
    const back = (
      await api('GET', `ports?network_id=${n}&limit=5&marker=${all[10]}&page_reverse=True`, undefined, 'demo')
    ).body;
    expect(back.ports.map((p: any) => p.id)).toEqual(all.slice(5, 10));
    expect(back.ports_links.map((l: any) => l.rel).sort()).toEqual(['next', 'previous']);
    // a filter SQL does not apply pages in memory, to the same effect
    const ip = results[0].body.port.fixed_ips[0].ip_address;
    const byIp = (await api('GET', `ports?network_id=${n}&fixed_ips=ip_address=${ip}&limit=1`, undefined, 'demo')).body;
    expect(byIp.ports.map((p: any) => p.id)).toEqual([results[0].body.port.id]);
    const macs = results.map((r) => r.body.port.mac_address as string);
    expect(new Set(macs).size).toBe(50);
    for (const m of macs) expect(m).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
  });

  it('gives a chosen address once, and refuses one outside the subnet', async () => {
    const n = await net('fixed');
    const s = await subnet(n, '192.168.1.0/24');
    const ok = await api(
      'POST',
      'ports',
      { port: { network_id: n, fixed_ips: [{ subnet_id: s.id, ip_address: '192.168.1.4' }] } },
      'demo',
    );
    expect(ok.body.port.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '192.168.1.4' }]);
    const dup = await api(
      'POST',
      'ports',
      { port: { network_id: n, fixed_ips: [{ subnet_id: s.id, ip_address: '192.168.1.4' }] } },
      'demo',
    );
    expectNeutronError(dup, 409, 'IpAddressAlreadyAllocated');
    expect(dup.body.NeutronError.message).toBe(`IP address 192.168.1.4 already allocated in subnet ${s.id}`);
    expectNeutronError(
      await api(
        'POST',
        'ports',
        { port: { network_id: n, fixed_ips: [{ subnet_id: s.id, ip_address: '10.0.0.9' }] } },
        'demo',
      ),
      400,
      'InvalidIpForSubnet',
    );
    expectNeutronError(
      await api(
        'POST',
        'ports',
        { port: { network_id: n, fixed_ips: [{ subnet_id: s.id, ip_address: '192.168.1.255' }] } },
        'demo',
      ),
      400,
      'InvalidIpForSubnet',
    );
    expectNeutronError(
      await api('POST', 'ports', { port: { network_id: n, fixed_ips: [{ ip_address: '172.16.0.1' }] } }, 'demo'),
      400,
      'InvalidIpForNetwork',
    );
    // an address outside the pools but inside the CIDR may be chosen
    const outside = await subnet(await net('pools'), '10.77.0.0/24', {
      allocation_pools: [{ start: '10.77.0.10', end: '10.77.0.20' }],
    });
    const p = await api(
      'POST',
      'ports',
      { port: { network_id: outside.network_id, fixed_ips: [{ ip_address: '10.77.0.100' }] } },
      'demo',
    );
    expect(p.status).toBe(201);
    // changing a port's addresses frees the old one
    const moved = await api(
      'PUT',
      `ports/${ok.body.port.id}`,
      { port: { fixed_ips: [{ subnet_id: s.id, ip_address: '192.168.1.9' }] } },
      'demo',
    );
    expect(moved.body.port.fixed_ips[0].ip_address).toBe('192.168.1.9');
    const again = await api(
      'POST',
      'ports',
      { port: { network_id: n, fixed_ips: [{ ip_address: '192.168.1.4' }] } },
      'demo',
    );
    expect(again.status).toBe(201);
  });

  it('checks pools and gateway as Neutron does', async () => {
    const n = await net('checks');
    // [what the subnet body adds to {network_id, ip_version: 4}, status, Neutron's type]
    const refused: [Record<string, unknown>, number, string][] = [
      [
        { cidr: '10.1.0.0/24', gateway_ip: '10.1.0.5', allocation_pools: [{ start: '10.1.0.2', end: '10.1.0.10' }] },
        409,
        'GatewayConflictWithAllocationPools',
      ],
      [
        { cidr: '10.1.0.0/24', allocation_pools: [{ start: '10.1.0.2', end: '10.1.1.10' }] },
        400,
        'OutOfBoundsAllocationPool',
      ],
      [
        { cidr: '10.1.0.0/24', allocation_pools: [{ start: '10.1.0.20', end: '10.1.0.10' }] },
        400,
        'InvalidAllocationPool',
      ],
      [{ cidr: '10.1.0.5/24' }, 400, 'InvalidInput'],
      [{ ip_version: 6, cidr: '10.1.0.0/24' }, 400, 'InvalidInput'],
      [{ cidr: 'banana' }, 400, 'InvalidInput'],
      // IPv6 modes: none on IPv4, the same when both are set, only with DHCP
      [{ cidr: '10.1.0.0/24', ipv6_address_mode: 'slaac' }, 400, 'InvalidInput'],
      [
        { ip_version: 6, cidr: '2001:db8:9::/64', ipv6_ra_mode: 'dhcpv6-stateless', ipv6_address_mode: 'slaac' },
        400,
        'InvalidInput',
      ],
      [
        { ip_version: 6, cidr: '2001:db8:9::/64', ipv6_address_mode: 'dhcpv6-stateful', enable_dhcp: false },
        400,
        'InvalidInput',
      ],
    ];
    const post = (body: Record<string, unknown>, network_id = n) =>
      api('POST', 'subnets', { subnet: { network_id, ip_version: 4, ...body } }, 'demo');
    for (const [body, status, type] of refused) expectNeutronError(await post(body), status, type);
    await subnet(n, '10.1.0.0/24');
    // overlaps the subnet just made
    expectNeutronError(await post({ cidr: '10.1.0.128/25' }), 400, 'InvalidInput');
    expectNeutronError(
      await post({ cidr: '10.3.0.0/24' }, '6b0e5c4c-0000-4000-8000-000000000000'),
      404,
      'NetworkNotFound',
    );
    expect((await api('GET', `subnets?network_id=${n}`, undefined, 'demo')).body.subnets).toHaveLength(1);
    const v6 = await subnet(n, '2001:db8:9::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    const put = (body: Record<string, unknown>) => api('PUT', `subnets/${v6.id}`, { subnet: body }, 'demo');
    const mode = await put({ ipv6_address_mode: 'dhcpv6-stateful' });
    expect(mode.status).toBe(400);
    expect(mode.body.NeutronError.message).toBe('Cannot update read-only attribute ipv6_address_mode');
    const off = await put({ enable_dhcp: false });
    expectNeutronError(off, 400, 'InvalidInput');
    expect(off.body.NeutronError.message).toBe(
      'Invalid input for operation: Cannot disable enable_dhcp with ipv6 attributes set',
    );
  });

  it('sets dns nameservers and host routes on a subnet, and refuses deleting one in use', async () => {
    const n = await net('dns');
    const s = await subnet(n, '10.2.2.0/24');
    const upd = await api(
      'PUT',
      `subnets/${s.id}`,
      { subnet: { dns_nameservers: ['1.1.1.1'], host_routes: [{ destination: '10.3.0.0/24', nexthop: '10.2.2.7' }] } },
      'demo',
    );
    expect(upd.body.subnet).toMatchObject({
      dns_nameservers: ['1.1.1.1'],
      host_routes: [{ destination: '10.3.0.0/24', nexthop: '10.2.2.7' }],
    });
    const p = (await api('POST', 'ports', { port: { network_id: n } }, 'demo')).body.port;
    expectNeutronError(await api('DELETE', `subnets/${s.id}`, undefined, 'demo'), 409, 'SubnetInUse');
    expectNeutronError(await api('GET', `subnets/${s.id}`, undefined, 'alt_demo'), 404, 'SubnetNotFound');
    await api('DELETE', `ports/${p.id}`, undefined, 'demo');
    expect((await api('DELETE', `subnets/${s.id}`, undefined, 'demo')).status).toBe(204);
  });

  it('gives SLAAC subnets the EUI-64 address of each port, and takes it back with the subnet', async () => {
    const n = await net('slaac');
    await subnet(n, '10.66.0.0/24');
    const early = (await api('POST', 'ports', { port: { network_id: n, mac_address: 'fa:16:3e:00:00:01' } }, 'demo'))
      .body.port;
    expectNeutronError(
      await api(
        'POST',
        'subnets',
        {
          subnet: {
            network_id: n,
            ip_version: 6,
            cidr: '2001:db8:5::/63',
            ipv6_ra_mode: 'slaac',
            ipv6_address_mode: 'slaac',
          },
        },
        'demo',
      ),
      400,
      'InvalidInput',
    );
    const v6 = await subnet(n, '2001:db8:5::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    const p = (await api('POST', 'ports', { port: { network_id: n, mac_address: 'fa:16:3e:aa:bb:cc' } }, 'demo')).body
      .port;
    expect(p.fixed_ips).toContainEqual({ subnet_id: v6.id, ip_address: '2001:db8:5:0:f816:3eff:feaa:bbcc' });
    expect(p.fixed_ips.some((ip: any) => ip.ip_address.startsWith('10.66.0.'))).toBe(true);
    // a port made before the subnet gets its address too
    const before = (await api('GET', `ports/${early.id}`, undefined, 'demo')).body.port;
    expect(before.fixed_ips).toContainEqual({ subnet_id: v6.id, ip_address: '2001:db8:5:0:f816:3eff:fe00:1' });
    expect((await api('DELETE', `subnets/${v6.id}`, undefined, 'demo')).status).toBe(204);
    const after = (await api('GET', `ports/${p.id}`, undefined, 'demo')).body.port;
    expect(after.fixed_ips.map((ip: any) => ip.subnet_id)).not.toContain(v6.id);
  });
  const port = async (n: string, fixed?: object[]) => {
    const res = await api('POST', 'ports', { port: { network_id: n, ...(fixed ? { fixed_ips: fixed } : {}) } }, 'demo');
    expect(res.status).toBe(201);
    return { id: res.body.port.id as string, ip: res.body.port.fixed_ips[0].ip_address as string };
  };
  const del = async (id: string) => expect((await api('DELETE', `ports/${id}`, undefined, 'demo')).status).toBe(204);

  it('gives a freed address again, lowest first, within pools with gaps', async () => {
    const n = await net('reuse');
    const s = await subnet(n, '10.30.0.0/24', {
      allocation_pools: [
        { start: '10.30.0.20', end: '10.30.0.21' },
        { start: '10.30.0.10', end: '10.30.0.12' },
      ],
    });
    const ports = [];
    for (let i = 0; i < 5; i++) ports.push(await port(n));
    expect(ports.map((p) => p.ip)).toEqual(['10.30.0.10', '10.30.0.11', '10.30.0.12', '10.30.0.20', '10.30.0.21']);
    expectNeutronError(
      await api('POST', 'ports', { port: { network_id: n } }, 'demo'),
      409,
      'IpAddressGenerationFailure',
    );
    await del(ports[3].id);
    await del(ports[1].id);
    expect((await port(n)).ip).toBe('10.30.0.11');
    expect((await port(n)).ip).toBe('10.30.0.20');
    // an address given up by a fixed_ips update is free again too
    const moved = await api(
      'PUT',
      `ports/${ports[0].id}`,
      { port: { fixed_ips: [{ subnet_id: s.id, ip_address: '10.30.0.99' }] } },
      'demo',
    );
    expect(moved.status).toBe(200);
    expect((await port(n)).ip).toBe('10.30.0.10');
    // new pools: the search starts over in them
    const grown = await api(
      'PUT',
      `subnets/${s.id}`,
      { subnet: { allocation_pools: [{ start: '10.30.0.2', end: '10.30.0.50' }] } },
      'demo',
    );
    expect(grown.status).toBe(200);
    expect((await port(n)).ip).toBe('10.30.0.2');
    // an address taken by request is skipped by the next allocation
    expect((await port(n, [{ subnet_id: s.id, ip_address: '10.30.0.3' }])).ip).toBe('10.30.0.3');
    expect((await port(n)).ip).toBe('10.30.0.4');
  });

  it('always gives the lowest free address, never one in use, through creates, deletes and chosen addresses', async () => {
    const n = await net('model');
    const s = await subnet(n, '10.31.0.0/26', { allocation_pools: [{ start: '10.31.0.5', end: '10.31.0.40' }] });
    const pool = Array.from({ length: 36 }, (_, i) => `10.31.0.${5 + i}`);
    const held = new Map<string, string>(); // ip -> port id
    // a fixed pseudo-random sequence, so a failure is repeatable
    let seed = 7;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    for (let step = 0; step < 90; step++) {
      const roll = rand(10);
      const free = pool.filter((ip) => !held.has(ip));
      if (roll < 3 && held.size > 0) {
        const ip = [...held.keys()][rand(held.size)];
        await del(held.get(ip)!);
        held.delete(ip);
      } else if (roll < 4 && free.length > 0) {
        const ip = free[rand(free.length)];
        held.set(ip, (await port(n, [{ subnet_id: s.id, ip_address: ip }])).id);
      } else if (free.length > 0) {
        const p = await port(n);
        expect(p.ip).toBe(free[0]);
        held.set(p.ip, p.id);
      } else {
        expectNeutronError(
          await api('POST', 'ports', { port: { network_id: n } }, 'demo'),
          409,
          'IpAddressGenerationFailure',
        );
      }
    }
    const listed = (await api('GET', `ports?network_id=${n}`, undefined, 'demo')).body.ports.map(
      (p: any) => p.fixed_ips[0].ip_address,
    );
    expect(listed.sort()).toEqual([...held.keys()].sort());
    // the subnet's floor goes with its network
    for (const id of held.values()) await del(id);
    expect((await api('DELETE', `networks/${n}`, undefined, 'demo')).status).toBe(204);
    expect(
      await t.cloud.db.selectFrom('neutron_ipam_floors').selectAll().where('subnet_id', '=', s.id).execute(),
    ).toEqual([]);
  });
});
