import { BadRequest } from '../../server/errors.js';
import { invalidInput, ipGenerationFailure } from './errors.js';
import { cidrContains, eui64, parseCidr, parseIp } from './ip.js';
import { allocateOn, checkRequestedIp, nextFree } from './ipam.js';
import type { NetDb, SubnetRow } from './store.js';

// Which addresses a port gets: the fixed_ips a client asked for (by subnet,
// by address, or both), or Neutron's default of one address from the first
// IPv4 subnet with room and one from the first IPv6 subnet with room.

export interface FixedIpRequest {
  subnet_id?: string;
  ip_address?: string;
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export function checkFixedIpsBody(v: unknown, attr: string): FixedIpRequest[] {
  if (!Array.isArray(v)) throw invalidInput(`Invalid input for ${attr}. Reason: '${JSON.stringify(v)}' is not a list.`);
  return v.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw invalidInput(`Invalid input for ${attr}. Reason: '${JSON.stringify(item)}' is not a dictionary.`);
    const extra = Object.keys(item).filter((k) => k !== 'subnet_id' && k !== 'ip_address');
    if (extra.length) throw invalidInput(`Invalid input for ${attr}. Reason: Unrecognized keys: ${extra.join(', ')}.`);
    const r = item as FixedIpRequest;
    if (r.ip_address !== undefined && (typeof r.ip_address !== 'string' || !parseIp(r.ip_address)))
      throw invalidInput(`Invalid input for ${attr}. Reason: '${r.ip_address}' is not a valid IP address.`);
    if (r.subnet_id !== undefined && typeof r.subnet_id !== 'string')
      throw invalidInput(`Invalid input for ${attr}. Reason: '${r.subnet_id}' is not a valid UUID.`);
    return r;
  });
}

/** IPv6 subnets whose hosts configure their own address from the prefix and their MAC. */
export function isAutoAddress(s: Pick<SubnetRow, 'ip_version' | 'ipv6_address_mode'>): boolean {
  return s.ip_version === 6 && (s.ipv6_address_mode === 'slaac' || s.ipv6_address_mode === 'dhcpv6-stateless');
}

/** The address a MAC takes on an auto-address subnet. */
export function autoAddress(s: SubnetRow, mac: string): FixedIp {
  return { subnet_id: s.id, ip_address: eui64(parseCidr(s.cidr)!, mac) };
}

export async function networkSubnets(db: NetDb, networkId: string): Promise<SubnetRow[]> {
  return db
    .selectFrom('neutron_subnets')
    .selectAll()
    .where('network_id', '=', networkId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Resolves requested fixed IPs to (subnet, address) pairs and checks each is
 * free; `keep` are addresses the port already holds (an update keeps them).
 */
export async function resolveFixedIps(
  db: NetDb,
  networkId: string,
  requests: FixedIpRequest[],
  keep: FixedIp[] = [],
  mac?: string,
): Promise<FixedIp[]> {
  const subnets = await networkSubnets(db, networkId);
  const out: FixedIp[] = [];
  const held = [...keep];
  for (const r of requests) {
    let subnet: SubnetRow | undefined;
    if (r.subnet_id !== undefined) {
      subnet = subnets.find((s) => s.id === r.subnet_id);
      if (!subnet)
        throw invalidInput(
          `Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${r.subnet_id}`,
        );
    } else if (r.ip_address !== undefined) {
      const a = parseIp(r.ip_address)!;
      subnet = subnets.find((s) => cidrContains(parseCidr(s.cidr)!, a));
      if (!subnet)
        throw new BadRequest(
          `IP address ${r.ip_address} is not a valid IP for any of the subnets on the specified network.`,
          'InvalidIpForNetwork',
        );
    } else throw invalidInput('IP allocation requires subnet_id or ip_address');
    if (r.ip_address !== undefined) {
      const mine = held.findIndex((h) => h.subnet_id === subnet.id && h.ip_address === r.ip_address);
      if (mine >= 0) {
        out.push(held.splice(mine, 1)[0]);
        continue;
      }
      const ip = await checkRequestedIp(db, subnet, r.ip_address);
      if (out.some((o) => o.subnet_id === subnet.id && o.ip_address === ip))
        throw invalidInput(`Duplicate IP address '${ip}'`);
      out.push({ subnet_id: subnet.id, ip_address: ip });
      continue;
    }
    // by subnet only: an address the port already has there, else a new one
    const mine = held.findIndex((h) => h.subnet_id === subnet.id);
    if (mine >= 0) {
      out.push(held.splice(mine, 1)[0]);
      continue;
    }
    if (isAutoAddress(subnet) && mac) {
      const auto = autoAddress(subnet, mac);
      out.push({ subnet_id: subnet.id, ip_address: await checkRequestedIp(db, subnet, auto.ip_address) });
      continue;
    }
    out.push({ subnet_id: subnet.id, ip_address: await allocateExcluding(db, subnet, out) });
  }
  return out;
}

/** The next free address that this same request has not already claimed. */
function allocateExcluding(db: NetDb, subnet: SubnetRow, claimed: FixedIp[]): Promise<string> {
  return allocateOn(db, subnet, new Set(claimed.filter((c) => c.subnet_id === subnet.id).map((c) => c.ip_address)));
}

/**
 * Neutron's default when no fixed_ips are given: one address from the first
 * IPv4 subnet that has room, one from the first stateful IPv6 subnet that has
 * room, and the MAC's own address on every SLAAC subnet. A network with
 * subnets but no room left fails with IpAddressGenerationFailure.
 */
export async function defaultFixedIps(
  db: NetDb,
  networkId: string,
  mac: string,
  only?: (s: SubnetRow) => boolean,
): Promise<FixedIp[]> {
  const subnets = (await networkSubnets(db, networkId)).filter((s) => !only || only(s));
  const out: FixedIp[] = [];
  for (const s of subnets.filter(isAutoAddress)) out.push(await resolveAuto(db, s, mac));
  for (const version of [4, 6]) {
    const candidates = subnets.filter((s) => s.ip_version === version && !isAutoAddress(s));
    if (!candidates.length) continue;
    let got: FixedIp | undefined;
    for (const s of candidates) {
      const ip = await nextFree(db, s);
      if (ip) {
        got = { subnet_id: s.id, ip_address: ip };
        break;
      }
    }
    if (!got) throw ipGenerationFailure(networkId);
    out.push(got);
  }
  return out;
}

async function resolveAuto(db: NetDb, s: SubnetRow, mac: string): Promise<FixedIp> {
  const a = autoAddress(s, mac);
  return { subnet_id: s.id, ip_address: await checkRequestedIp(db, s, a.ip_address) };
}

export async function saveFixedIps(db: NetDb, portId: string, networkId: string, ips: FixedIp[]): Promise<void> {
  if (ips.length)
    await db
      .insertInto('neutron_ip_allocations')
      .values(ips.map((ip) => ({ ...ip, port_id: portId, network_id: networkId })))
      .execute();
}

export async function portFixedIps(db: NetDb, portId: string): Promise<FixedIp[]> {
  return db
    .selectFrom('neutron_ip_allocations')
    .select(['subnet_id', 'ip_address'])
    .where('port_id', '=', portId)
    .execute();
}
