import { bridgeName, tapName } from '../../../host/names.js';
import { type Addr, type Cidr, eui64, formatIp, parseCidr } from '../../../services/network/ip.js';
import { PORT_PROTOCOLS, protocolByName } from '../../../services/network/protocols.js';
import type { NetworkSpec, PortSpec, SecurityGroupRuleSpec, SecurityGroupSpec } from '../driver.js';

// Renders the security-group firewall of the bridge namespace as one nft
// script (both tables, replaced whole). Pure: the model in, text out. What
// the rules do and why they are split over two tables is explained at the top
// of security-groups.ts.

export interface FirewallModel {
  networks: ReadonlyMap<string, NetworkSpec>;
  ports: ReadonlyMap<string, PortSpec>;
  securityGroups: ReadonlyMap<string, SecurityGroupSpec>;
}

export const TABLE = 'pocketstack_sg';

/** Neutron filters every port with port security on, except the ones its own agents own (network:*, neutron:*). */
export function isFiltered(p: PortSpec): boolean {
  return p.port_security_enabled && !/^(network|neutron):/.test(p.device_owner);
}

/** The rule's IP protocol number, or undefined for any (null, 'any', 0). */
export function protocolNumber(r: Pick<SecurityGroupRuleSpec, 'protocol' | 'ethertype'>): number | undefined {
  const p = r.protocol?.toLowerCase();
  if (p === undefined || p === null || p === '' || p === 'any') return undefined;
  // Neutron's legacy names for ICMPv6 on an IPv6 rule
  if (r.ethertype === 'IPv6' && (p === 'icmp' || p === 'icmpv6')) return 58;
  const n = protocolByName(p);
  if (n === undefined || n > 255) throw new Error(`unknown protocol ${JSON.stringify(r.protocol)}`);
  return n === 0 ? undefined : n;
}

const fam = (v: 4 | 6) => (v === 4 ? 'ip' : 'ip6');
const nfproto = (v: 4 | 6) => (v === 4 ? 'meta nfproto ipv4' : 'meta nfproto ipv6');

function cidrOf(text: string): Cidr | undefined {
  const c = parseCidr(text);
  return c && { version: c.version, network: c.network, prefix: c.prefix };
}

/** Sorted, merged [start, end] ranges of the given addresses and CIDRs of one version. */
function merged(items: Cidr[]): [bigint, bigint][] {
  const ranges = items
    .map((c): [bigint, bigint] => {
      const size = 1n << BigInt((c.version === 4 ? 32 : 128) - c.prefix);
      return [c.network, c.network + size - 1n];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (!last || r[0] > last[1] + 1n) out.push([r[0], r[1]]);
    else if (r[1] > last[1]) last[1] = r[1];
  }
  return out;
}

/** nft set elements for ranges: "a" or "a-b". */
function elements(version: 4 | 6, ranges: [bigint, bigint][]): string[] {
  const ip = (value: bigint) => formatIp({ version, value } as Addr);
  return ranges.map(([a, b]) => (a === b ? ip(a) : `${ip(a)}-${ip(b)}`));
}

const LLA_PREFIX = cidrOf('fe80::/64')!;
const lla = (mac: string) => eui64(LLA_PREFIX, mac);

/** (mac, address-or-cidr) pairs a port may send from, as Neutron's spoofing filter allows them. */
function sourcePairs(p: PortSpec): { mac: string; cidr: Cidr | 'any' }[] {
  const pairs: { mac: string; cidr: Cidr | 'any' }[] = [];
  const add = (mac: string, ip: string) => {
    const c = cidrOf(ip);
    if (!c) return;
    pairs.push({ mac: mac.toLowerCase(), cidr: c });
    if (c.version === 6) pairs.push({ mac: mac.toLowerCase(), cidr: cidrOf(lla(mac))! });
  };
  for (const a of p.allowed_address_pairs ?? []) add(a.mac_address || p.mac_address, a.ip_address);
  for (const f of p.fixed_ips) add(p.mac_address, f.ip_address);
  // a port without fixed IPs may use any address from its own MAC (Neutron does the same)
  if (p.fixed_ips.length === 0) pairs.push({ mac: p.mac_address.toLowerCase(), cidr: 'any' });
  return pairs;
}

function spoofChain(p: PortSpec): string[] {
  const pairs = sourcePairs(p);
  const macs = [...new Set([p.mac_address.toLowerCase(), ...pairs.map((x) => x.mac)])].sort();
  const anyFrom = pairs.filter((x) => x.cidr === 'any').map((x) => x.mac);
  const byVersion = (v: 4 | 6) => {
    const perMac = new Map<string, Cidr[]>();
    for (const x of pairs) {
      if (x.cidr === 'any' || x.cidr.version !== v) continue;
      perMac.set(x.mac, [...(perMac.get(x.mac) ?? []), x.cidr]);
    }
    const els: string[] = [];
    for (const [mac, cidrs] of [...perMac].sort())
      for (const e of elements(v, merged(cidrs))) els.push(`${mac} . ${e}`);
    return els;
  };
  const v4 = byVersion(4);
  const v6 = byVersion(6);
  const lines = [`ether saddr != { ${macs.join(', ')} } drop`];
  // ARP: the sender must be one of the port's (mac, IPv4) pairs; 0.0.0.0 is an address probe (RFC 5227)
  for (const mac of anyFrom) lines.push(`ether type arp arp saddr ether ${mac} return`);
  const arpEls = [...macs.map((m) => `${m} . 0.0.0.0`), ...v4];
  lines.push(`ether type arp arp saddr ether . arp saddr ip { ${arpEls.join(', ')} } return`);
  lines.push('ether type arp drop');
  // IPv4: no DHCP server on a guest; the DHCP client's first request comes from 0.0.0.0
  lines.push('ether type ip meta l4proto udp udp sport 67 udp dport 68 drop');
  lines.push(
    'ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 meta l4proto udp udp sport 68 udp dport 67 return',
  );
  for (const mac of anyFrom) lines.push(`ether type ip ether saddr ${mac} return`);
  if (v4.length) lines.push(`ether type ip ether saddr . ip saddr { ${v4.join(', ')} } return`);
  lines.push('ether type ip drop');
  // IPv6: no DHCPv6 server nor router advertisement from a guest; DAD from ::
  lines.push('ether type ip6 meta l4proto udp udp sport 547 udp dport 546 drop');
  lines.push('ether type ip6 meta l4proto ipv6-icmp icmpv6 type nd-router-advert drop');
  lines.push(
    'ether type ip6 ip6 saddr :: ip6 daddr ff02::/16 meta l4proto ipv6-icmp icmpv6 type { 131, 135, 143 } return',
  );
  for (const mac of anyFrom) lines.push(`ether type ip6 ether saddr ${mac} return`);
  if (v6.length) lines.push(`ether type ip6 ether saddr . ip6 saddr { ${v6.join(', ')} } return`);
  lines.push('drop');
  return lines;
}

/** A port's filter profile: ports with the same groups (and statefulness) share their chains. */
interface Profile {
  groups: string[];
  stateful: boolean;
}

function profileOf(p: PortSpec, groups: ReadonlyMap<string, SecurityGroupSpec>): Profile {
  const ids = [...new Set(p.security_group_ids)].sort();
  // stateless only when every known group of the port is stateless (Neutron refuses to mix them on one port)
  const known = ids.map((id) => groups.get(id)).filter((g) => g !== undefined);
  return { groups: ids, stateful: known.length === 0 || known.some((g) => g.stateful) };
}

/** Renders one security-group rule as an nft rule ending in `return`, or undefined when it cannot match. */
export function renderRule(
  r: SecurityGroupRuleSpec,
  remoteSet: (groupId: string, v: 4 | 6) => string,
): string | undefined {
  const v = r.ethertype === 'IPv6' ? 6 : 4;
  const parts = [nfproto(v)];
  const dir = r.direction === 'ingress' ? 'saddr' : 'daddr';
  if (r.remote_ip_prefix) {
    const c = cidrOf(r.remote_ip_prefix);
    if (!c || c.version !== v) return undefined;
    if (c.prefix > 0) parts.push(`${fam(v)} ${dir} ${formatIp({ version: v, value: c.network })}/${c.prefix}`);
  }
  if (r.remote_group_id) parts.push(`${fam(v)} ${dir} @${remoteSet(r.remote_group_id, v)}`);
  let proto: number | undefined;
  try {
    proto = protocolNumber(r);
  } catch {
    return undefined; // a protocol the API should have refused: the rule admits nothing, the others still apply
  }
  if (proto !== undefined) {
    parts.push(`meta l4proto ${proto}`);
    const min = r.port_range_min;
    const max = r.port_range_max;
    if (PORT_PROTOCOLS.has(proto) && min !== null) {
      const hi = max ?? min;
      if (!(min <= 1 && hi >= 65535)) parts.push(`th dport ${min === hi ? min : `${min}-${hi}`}`);
    } else if ((proto === 1 && v === 4) || (proto === 58 && v === 6)) {
      // ICMP type and code travel in port_range_min and port_range_max
      const icmp = v === 4 ? 'icmp' : 'icmpv6';
      if (min !== null) parts.push(`${icmp} type ${min}`);
      if (min !== null && max !== null) parts.push(`${icmp} code ${max}`);
    }
  }
  parts.push('return');
  return parts.join(' ');
}

export interface Rendered {
  /** The whole nft script, the generation define excluded (compare it to skip an unchanged apply). */
  body: string;
  /** How many filtered ports and rule lines it holds (logs, bench). */
  ports: number;
  rules: number;
}

/** A 16-bit conntrack zone per network, stable across renders (from the id; collisions resolved in id order). */
export function zones(networkIds: string[]): Map<string, number> {
  const used = new Set<number>();
  const out = new Map<string, number>();
  for (const id of [...networkIds].sort()) {
    let z = (Number.parseInt(id.replace(/-/g, '').slice(0, 8), 16) % 65534) + 1;
    for (let i = 0; i < 65534 && used.has(z); i++) z = (z % 65534) + 1;
    used.add(z);
    out.set(id, z);
  }
  return out;
}

/** The nft script for the model; `$sg_gen` is defined by the caller (see security-groups.ts). */
export function renderFirewall(model: FirewallModel): Rendered {
  const ports = [...model.ports.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const filtered = ports.filter(isFiltered);

  // profiles (egress and ingress chains), numbered from 1: mark bits 0-15 carry the in port's, 16-31 the out port's
  const profiles = new Map<string, { n: number; profile: Profile }>();
  const portProfile = new Map<string, number>();
  for (const p of filtered) {
    const prof = profileOf(p, model.securityGroups);
    const key = `${prof.stateful ? 's' : 'n'}:${prof.groups.join(',')}`;
    if (!profiles.has(key)) profiles.set(key, { n: profiles.size + 1, profile: prof });
    portProfile.set(p.id, profiles.get(key)!.n);
  }
  if (profiles.size > 0xffff) throw new Error('too many security-group profiles for the packet mark');

  // remote groups: one named set per (group, IP version) that a rule refers to
  const sets = new Map<string, string>();
  const remoteSet = (g: string, v: 4 | 6) => {
    const key = `${g}/${v}`;
    if (!sets.has(key)) sets.set(key, `rg${v}_${sets.size}`);
    return sets.get(key)!;
  };
  const chains: string[] = [];
  let ruleCount = 0;
  const gen = 'ct mark $sg_gen';
  for (const { n, profile } of profiles.values()) {
    const rules = profile.groups.flatMap((g) => model.securityGroups.get(g)?.rules ?? []);
    const stateful = profile.stateful
      ? [
          'ct state related return',
          'ct state established ct direction reply return',
          `ct state established ${gen} return`,
        ]
      : [];
    const own = (direction: 'ingress' | 'egress') => {
      const lines = rules
        .filter((r) => r.direction === direction)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((r) => renderRule(r, remoteSet))
        .filter((l) => l !== undefined);
      const unique = [...new Set(lines)];
      ruleCount += unique.length;
      return unique;
    };
    chains.push(
      `  chain egress_${n} {`,
      // always allowed out, as Neutron's fixed egress rules: the DHCP client, all of ICMPv6 (RAs were dropped at the bridge)
      '    meta nfproto ipv4 meta l4proto udp udp sport 68 udp dport 67 return',
      '    meta nfproto ipv6 meta l4proto udp udp sport 546 udp dport 547 return',
      '    meta nfproto ipv6 meta l4proto ipv6-icmp return',
      ...[...stateful, ...own('egress')].map((l) => `    ${l}`),
      '    drop',
      '  }',
      `  chain ingress_${n} {`,
      // always allowed in: neighbour discovery and MLD queries, router advertisements, the network's DHCP servers
      '    meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type { 130, 135, 136 } return',
      '    meta nfproto ipv6 ip6 saddr fe80::/10 meta l4proto ipv6-icmp icmpv6 type 134 return',
      '    meta nfproto ipv4 ip saddr @dhcp4 meta l4proto udp udp sport 67 udp dport 68 return',
      '    meta nfproto ipv6 ip6 saddr @dhcp6 meta l4proto udp udp sport 547 udp dport 546 return',
      ...[...stateful, ...own('ingress')].map((l) => `    ${l}`),
      '    drop',
      '  }',
    );
  }

  // members of every referenced remote group: fixed IPs and allowed address pairs of its ports
  const setDefs: string[] = [];
  const setDef = (name: string, v: 4 | 6, cidrs: Cidr[]) => {
    const els = elements(v, merged(cidrs));
    setDefs.push(
      `  set ${name} {`,
      `    type ${v === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags interval;`,
      ...(els.length ? [`    elements = { ${els.join(', ')} }`] : []),
      '  }',
    );
  };
  for (const [key, name] of sets) {
    const [g, vs] = key.split('/');
    const v = Number(vs) as 4 | 6;
    const cidrs = ports
      .filter((p) => p.security_group_ids.includes(g))
      .flatMap((p) => [
        ...p.fixed_ips.map((f) => f.ip_address),
        ...(p.allowed_address_pairs ?? []).map((a) => a.ip_address),
      ])
      .map(cidrOf)
      .filter((c): c is Cidr => c?.version === v);
    setDef(name, v, cidrs);
  }
  const dhcp = ports.filter((p) => p.device_owner === 'network:dhcp');
  const dhcpAddrs = dhcp.flatMap((p) => [...p.fixed_ips.map((f) => f.ip_address), lla(p.mac_address)]);
  setDef(
    'dhcp4',
    4,
    dhcpAddrs.map(cidrOf).filter((c): c is Cidr => c?.version === 4),
  );
  setDef(
    'dhcp6',
    6,
    dhcpAddrs.map(cidrOf).filter((c): c is Cidr => c?.version === 6),
  );

  const networkIds = [...new Set([...model.networks.keys(), ...ports.map((p) => p.network_id)])];
  const zoneMap = [...zones(networkIds)].map(([id, z]) => `"${bridgeName(id)}" : ${z}`);
  const inMarks = filtered.map((p) => `"${tapName(p.id)}" : 0x${portProfile.get(p.id)!.toString(16)}`);
  const outJumps = filtered.map((p) => `"${tapName(p.id)}" : jump out_${portProfile.get(p.id)}`);
  const spoofJumps = filtered.map((p) => `"${tapName(p.id)}" : jump spoof_${tapName(p.id)}`);
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

  const bridge = [
    `table bridge ${TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority -200; policy accept;',
    ...(spoofJumps.length ? [`    iifname vmap { ${spoofJumps.join(', ')} }`] : []),
    '  }',
    ...filtered.flatMap((p) => [`  chain spoof_${tapName(p.id)} {`, ...spoofChain(p).map((l) => `    ${l}`), '  }']),
    // before br_netfilter hands the packet to the inet forward hook (priority -1)
    '  chain forward {',
    '    type filter hook forward priority -200; policy accept;',
    '    meta mark set 0',
    ...(inMarks.length ? [`    meta mark set iifname map { ${inMarks.join(', ')} }`] : []),
    ...(outJumps.length ? [`    oifname vmap { ${outJumps.join(', ')} }`] : []),
    '  }',
    ...[...profiles.values()].flatMap(({ n }) => [
      `  chain out_${n} {`,
      `    meta mark set meta mark | ${hex(n << 16)}`,
      '  }',
    ]),
    '}',
  ];
  const egressMap = [...profiles.values()].map(({ n }) => `${hex(n)} : jump egress_${n}`);
  const ingressMap = [...profiles.values()].map(({ n }) => `${hex(n << 16)} : jump ingress_${n}`);
  const inet = [
    `table inet ${TABLE} {`,
    ...setDefs,
    '  chain zone {',
    '    type filter hook prerouting priority -300; policy accept;',
    ...(zoneMap.length ? [`    ct zone set iifname map { ${zoneMap.join(', ')} }`] : []),
    '  }',
    '  chain filter {',
    '    type filter hook forward priority 0; policy accept;',
    ...(egressMap.length ? [`    meta mark & 0x0000ffff vmap { ${egressMap.join(', ')} }`] : []),
    ...(ingressMap.length ? [`    meta mark & 0xffff0000 vmap { ${ingressMap.join(', ')} }`] : []),
    `    ct direction original ct mark != $sg_gen ct mark set $sg_gen`,
    '  }',
    ...chains,
    '}',
  ];
  const body = [
    `table bridge ${TABLE}`,
    `delete table bridge ${TABLE}`,
    ...bridge,
    `table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    ...inet,
    '',
  ].join('\n');
  return { body, ports: filtered.length, rules: ruleCount };
}

/** The script that removes both tables (no error when they do not exist). */
export function renderRemoval(): string {
  return [
    `table bridge ${TABLE}`,
    `delete table bridge ${TABLE}`,
    `table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    '',
  ].join('\n');
}
