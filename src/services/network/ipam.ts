import { BadRequest, Conflict } from '../../server/errors.js';
import { ipAlreadyAllocated, ipGenerationFailure } from './errors.js';
import { type Addr, type Cidr, cidrContains, formatIp, lastAddress, parseCidr, parseIp } from './ip.js';
import type { NetDb, SubnetRow } from './store.js';

// Exact IPAM: a subnet hands out addresses from its allocation pools, never its
// network, broadcast (IPv4) or gateway address, never one twice. Allocation
// takes the lowest free address, so what a user sees is predictable. Callers
// run inside the request's transaction (SQLite serializes them), and the
// (subnet_id, ip_address) primary key backs the promise.

export interface Pool {
  start: string;
  end: string;
}

interface Range {
  first: bigint;
  last: bigint;
}

function range(p: Pool, version: number): Range | undefined {
  const a = parseIp(p.start);
  const b = parseIp(p.end);
  if (!a || !b || a.version !== version || b.version !== version) return undefined;
  return { first: a.value, last: b.value };
}

const poolText = (p: Pool) => `${p.start}-${p.end}`;

/** Neutron's default pools: the CIDR without its network, broadcast (v4) and gateway addresses. */
export function defaultPools(cidr: Cidr, gateway: string | null): Pool[] {
  const v = cidr.version;
  const first = cidr.network;
  const last = lastAddress(cidr);
  if (first === last)
    return [{ start: formatIp({ version: v, value: first }), end: formatIp({ version: v, value: last }) }];
  const lo = first + 1n;
  const hi = last - (v === 4 ? 1n : 0n);
  if (lo >= hi) return [];
  const gw = gateway ? parseIp(gateway)?.value : undefined;
  const ranges: Range[] =
    gw !== undefined && gw >= lo && gw <= hi
      ? [
          { first: lo, last: gw - 1n },
          { first: gw + 1n, last: hi },
        ].filter((r) => r.first <= r.last)
      : [{ first: lo, last: hi }];
  return ranges.map((r) => ({
    start: formatIp({ version: v, value: r.first }),
    end: formatIp({ version: v, value: r.last }),
  }));
}

/** Checks user-given pools against the CIDR and gateway, as Neutron does; returns them in canonical form. */
export function checkPools(cidrText: string, cidr: Cidr, gateway: string | null, pools: Pool[]): Pool[] {
  const ranges: (Range & { pool: Pool })[] = [];
  for (const p of pools) {
    const r = range(p, cidr.version);
    if (!r || r.first > r.last)
      throw new BadRequest(`The allocation pool ${poolText(p)} is not valid.`, 'InvalidAllocationPool');
    const canon = {
      start: formatIp({ version: cidr.version, value: r.first }),
      end: formatIp({ version: cidr.version, value: r.last }),
    };
    const last = lastAddress(cidr);
    const inside = r.first >= cidr.network && r.last <= last;
    const edge = cidr.version === 4 && cidr.prefix < 31 && (r.first === cidr.network || r.last === last);
    if (!inside || edge)
      throw new BadRequest(
        `The allocation pool ${poolText(canon)} spans beyond the subnet cidr ${cidrText}.`,
        'OutOfBoundsAllocationPool',
      );
    ranges.push({ ...r, pool: canon });
  }
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : 1));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].first <= sorted[i - 1].last)
      throw new Conflict(
        `Found overlapping allocation pools: ${poolText(sorted[i - 1].pool)} ${poolText(sorted[i].pool)} for subnet ${cidrText}.`,
        'OverlappingAllocationPools',
      );
  const gw = gateway ? parseIp(gateway)?.value : undefined;
  if (gw !== undefined) {
    const hit = ranges.find((r) => gw >= r.first && gw <= r.last);
    if (hit)
      throw new Conflict(
        `Gateway ip ${gateway} conflicts with allocation pool ${poolText(hit.pool)}`,
        'GatewayConflictWithAllocationPools',
      );
  }
  return ranges.map((r) => r.pool);
}

/** How many addresses the pools hold (for network-ip-availabilities). */
export function poolSize(pools: Pool[], version: number): bigint {
  let n = 0n;
  for (const p of pools) {
    const r = range(p, version);
    if (r) n += r.last - r.first + 1n;
  }
  return n;
}

// Finding the lowest free address does not read the subnet's allocations.
// Each subnet keeps a floor (neutron_ipam_floors): every pool address below it
// is taken. The search starts there and asks only whether a few candidates
// are taken (a growing batch, through the primary key), and the address it
// finds becomes the new floor, in the same transaction as the allocation. A
// release lowers the floor to the address released (releaseAddresses), so a
// freed address is the next one given, as the lowest free. Changing the pools
// drops the floor. The floor is only a shortcut: were it ever too high, the
// search from the pools' start runs before a subnet is called full.

const FIRST_BATCH = 16;
const MAX_BATCH = 512;

async function floorOf(db: NetDb, subnetId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('neutron_ipam_floors')
    .select('floor')
    .where('subnet_id', '=', subnetId)
    .executeTakeFirst();
  return row?.floor;
}

async function setFloor(db: NetDb, subnetId: string, floor: string): Promise<void> {
  await db
    .insertInto('neutron_ipam_floors')
    .values({ subnet_id: subnetId, floor })
    .onConflict((oc) => oc.column('subnet_id').doUpdateSet({ floor }))
    .execute();
}

/** Which of these addresses are taken on the subnet. */
async function takenOf(db: NetDb, subnetId: string, candidates: string[]): Promise<Set<string>> {
  const rows = await db
    .selectFrom('neutron_ip_allocations')
    .select('ip_address')
    .where('subnet_id', '=', subnetId)
    .where('ip_address', 'in', candidates)
    .execute();
  return new Set(rows.map((r) => r.ip_address));
}

/** The lowest address from `from` on in the pools that is neither taken nor excluded. */
async function search(
  db: NetDb,
  subnet: SubnetRow,
  from: bigint,
  exclude: Set<string> | undefined,
): Promise<string | undefined> {
  const version = subnet.ip_version as 4 | 6;
  const ranges = (JSON.parse(subnet.allocation_pools) as Pool[])
    .map((p) => range(p, version))
    .filter((r): r is Range => r !== undefined)
    .sort((a, b) => (a.first < b.first ? -1 : 1));
  let batch = FIRST_BATCH;
  for (const r of ranges) {
    let v = r.first > from ? r.first : from;
    while (v <= r.last) {
      const candidates: string[] = [];
      for (let x = v; x <= r.last && candidates.length < batch; x++) candidates.push(formatIp({ version, value: x }));
      const taken = await takenOf(db, subnet.id, candidates);
      const free = candidates.find((c) => !taken.has(c) && !exclude?.has(c));
      if (free) return free;
      v += BigInt(candidates.length);
      // a long run of taken addresses: ask for more at a time
      batch = Math.min(batch * 4, MAX_BATCH);
    }
  }
  return undefined;
}

/** The lowest free address in the subnet's pools, or undefined when they are exhausted. */
export async function nextFree(db: NetDb, subnet: SubnetRow, exclude?: Set<string>): Promise<string | undefined> {
  const floorText = await floorOf(db, subnet.id);
  const floor = floorText === undefined ? undefined : parseIp(floorText);
  let ip = floor ? await search(db, subnet, floor.value, exclude) : undefined;
  // no floor yet, or none free above it: the pools from their start
  ip ??= await search(db, subnet, 0n, exclude);
  // every pool address below `ip` is taken, or claimed by this same request
  if (ip !== undefined && ip !== floorText) await setFloor(db, subnet.id, ip);
  return ip;
}

/**
 * Lowers the floors of the subnets these addresses are given back on, before
 * their allocations are deleted (directly, or with their port).
 */
export async function releaseAddresses(db: NetDb, released: { subnet_id: string; ip_address: string }[]) {
  const lowest = new Map<string, Addr>();
  for (const r of released) {
    const a = parseIp(r.ip_address);
    const was = lowest.get(r.subnet_id);
    if (a && (!was || a.value < was.value)) lowest.set(r.subnet_id, a);
  }
  for (const [subnetId, a] of lowest) {
    const floorText = await floorOf(db, subnetId);
    const floor = floorText === undefined ? undefined : parseIp(floorText);
    if (floor && a.value < floor.value)
      await db
        .updateTable('neutron_ipam_floors')
        .set({ floor: formatIp(a) })
        .where('subnet_id', '=', subnetId)
        .execute();
  }
}

/** Gives back every address a port holds (before the port or its allocations are deleted). */
export async function releasePortAddresses(db: NetDb, portId: string, subnetId?: string): Promise<void> {
  let q = db.selectFrom('neutron_ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId);
  if (subnetId !== undefined) q = q.where('subnet_id', '=', subnetId);
  await releaseAddresses(db, await q.execute());
}

/** Forgets a subnet's floor (its pools changed). */
export async function dropFloor(db: NetDb, subnetId: string): Promise<void> {
  await db.deleteFrom('neutron_ipam_floors').where('subnet_id', '=', subnetId).execute();
}

/**
 * Checks that a requested address may be given on the subnet: inside its CIDR,
 * not the network or broadcast address, not already taken.
 */
export async function checkRequestedIp(db: NetDb, subnet: SubnetRow, ip: string): Promise<string> {
  const cidr = parseCidr(subnet.cidr)!;
  const a = parseIp(ip) as Addr | undefined;
  const reserved =
    a && cidr.version === 4 && cidr.prefix < 31 && (a.value === cidr.network || a.value === lastAddress(cidr));
  if (!a || !cidrContains(cidr, a) || reserved)
    throw new BadRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
  const text = formatIp(a);
  const taken = await db
    .selectFrom('neutron_ip_allocations')
    .select('port_id')
    .where('subnet_id', '=', subnet.id)
    .where('ip_address', '=', text)
    .executeTakeFirst();
  if (taken) throw ipAlreadyAllocated(text, subnet.id);
  return text;
}

/** Picks an address on the subnet (the lowest free) or fails as Neutron does. */
export async function allocateOn(db: NetDb, subnet: SubnetRow, exclude?: Set<string>): Promise<string> {
  const ip = await nextFree(db, subnet, exclude);
  if (!ip) throw ipGenerationFailure(subnet.network_id);
  return ip;
}
