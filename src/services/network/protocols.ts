// IP protocols as Neutron names them in security group rules (neutron-lib's
// IP_PROTOCOL_MAP), with their numbers: the API checks rules against them and
// the firewall matches by number, so the kernel never depends on /etc/protocols.

export const PROTOCOLS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Protocols whose port_range_min/max are destination ports (tcp, udp, dccp, sctp, udplite). */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

/** Protocols that only IPv6 carries (Neutron refuses them on an IPv4 rule). */
export const V6_ONLY: ReadonlySet<number> = new Set([41, 43, 44, 58, 59, 60]);

/** A protocol as a rule holds it (a name or a number in a string) → its number; undefined for none or an unknown name. */
export function protocolByName(p: string | null | undefined): number | undefined {
  if (p === null || p === undefined) return undefined;
  return /^\d+$/.test(p) ? Number(p) : PROTOCOLS[p];
}
