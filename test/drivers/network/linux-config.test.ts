import { describe, expect, it } from 'vitest';
import { chooseNetworkDriver } from '../../../src/drivers/network/choice.js';
import type { NetworkSpec, PortSpec, RouterSpec } from '../../../src/drivers/network/driver.js';
import { gatewayRules } from '../../../src/drivers/network/linux/bridges.js';
import { dnsmasqArgs, hostsFile, netmask, optsFile } from '../../../src/drivers/network/linux/dhcp-config.js';
import { natRules } from '../../../src/drivers/network/linux/nat.js';
import { parseLease } from '../../../src/drivers/network/linux/plug.js';

// The text the linux driver hands to dnsmasq and nft, and how `port plug`
// reads a DHCP lease: pure functions, checked without root.

const NET = '0a1b2c3d-0000-4000-8000-000000000001';
const S1 = '5a1b2c3d-0000-4000-8000-000000000001';
const S2 = '5a1b2c3d-0000-4000-8000-000000000002';

const net: NetworkSpec = {
  id: NET,
  name: 'frontend',
  mtu: 1450,
  admin_state_up: true,
  external: false,

  subnets: [
    {
      id: S1,
      cidr: '10.1.1.0/24',
      ip_version: 4,
      gateway_ip: '10.1.1.1',
      enable_dhcp: true,
      allocation_pools: [],
      dns_nameservers: ['1.1.1.1', '8.8.8.8'],
      host_routes: [{ destination: '10.2.2.0/24', nexthop: '10.1.1.110' }],
    },
    {
      id: S2,
      cidr: '10.9.0.0/16',
      ip_version: 4,
      gateway_ip: null,
      enable_dhcp: false,
      allocation_pools: [],
      dns_nameservers: [],
      host_routes: [],
    },
  ],
};

const port = (id: string, mac: string, ips: [string, string][], owner = 'compute:nova'): PortSpec => ({
  id,
  network_id: NET,
  mac_address: mac,
  fixed_ips: ips.map(([subnet_id, ip_address]) => ({ subnet_id, ip_address })),
  admin_state_up: true,
  device_id: '',
  device_owner: owner,
  host: '',
  port_security_enabled: true,
  security_group_ids: [],
  allowed_address_pairs: [],
});

const dhcp = port('d0000000-0000-4000-8000-000000000000', 'fa:16:3e:00:00:02', [[S1, '10.1.1.2']], 'network:dhcp');

describe('linux driver: dnsmasq configuration', () => {
  it('lists one static host per address on a DHCP subnet, never the DHCP port itself', () => {
    const ports = [
      dhcp,
      port('b0000000-0000-4000-8000-000000000000', 'fa:16:3e:00:00:05', [
        [S1, '10.1.1.5'],
        [S2, '10.9.0.5'],
      ]),
      port('a0000000-0000-4000-8000-000000000000', 'fa:16:3e:00:00:04', [[S1, '10.1.1.4']]),
    ];
    expect(hostsFile(net, ports, dhcp.id)).toBe(
      'fa:16:3e:00:00:04,host-10-1-1-4,10.1.1.4\nfa:16:3e:00:00:05,host-10-1-1-5,10.1.1.5\n',
    );
  });

  it('gives the router, DNS servers and option 121 with host routes, other subnets, metadata and the default', () => {
    const tag = `tag:subnet-${S1}`;
    const routes = '10.2.2.0/24,10.1.1.110,10.9.0.0/16,0.0.0.0,169.254.169.254/32,10.1.1.2,0.0.0.0/0,10.1.1.1';
    expect(optsFile(net, dhcp).split('\n')).toEqual([
      `${tag},option:router,10.1.1.1`,
      `${tag},option:dns-server,1.1.1.1,8.8.8.8`,
      `${tag},option:classless-static-route,${routes}`,
      `${tag},249,${routes}`,
      '',
    ]);
  });

  it('sends no router and no DNS server when the subnet has none', () => {
    const bare = { ...net, subnets: [{ ...net.subnets[0], gateway_ip: null, dns_nameservers: [], host_routes: [] }] };
    const text = optsFile(bare, dhcp);
    expect(text).toContain(`tag:subnet-${S1},option:router\n`);
    expect(text).toContain(`tag:subnet-${S1},option:dns-server\n`);
    expect(text).not.toContain('0.0.0.0/0');
  });

  it('runs dnsmasq for DHCP only: static range per DHCP subnet, no DNS, the MTU, its files', () => {
    const files = {
      pidFile: '/r/pid',
      hostsFile: '/r/host',
      optsFile: '/r/opts',
      leaseFile: '/r/l',
      logFile: '/r/log',
    };
    const args = dnsmasqArgs(net, 'ns-d0000000-00', files);
    expect(args).toContain('--port=0');
    expect(args).toContain('--interface=ns-d0000000-00');
    expect(args).toContain(`--dhcp-range=set:subnet-${S1},10.1.1.0,static,255.255.255.0,86400s`);
    expect(args.filter((a) => a.startsWith('--dhcp-range'))).toHaveLength(1);
    expect(args).toContain('--dhcp-option-force=option:mtu,1450');
    expect(args).toContain('--pid-file=/r/pid');
    expect(netmask(26)).toBe('255.255.255.192');
    expect(netmask(0)).toBe('0.0.0.0');
  });
});

describe('linux driver: router NAT', () => {
  const router: RouterSpec = {
    id: 'r',
    admin_state_up: true,
    gateway: {
      network_id: 'pub',
      port_id: 'g',
      mac_address: 'fa:16:3e:00:00:09',
      fixed_ips: [
        { subnet_id: 'v6', ip_address: '2001:db8::9' },
        { subnet_id: 'v4', ip_address: '172.24.4.9' },
      ],
      enable_snat: true,
    },
    interfaces: [
      {
        port_id: 'i',
        network_id: NET,
        subnet_id: S1,
        ip_address: '10.1.1.1',
        cidr: '10.1.1.0/24',
        mac_address: 'fa:16:3e:00:00:01',
      },
    ],
    routes: [],
    floating_ips: [{ id: 'f', floating_ip_address: '172.24.4.20', fixed_ip_address: '10.1.1.5', port_id: 'p' }],
    metering: [],
  };

  it('DNATs each floating IP (from outside and from the router), SNATs it out, SNATs the rest to the gateway', () => {
    const text = natRules(router, 'qg-g');
    expect(text.match(/ip daddr 172\.24\.4\.20 dnat to 10\.1\.1\.5/g)).toHaveLength(2);
    expect(text).toContain('oifname "qg-g" ip saddr 10.1.1.5 snat to 172.24.4.20');
    expect(text).toContain('oifname "qg-g" snat to 172.24.4.9');
    expect(text).toContain('oifname != "qg-g" ct status dnat ip saddr { 10.1.1.0/24 } snat to 172.24.4.9');
    // the floating IP's SNAT comes before the router-wide one
    expect(text.indexOf('snat to 172.24.4.20')).toBeLessThan(text.indexOf('snat to 172.24.4.9'));
  });

  it('without enable_snat only floating IPs are translated; without a gateway nothing is', () => {
    const noSnat = natRules({ ...router, gateway: { ...router.gateway!, enable_snat: false } }, 'qg-g');
    expect(noSnat).not.toContain('oifname "qg-g" snat to');
    expect(noSnat).toContain('dnat to 10.1.1.5');
    expect(natRules({ ...router, gateway: null }, undefined)).not.toMatch(/snat|dnat/);
  });
});

describe('linux driver: the host veth rule', () => {
  it('lets only IPv4 for the host address (and ARP) reach the host, and only from it', () => {
    const text = gatewayRules('psgw-abc-br', '172.24.4.1');
    expect(text).toContain('oifname "psgw-abc-br" ether type ip ip daddr != 172.24.4.1 drop');
    expect(text).toContain('oifname "psgw-abc-br" ether type ip6 drop');
    expect(text).toContain('iifname "psgw-abc-br" ether type ip ip saddr != 172.24.4.1 drop');
  });
});

describe('port plug: DHCP leases', () => {
  it("reads busybox udhcpc's report (option 121 as staticroutes)", () => {
    expect(
      parseLease(
        'udhcpc: started\nip=10.1.1.5\nmask=24\nrouter=10.1.1.1\ndns=1.1.1.1 8.8.8.8\nstaticroutes=10.2.2.0/24 10.1.1.110 0.0.0.0/0 10.1.1.1\nmtu=1450\n',
      ),
    ).toEqual({
      address: '10.1.1.5/24',
      routes: [
        { destination: '10.2.2.0/24', nexthop: '10.1.1.110' },
        { destination: '0.0.0.0/0', nexthop: '10.1.1.1' },
      ],
      dns: ['1.1.1.1', '8.8.8.8'],
      mtu: 1450,
    });
  });

  it("reads dhclient's report (option 121 as bytes, dotted mask)", () => {
    const lease = parseLease(
      'ip=10.1.1.5\nmask=255.255.255.0\nrouter=10.1.1.1\ndns=\nrfc3442=24 10 2 2 10 1 1 110 0 10 1 1 1\nmtu=\n',
    );
    expect(lease).toEqual({
      address: '10.1.1.5/24',
      routes: [
        { destination: '10.2.2.0/24', nexthop: '10.1.1.110' },
        { destination: '0.0.0.0/0', nexthop: '10.1.1.1' },
      ],
      dns: [],
      mtu: undefined,
    });
    expect(parseLease('nothing here')).toBeUndefined();
  });
});

describe('network driver choice', () => {
  it('takes the fake when asked, saying packets do not flow', async () => {
    const c = await chooseNetworkDriver('fake');
    expect(c.driver).toBe('fake');
    expect(c.line).toMatch(/no packets/);
  });
});
