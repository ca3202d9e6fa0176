// IP address arithmetic for IPAM: addresses as bigint, so IPv4 and IPv6 share
// one code path. Parsing is strict (Neutron rejects "010.0.0.1" and friends).

export type IpVersion = 4 | 6;

export interface Addr {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function bits(version: IpVersion): number {
  return version === 4 ? 32 : 128;
}

export function parseIp(text: string): Addr | undefined {
  if (typeof text !== 'string') return undefined;
  if (V4.test(text)) {
    const v = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { version: 4, value: v };
  }
  return parseV6(text);
}

function parseV6(text: string): Addr | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return undefined;
  let tail: bigint[] = [];
  let s = text;
  // an embedded IPv4 tail (::ffff:1.2.3.4)
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIp(s.slice(lastColon + 1));
    if (v4?.version !== 4) return undefined;
    tail = [v4.value >> 16n, v4.value & 0xffffn];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + rest.length > 7)) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tail.length) v = (v & ~0xffffffffn) | (tail[0] << 16n) | tail[1];
  return { version: 6, value: v };
}

export function formatIp(a: Addr): string {
  if (a.version === 4) {
    const v = a.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: the longest run (≥2) of zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Canonical text of an address ("2001:DB8::0001" → "2001:db8::1"), or undefined. */
export function normalizeIp(text: string): string | undefined {
  const a = parseIp(text);
  return a && formatIp(a);
}

/** Parses "10.0.0.0/24". `strict` refuses host bits (Neutron does for subnet CIDRs it validates as networks). */
export function parseCidr(text: string): (Cidr & { hostBits: boolean }) | undefined {
  if (typeof text !== 'string') return undefined;
  const [ip, len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const a = parseIp(ip);
  if (!a) return undefined;
  const max = bits(a.version);
  let prefix = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len)) return undefined;
    prefix = Number(len);
    if (prefix > max) return undefined;
  }
  const mask = netmask(a.version, prefix);
  return {
    version: a.version,
    network: a.value & mask,
    prefix,
    hostBits: (a.value & ~mask & allOnes(a.version)) !== 0n,
  };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ version: c.version, value: c.network })}/${c.prefix}`;
}

function allOnes(version: IpVersion): bigint {
  return (1n << BigInt(bits(version))) - 1n;
}

function netmask(version: IpVersion, prefix: number): bigint {
  const b = BigInt(bits(version));
  return allOnes(version) ^ ((1n << (b - BigInt(prefix))) - 1n);
}

/** The last address of the CIDR (the broadcast address in IPv4). */
export function lastAddress(c: Cidr): bigint {
  return c.network | ((1n << BigInt(bits(c.version) - c.prefix)) - 1n);
}

export function cidrContains(c: Cidr, a: Addr): boolean {
  return c.version === a.version && a.value >= c.network && a.value <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** How many addresses the CIDR spans. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bits(c.version) - c.prefix);
}

/** The SLAAC address of a MAC on a /64 (modified EUI-64, RFC 4291 appendix A). */
export function eui64(prefix: Cidr, mac: string): string {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  const iid = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]].reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  return formatIp({ version: 6, value: prefix.network | iid });
}
