import { BadRequest, Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { toJson } from '../../store/json.js';
import { autoSchedule, DHCP } from './agents.js';
import {
  type AttrMap,
  bool as boolCheck,
  dict,
  int,
  listOf,
  nullableIp,
  oneOf,
  str,
  subnetCidr,
} from './attributes.js';
import { bumped, bumpRevision, newStandard, type Op, pushDown, type Resource, standardView } from './common.js';
import { releaseDhcpAddresses, syncDhcpPort } from './dhcp-ports.js';
import { badRequest, invalidAttr, invalidInput, notFound, policyRefused } from './errors.js';
import { formatCidr, formatIp, lastAddress, parseCidr, parseIp } from './ip.js';
import { checkPools, defaultPools, dropFloor, type Pool } from './ipam.js';
import { visibleNetwork } from './networks.js';
import { owns, requireWriter } from './policy.js';
import { autoAddress, isAutoAddress } from './port-ips.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { bit, bool, type NetworkRow, type SubnetRow } from './store.js';
import { allocateFromPool, defaultPool } from './subnet-pools.js';
import { sync } from './sync.js';
import { dropTags, tagsOf } from './tags.js';

const MAX_DNS_NAMESERVERS = 5;
const MAX_HOST_ROUTES = 20;
const V6_MODES = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac', null];

interface HostRoute {
  destination: string;
  nexthop: string;
}

const hostRoute = (v: unknown, attr: string): HostRoute => {
  const d = dict(v, attr) as Record<string, unknown>;
  const extra = Object.keys(d).filter((k) => k !== 'destination' && k !== 'nexthop');
  if (extra.length || typeof d.destination !== 'string' || typeof d.nexthop !== 'string')
    throw invalidAttr(attr, `Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'}`);
  const dest = parseCidr(d.destination);
  const hop = parseIp(d.nexthop);
  if (!dest) throw invalidAttr(attr, `'${d.destination}' is not a valid IP subnet`);
  if (!hop) throw invalidAttr(attr, `'${d.nexthop}' is not a valid IP address`);
  return { destination: formatCidr(dest), nexthop: formatIp(hop) };
};

const pool = (v: unknown, attr: string): Pool => {
  const d = dict(v, attr) as Record<string, unknown>;
  if (typeof d.start !== 'string' || typeof d.end !== 'string' || Object.keys(d).length !== 2)
    throw invalidAttr(attr, `Validation of dictionary's keys failed. Expected keys: {'end', 'start'}`);
  return { start: d.start, end: d.end };
};

const nameserver = (v: unknown, attr: string) => {
  const ip = typeof v === 'string' ? parseIp(v) : undefined;
  if (!ip) throw invalidAttr(attr, `'${v}' is not a valid nameserver. '${v}' is not a valid IP address`);
  return formatIp(ip);
};

const nameservers = (v: unknown, attr: string) => {
  const list = listOf(nameserver)(v, attr) as string[];
  const dup = list.find((x, i) => list.indexOf(x) !== i);
  if (dup) throw invalidAttr(attr, `Duplicate nameserver '${dup}'`);
  return list;
};

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: str(255) },
  description: { post: true, put: true, default: '', check: str(255) },
  network_id: { post: true, check: (v, a) => str(36)(v, a) },
  ip_version: { post: true, check: (v, a) => oneOf(4, 6)(typeof v === 'string' ? Number(v) : v, a) },
  cidr: { post: true, default: null, check: subnetCidr },
  prefixlen: { post: true, default: null, check: int(0, 128) },
  subnetpool_id: { post: true, default: null },
  use_default_subnetpool: { post: true, default: false, check: boolCheck },
  gateway_ip: { post: true, put: true, default: undefined, check: nullableIp },
  allocation_pools: { post: true, put: true, default: undefined, check: listOf(pool) },
  dns_nameservers: { post: true, put: true, default: [], check: nameservers },
  host_routes: { post: true, put: true, default: [], check: listOf(hostRoute) },
  enable_dhcp: { post: true, put: true, default: true, check: boolCheck },
  ipv6_ra_mode: { post: true, put: false, default: null, check: oneOf(...V6_MODES) },
  ipv6_address_mode: { post: true, put: false, default: null, check: oneOf(...V6_MODES) },
  service_types: { post: true, put: true, default: [], check: listOf(str(255)) },
  segment_id: { post: true, default: null },
};

export function subnetView(s: SubnetRow, tags: string[] | undefined): View {
  return {
    id: s.id,
    name: s.name,
    network_id: s.network_id,
    ip_version: s.ip_version,
    subnetpool_id: s.subnetpool_id,
    enable_dhcp: bool(s.enable_dhcp),
    ipv6_ra_mode: s.ipv6_ra_mode,
    ipv6_address_mode: s.ipv6_address_mode,
    gateway_ip: s.gateway_ip,
    cidr: s.cidr,
    allocation_pools: JSON.parse(s.allocation_pools),
    host_routes: JSON.parse(s.host_routes),
    dns_nameservers: JSON.parse(s.dns_nameservers),
    service_types: JSON.parse(s.service_types),
    ...standardView(s, tags),
  };
}

/** Subnets are visible to their owner, the network's owner, admins, and all on shared networks (not merely external ones). */
function sees(op: Op, s: SubnetRow, net: Pick<NetworkRow, 'project_id' | 'shared'>): boolean {
  return owns(op.ctx, s.project_id) || owns(op.ctx, net.project_id) || net.shared === 1;
}

export async function visibleSubnet(op: Op, id: string): Promise<SubnetRow> {
  const s = await op.db.selectFrom('neutron_subnets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw notFound.subnet(id);
  const net = await op.db
    .selectFrom('neutron_networks')
    .select(['project_id', 'shared'])
    .where('id', '=', s.network_id)
    .executeTakeFirstOrThrow();
  if (!sees(op, s, net)) throw notFound.subnet(id);
  return s;
}

function checkGateway(cidr: ReturnType<typeof parseCidr> & {}, gw: string | null, version: number): void {
  if (gw === null) return;
  const a = parseIp(gw)!;
  if (a.version !== version) throw invalidInput(`gateway_ip '${gw}' does not match the ip_version '${version}'`);
  const inside = a.value >= cidr.network && a.value <= lastAddress(cidr);
  if (inside && (a.value === cidr.network || (version === 4 && a.value === lastAddress(cidr))))
    throw invalidInput('Gateway is not valid on subnet');
}

function checkLimits(b: Record<string, unknown>, id: string): void {
  if (Array.isArray(b.dns_nameservers) && b.dns_nameservers.length > MAX_DNS_NAMESERVERS)
    throw new BadRequest(
      `Unable to complete operation for ${id}. The number of DNS nameservers exceeds the limit ${MAX_DNS_NAMESERVERS}.`,
      'DNSNameServersExhausted',
    );
  if (Array.isArray(b.host_routes) && b.host_routes.length > MAX_HOST_ROUTES)
    throw new BadRequest(
      `Unable to complete operation for ${id}. The number of host routes exceeds the limit ${MAX_HOST_ROUTES}.`,
      'HostRoutesExhausted',
    );
}

/** Neutron's rules for the IPv6 modes of a new subnet (IPv4 has none; both set must agree; they need DHCP). */
function checkIpv6Modes(version: number, b: Record<string, unknown>): void {
  const ra = b.ipv6_ra_mode as string | null;
  const address = b.ipv6_address_mode as string | null;
  if (version === 4) {
    if (ra !== null) throw invalidInput('ipv6_ra_mode is not valid when ip_version is 4');
    if (address !== null) throw invalidInput('ipv6_address_mode is not valid when ip_version is 4');
    return;
  }
  if ((ra !== null || address !== null) && !b.enable_dhcp)
    throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  if (ra !== null && address !== null && ra !== address)
    throw invalidInput(
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value`,
    );
}

export const subnets: Resource = {
  member: 'subnet',
  collection: 'subnets',
  attrs,
  table: 'neutron_subnets',

  async list(op: Op, q: Query) {
    let query = op.db
      .selectFrom('neutron_subnets as s')
      .innerJoin('neutron_networks as n', 'n.id', 's.network_id')
      .selectAll('s');
    if (!op.ctx.isAdmin) {
      const me = op.ctx.projectId ?? '';
      query = query.where((eb) =>
        eb.or([eb('s.project_id', '=', me), eb('n.project_id', '=', me), eb('n.shared', '=', 1)]),
      );
    }
    query = pushDown(query, q, [
      ['id', 's.id'],
      ['name', 's.name'],
      ['network_id', 's.network_id'],
    ]);
    const rows = await query.orderBy('s.created_at').orderBy('s.id').execute();
    const tags = await tagsOf(
      op.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => subnetView(r, tags.get(r.id)));
  },

  async show(op, id) {
    const s = await visibleSubnet(op, id);
    return subnetView(s, (await tagsOf(op.db, [id])).get(id));
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_subnet');
    const net = await visibleNetwork(op, b.network_id as string);
    if (!owns(op.ctx, net.project_id)) throw policyRefused('rule:create_subnet');
    const version = b.ip_version as 4 | 6;
    let poolId: string | null = null;
    if (b.subnetpool_id !== null || b.use_default_subnetpool === true) {
      poolId = (b.subnetpool_id as string | null) ?? (await defaultPool(op, version));
      const got = await allocateFromPool(op, poolId, b.cidr as string | null, b.prefixlen as number | null);
      if (got.version !== version)
        throw invalidInput(`Invalid input for operation: subnetpool ${poolId} is IPv${got.version}, not IPv${version}`);
      b.cidr = got.cidr;
    } else if (b.cidr === null) throw badRequest('subnet', 'a subnetpool must be specified in the absence of a cidr');
    const cidr = parseCidr(b.cidr as string)!;
    if (cidr.version !== version) throw invalidInput(`cidr '${b.cidr}' does not match the ip_version '${version}'`);
    const cidrText = formatCidr(cidr);
    if (cidr.hostBits)
      throw invalidAttr('cidr', `'${b.cidr}' isn't a recognized IP subnet cidr, '${cidrText}' is recommended`);
    checkIpv6Modes(version, b);
    checkLimits(b, 'subnet');
    for (const other of await op.db
      .selectFrom('neutron_subnets')
      .select('cidr')
      .where('network_id', '=', net.id)
      .execute()) {
      const o = parseCidr(other.cidr)!;
      if (o.version === cidr.version && cidr.network <= lastAddress(o) && o.network <= lastAddress(cidr))
        throw invalidInput(
          `Requested subnet with cidr: ${cidrText} for network: ${net.id} overlaps with another subnet`,
        );
    }
    const gateway =
      b.gateway_ip === undefined
        ? cidr.network + 1n <= lastAddress(cidr)
          ? formatIp({ version, value: cidr.network + 1n })
          : null
        : (b.gateway_ip as string | null);
    checkGateway(cidr, gateway, version);
    if (
      isAutoAddress({ ip_version: version, ipv6_address_mode: b.ipv6_address_mode as string | null }) &&
      cidr.prefix !== 64
    )
      throw invalidInput(
        `Invalid CIDR ${cidrText} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`,
      );
    const pools =
      b.allocation_pools === undefined
        ? defaultPools(cidr, gateway)
        : checkPools(cidrText, cidr, gateway, b.allocation_pools as Pool[]);
    await checkQuota(op.db, 'subnet', b.project_id as string);
    const id = uuid();
    await op.db
      .insertInto('neutron_subnets')
      .values({
        ...newStandard(id, b.project_id as string, b.name, b.description),
        network_id: net.id,
        ip_version: version,
        cidr: cidrText,
        gateway_ip: gateway,
        allocation_pools: toJson(pools),
        dns_nameservers: toJson(b.dns_nameservers),
        host_routes: toJson(b.host_routes),
        enable_dhcp: bit(b.enable_dhcp as boolean),
        ipv6_ra_mode: b.ipv6_ra_mode as string | null,
        ipv6_address_mode: b.ipv6_address_mode as string | null,
        subnetpool_id: poolId,
        service_types: toJson(b.service_types),
      })
      .execute();
    await bumpRevision(op.db, 'neutron_networks', net.id);
    if (isAutoAddress({ ip_version: version, ipv6_address_mode: b.ipv6_address_mode as string | null }))
      await addAutoAddresses(op, id);
    if (b.enable_dhcp) await autoSchedule(op.db, net.id, DHCP);
    await syncDhcpPort(op, net.id);
    await sync(op, 'network', net.id);
    return id;
  },

  async update(op, id, b) {
    const s = await visibleSubnet(op, id);
    const net = await visibleNetwork(op, s.network_id);
    if (!owns(op.ctx, s.project_id) && !owns(op.ctx, net.project_id)) throw policyRefused('rule:update_subnet');
    requireWriter(op.ctx, 'update_subnet');
    checkLimits(b, id);
    const cidr = parseCidr(s.cidr)!;
    const set: Partial<SubnetRow> = bumped(s);
    let gateway = s.gateway_ip;
    if ('gateway_ip' in b && b.gateway_ip !== s.gateway_ip) {
      gateway = b.gateway_ip as string | null;
      checkGateway(cidr, gateway, s.ip_version);
      if (s.gateway_ip) {
        const user = await op.db
          .selectFrom('neutron_ip_allocations as a')
          .innerJoin('neutron_ports as p', 'p.id', 'a.port_id')
          .select('p.id')
          .where('a.subnet_id', '=', id)
          .where('a.ip_address', '=', s.gateway_ip)
          .where('p.device_owner', 'like', 'network:router%')
          .executeTakeFirst();
        if (user)
          throw new Conflict(
            `Current gateway ip ${s.gateway_ip} already in use by port ${user.id}. Unable to update.`,
            'GatewayIpInUse',
          );
      }
      set.gateway_ip = gateway;
    }
    const pools = 'allocation_pools' in b ? (b.allocation_pools as Pool[]) : (JSON.parse(s.allocation_pools) as Pool[]);
    if ('allocation_pools' in b || 'gateway_ip' in b) {
      set.allocation_pools = toJson(checkPools(s.cidr, cidr, gateway, pools));
      await dropFloor(op.db, s.id);
    }
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('dns_nameservers' in b) set.dns_nameservers = toJson(b.dns_nameservers);
    if ('host_routes' in b) set.host_routes = toJson(b.host_routes);
    if ('enable_dhcp' in b) {
      if (b.enable_dhcp === false && (s.ipv6_ra_mode !== null || s.ipv6_address_mode !== null))
        throw invalidInput('Cannot disable enable_dhcp with ipv6 attributes set');
      set.enable_dhcp = bit(b.enable_dhcp as boolean);
    }
    if ('service_types' in b) set.service_types = toJson(b.service_types);
    await op.db.updateTable('neutron_subnets').set(set).where('id', '=', id).execute();
    if ('enable_dhcp' in b) await syncDhcpPort(op, s.network_id);
    await sync(op, 'network', s.network_id);
  },

  async remove(op, id) {
    const s = await visibleSubnet(op, id);
    const net = await visibleNetwork(op, s.network_id);
    if (!owns(op.ctx, s.project_id) && !owns(op.ctx, net.project_id)) throw policyRefused('rule:delete_subnet');
    requireWriter(op.ctx, 'delete_subnet');
    // SLAAC addresses of ordinary ports go with the subnet, as they came with it
    if (isAutoAddress(s)) {
      const auto = await op.db
        .selectFrom('neutron_ip_allocations as a')
        .innerJoin('neutron_ports as p', 'p.id', 'a.port_id')
        .select('a.port_id')
        .where('a.subnet_id', '=', id)
        .where('p.device_owner', 'not like', 'network:%')
        .execute();
      for (const a of auto) {
        await op.db
          .deleteFrom('neutron_ip_allocations')
          .where('subnet_id', '=', id)
          .where('port_id', '=', a.port_id)
          .execute();
        await sync(op, 'port', a.port_id);
      }
    }
    await releaseDhcpAddresses(op, id);
    const used = await op.db
      .selectFrom('neutron_ip_allocations')
      .select('port_id')
      .where('subnet_id', '=', id)
      .executeTakeFirst();
    if (used)
      throw new Conflict(
        `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
        'SubnetInUse',
      );
    await dropTags(op.db, [id]);
    await op.db.deleteFrom('neutron_subnets').where('id', '=', id).execute();
    await bumpRevision(op.db, 'neutron_networks', s.network_id);
    await syncDhcpPort(op, s.network_id);
    await sync(op, 'network', s.network_id);
  },
};

/** A new SLAAC subnet gives every ordinary port already on the network its address there (Neutron does). */
async function addAutoAddresses(op: Op, subnetId: string): Promise<void> {
  const s = await op.db.selectFrom('neutron_subnets').selectAll().where('id', '=', subnetId).executeTakeFirstOrThrow();
  const ports = await op.db
    .selectFrom('neutron_ports')
    .select(['id', 'mac_address'])
    .where('network_id', '=', s.network_id)
    .where('device_owner', 'not like', 'network:%')
    .execute();
  for (const p of ports) {
    await op.db
      .insertInto('neutron_ip_allocations')
      .values({ ...autoAddress(s, p.mac_address), port_id: p.id, network_id: s.network_id })
      .execute();
    await sync(op, 'port', p.id);
  }
}
