import type { NetworkSpec, PortSpec, SubnetSpec } from '../driver.js';

// What dnsmasq is told for one network, as Neutron's DHCP agent tells it:
// only static hosts (one line per port address, by MAC), no dynamic range,
// no DNS (--port=0), and per subnet (dnsmasq tag `subnet-<id>`) the router,
// the DNS servers and option 121 (classless static routes: the subnet's
// host routes, the other subnets of the network on-link, 169.254.169.254
// through the DHCP port for metadata, and the default route, which option 121
// must carry since a client that takes it ignores option 3). Pure functions:
// the files' text and dnsmasq's argv.

export const METADATA_IP = '169.254.169.254';
const LEASE_SECONDS = 86400;

const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

/** 255.255.255.192 for /26. */
export function netmask(prefix: number): string {
  const v = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}

/** The subnets dnsmasq serves: IPv4 with DHCP on. */
export function dhcpSubnets(net: NetworkSpec): SubnetSpec[] {
  return net.subnets.filter((s) => s.enable_dhcp && s.ip_version === 4);
}

/** The dhcp-hostsfile: `mac,host-10-0-0-5,10.0.0.5` for every IPv4 address on a served subnet. */
export function hostsFile(net: NetworkSpec, ports: PortSpec[], dhcpPortId: string): string {
  const served = new Set(dhcpSubnets(net).map((s) => s.id));
  const lines: string[] = [];
  const sorted = [...ports].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const p of sorted) {
    if (p.id === dhcpPortId || p.network_id !== net.id) continue;
    for (const ip of p.fixed_ips)
      if (served.has(ip.subnet_id))
        lines.push(`${p.mac_address},host-${ip.ip_address.replace(/\./g, '-')},${ip.ip_address}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The dhcp-optsfile: router, DNS servers and classless routes per served subnet. */
export function optsFile(net: NetworkSpec, dhcpPort: PortSpec): string {
  const lines: string[] = [];
  for (const s of dhcpSubnets(net)) {
    const tag = `tag:subnet-${s.id}`;
    const own = dhcpPort.fixed_ips.find((ip) => ip.subnet_id === s.id)?.ip_address;
    const routes: [string, string][] = [];
    const custom = s.host_routes.filter((r) => !r.destination.includes(':'));
    const customDefault = custom.find((r) => r.destination === '0.0.0.0/0');
    for (const r of custom) if (r !== customDefault) routes.push([r.destination, r.nexthop]);
    for (const other of net.subnets)
      if (other.id !== s.id && other.ip_version === 4) routes.push([other.cidr, '0.0.0.0']);
    if (own && !custom.some((r) => r.destination === `${METADATA_IP}/32`)) routes.push([`${METADATA_IP}/32`, own]);
    const gateway = customDefault?.nexthop ?? s.gateway_ip;
    if (gateway) routes.push(['0.0.0.0/0', gateway]);
    lines.push(gateway ? `${tag},option:router,${gateway}` : `${tag},option:router`);
    const dns = s.dns_nameservers.filter((d) => !d.includes(':'));
    lines.push(dns.length ? `${tag},option:dns-server,${dns.join(',')}` : `${tag},option:dns-server`);
    if (routes.length) {
      const list = routes.map(([d, h]) => `${d},${h}`).join(',');
      lines.push(`${tag},option:classless-static-route,${list}`);
      lines.push(`${tag},249,${list}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export interface DnsmasqFiles {
  pidFile: string;
  hostsFile: string;
  optsFile: string;
  leaseFile: string;
  logFile: string;
}

/** dnsmasq's argv (without the program): DHCP only, on the DHCP port's device, its files under the data dir. */
export function dnsmasqArgs(net: NetworkSpec, device: string, files: DnsmasqFiles): string[] {
  const subnets = dhcpSubnets(net);
  let leases = 0;
  const ranges = subnets.map((s) => {
    const [addr, p] = s.cidr.split('/');
    leases += 2 ** (32 - prefixOf(s.cidr));
    return `--dhcp-range=set:subnet-${s.id},${addr},static,${netmask(Number(p))},${LEASE_SECONDS}s`;
  });
  return [
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    '--conf-file=/dev/null',
    // the data dir is the user's (often under /root): dnsmasq re-reads its files there on SIGHUP
    '--user=root',
    `--pid-file=${files.pidFile}`,
    `--dhcp-hostsfile=${files.hostsFile}`,
    `--dhcp-optsfile=${files.optsFile}`,
    `--dhcp-leasefile=${files.leaseFile}`,
    `--log-facility=${files.logFile}`,
    `--interface=${device}`,
    '--bind-interfaces',
    '--except-interface=lo',
    '--dhcp-authoritative',
    ...ranges,
    `--dhcp-option-force=option:mtu,${net.mtu}`,
    `--dhcp-lease-max=${Math.min(leases, 65536)}`,
  ];
}
