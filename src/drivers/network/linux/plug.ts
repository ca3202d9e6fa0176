import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { available, run } from '../../../host/exec.js';
import { ensureVeth, ipBatch, linkExists, removeLink } from '../../../host/links.js';
import { bridgeName, bridgeNamespace, hostTag, tapName } from '../../../host/names.js';
import { namespaceExists } from '../../../host/netns.js';

// `pocketstack port plug PORT --netns NAME`: what a guest's NIC is, without
// a guest. A veth goes from the port's network bridge into a namespace the
// user names, with the port's MAC; its address comes by DHCP (busybox
// udhcpc, else dhclient), as a guest's would, or is set from the port's
// fixed IPs when its subnet has no DHCP. The DHCP client only reports the
// lease; pocketstack applies it with ip, in that namespace only.

export interface PlugAddress {
  ip_address: string;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
}

export interface PlugPort {
  id: string;
  mac_address: string;
  network_id: string;
  mtu: number;
  addresses: PlugAddress[];
}

export interface Lease {
  address: string;
  routes: { destination: string; nexthop: string }[];
  dns: string[];
  mtu?: number;
}

export interface PlugResult {
  namespace: string;
  device: string;
  /** How the address came: by DHCP (with what it said) or set statically. */
  dhcp?: Lease;
  addresses: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkNamespaceName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a namespace name: ${JSON.stringify(name)}`);
  return name;
}

// udhcpc runs this at each event; for `bound` it prints the lease as KEY=VALUE lines.
const UDHCPC_SCRIPT = `#!/bin/sh
[ "$1" = bound ] || exit 0
printf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\nstaticroutes=%s\\nmtu=%s\\n' "$ip" "$mask" "$router" "$dns" "$staticroutes" "$mtu"
`;
// dhclient's counterpart (dhclient-script's variables), option 121 as dhclient decodes it: a list of bytes.
const DHCLIENT_SCRIPT = `#!/bin/sh
case "$reason" in BOUND|REBOOT) ;; *) exit 0 ;; esac
printf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\nrfc3442=%s\\nmtu=%s\\n' "$new_ip_address" "$new_subnet_mask" "$new_routers" "$new_domain_name_servers" "$new_rfc3442_classless_static_routes" "$new_interface_mtu"
`;
const DHCLIENT_CONF = `option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name-servers, interface-mtu, rfc3442-classless-static-routes;
timeout 15;
retry 1;
`;

function maskBits(mask: string): number {
  return mask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/** Parses the KEY=VALUE report of either DHCP client script. */
export function parseLease(text: string): Lease | undefined {
  const v: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) v[m[1]] = m[2].trim();
  }
  if (!v.ip) return undefined;
  const prefix = /^\d+$/.test(v.mask ?? '') ? Number(v.mask) : maskBits(v.mask || '255.255.255.255');
  const routes: Lease['routes'] = [];
  if (v.staticroutes) {
    const parts = v.staticroutes.split(/\s+/);
    for (let i = 0; i + 1 < parts.length; i += 2) routes.push({ destination: parts[i], nexthop: parts[i + 1] });
  } else if (v.rfc3442) {
    const b = v.rfc3442.split(/\s+/).map(Number);
    for (let i = 0; i < b.length; ) {
      const width = b[i++];
      const n = Math.ceil(width / 8);
      const dest = [...b.slice(i, i + n), 0, 0, 0, 0].slice(0, 4).join('.');
      i += n;
      routes.push({ destination: `${dest}/${width}`, nexthop: b.slice(i, i + 4).join('.') });
      i += 4;
    }
  } else if (v.router) routes.push({ destination: '0.0.0.0/0', nexthop: v.router.split(/\s+/)[0] });
  return {
    address: `${v.ip}/${prefix}`,
    routes,
    dns: v.dns ? v.dns.split(/\s+/).filter(Boolean) : [],
    mtu: v.mtu ? Number(v.mtu) : undefined,
  };
}

async function dhcp(runDir: string, ns: string, dev: string, timeoutMs: number): Promise<Lease> {
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  let out: string;
  if (await available('busybox')) {
    const script = join(runDir, 'udhcpc-report.sh');
    writeFileSync(script, UDHCPC_SCRIPT);
    chmodSync(script, 0o755);
    const tries = String(Math.max(2, Math.ceil(timeoutMs / 1000)));
    out = await run(
      'busybox',
      ['udhcpc', '-f', '-q', '-n', '-i', dev, '-t', tries, '-T', '1', '-s', script, '-O', 'staticroutes', '-O', 'mtu'],
      { netns: ns, timeoutMs: timeoutMs + 5000 },
    );
  } else if (await available('dhclient')) {
    const script = join(runDir, 'dhclient-report.sh');
    const conf = join(runDir, 'dhclient.conf');
    writeFileSync(script, DHCLIENT_SCRIPT);
    chmodSync(script, 0o755);
    writeFileSync(conf, DHCLIENT_CONF);
    out = await run(
      'dhclient',
      ['-1', '-d', '-sf', script, '-cf', conf, '-lf', '/dev/null', '-pf', join(runDir, `dhclient-${ns}.pid`), dev],
      { netns: ns, timeoutMs: timeoutMs + 5000 },
    );
  } else throw new Error('no DHCP client: apt-get install busybox (or isc-dhcp-client)');
  const lease = parseLease(out);
  if (!lease) throw new Error(`no DHCP answer on ${dev} in ${ns}`);
  return lease;
}

/** Plugs the port into namespace `ns` as device `dev` and configures it (DHCP when its subnet has it). */
export async function plugPort(
  dataDir: string,
  port: PlugPort,
  ns: string,
  dev = 'eth0',
  timeoutMs = 10_000,
): Promise<PlugResult> {
  checkNamespaceName(ns);
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(dev)) throw new Error(`not a device name: ${dev}`);
  const tag = hostTag(dataDir);
  const brns = bridgeNamespace(tag);
  const bridge = bridgeName(port.network_id);
  // right after the API answered, the data plane may still be making the network: wait for its bridge a while
  const until = Date.now() + timeoutMs;
  while (!(namespaceExists(brns) && (await linkExists(brns, bridge))) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 200));
  if (!namespaceExists(brns) || !(await linkExists(brns, bridge)))
    throw new Error(
      `network ${port.network_id} has no bridge on this host: is pocketstack running with the linux network driver on ${dataDir}?`,
    );
  if (!namespaceExists(ns)) await run('ip', ['netns', 'add', ns]);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const tap = tapName(port.id);
  await removeLink(brns, tap);
  if (await linkExists(ns, dev)) throw new Error(`${ns} already has a device ${dev} (--ifname another)`);
  await ensureVeth(brns, tap, ns, dev, { mtu: port.mtu, peerMac: port.mac_address });
  await ipBatch(brns, [`link set dev ${tap} master ${bridge} mtu ${port.mtu} up`]);
  await ipBatch(ns, [`link set dev ${dev} up`]);
  const v4dhcp = port.addresses.some((a) => a.enable_dhcp && !a.ip_address.includes(':'));
  const lines: string[] = [];
  const result: PlugResult = { namespace: ns, device: dev, addresses: [] };
  if (v4dhcp) {
    const lease = await dhcp(join(dataDir, 'run'), ns, dev, timeoutMs);
    result.dhcp = lease;
    result.addresses.push(lease.address);
    lines.push(`addr replace ${lease.address} dev ${dev}`);
    if (lease.mtu) lines.push(`link set dev ${dev} mtu ${lease.mtu}`);
    for (const r of lease.routes)
      lines.push(
        r.nexthop === '0.0.0.0'
          ? `route replace ${r.destination} dev ${dev} scope link`
          : `route replace ${r.destination} via ${r.nexthop} dev ${dev}`,
      );
  }
  for (const a of port.addresses) {
    if (v4dhcp && a.enable_dhcp && !a.ip_address.includes(':')) continue;
    const cidr = `${a.ip_address}/${a.cidr.split('/')[1]}`;
    result.addresses.push(cidr);
    lines.push(`addr replace ${cidr} dev ${dev}${a.ip_address.includes(':') ? ' nodad' : ''}`);
  }
  if (!v4dhcp) {
    const gw = port.addresses.find((a) => !a.ip_address.includes(':') && a.gateway_ip)?.gateway_ip;
    if (gw) lines.push(`route replace default via ${gw} dev ${dev}`);
  }
  await ipBatch(ns, lines);
  return result;
}

/** Unplugs the port (its veth goes, from both namespaces). */
export async function unplugPort(dataDir: string, portId: string): Promise<boolean> {
  const brns = bridgeNamespace(hostTag(dataDir));
  const tap = tapName(portId);
  if (!namespaceExists(brns) || !(await linkExists(brns, tap))) return false;
  await removeLink(brns, tap);
  return true;
}
