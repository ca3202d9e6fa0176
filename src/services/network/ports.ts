import { randomBytes } from 'node:crypto';
import { BadRequest, Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { toJson } from '../../store/json.js';
import { type AttrMap, any, bool as boolCheck, dict, listOf, oneOf, str, uuid as uuidCheck } from './attributes.js';
import { bumped, cutPage, newStandard, type Op, pushDown, type Resource } from './common.js';
import { invalidAttr, notFound, policyRefused } from './errors.js';
import { parseCidr, parseIp } from './ip.js';
import { releaseAddresses, releasePortAddresses } from './ipam.js';
import { visibleNetwork } from './networks.js';
import { owns, requireAdminFor, requireWriter } from './policy.js';
import {
  checkFixedIpsBody,
  defaultFixedIps,
  type FixedIp,
  type FixedIpRequest,
  portFixedIps,
  resolveFixedIps,
  saveFixedIps,
} from './port-ips.js';
import { bindingOf, portViews } from './port-views.js';
import type { PageRequest, Query } from './query.js';
import { checkQuota } from './quotas.js';
import { ensureDefaultGroup } from './security-groups.js';
import { bit, bool, type NetDb, type PortRow } from './store.js';
import { sync } from './sync.js';
import { dropTags } from './tags.js';

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
];

const mac = (v: unknown, attr: string) => {
  if (typeof v !== 'string' || !MAC.test(v) || (Number.parseInt(v.slice(0, 2), 16) & 1) === 1 || /^(00:){5}00$/.test(v))
    throw invalidAttr(attr, `'${v}' is not a valid MAC address`);
  return v.toLowerCase();
};

const addressPair = (v: unknown, attr: string) => {
  const d = dict(v, attr) as Record<string, unknown>;
  const extra = Object.keys(d).filter((k) => k !== 'ip_address' && k !== 'mac_address');
  if (extra.length) throw new BadRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`);
  if (typeof d.ip_address !== 'string')
    throw new BadRequest('AllowedAddressPair must contain ip_address', 'AllowedAddressPairsMissingIP');
  const isCidr = d.ip_address.includes('/') ? parseCidr(d.ip_address) : parseIp(d.ip_address);
  if (!isCidr) throw invalidAttr(attr, `'${d.ip_address}' is not a valid IP address`);
  return {
    ip_address: d.ip_address,
    ...(d.mac_address !== undefined ? { mac_address: mac(d.mac_address, attr) } : {}),
  };
};

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: str(255) },
  description: { post: true, put: true, default: '', check: str(255) },
  network_id: { post: true, check: uuidCheck },
  admin_state_up: { post: true, put: true, default: true, check: boolCheck },
  mac_address: { post: true, put: true, default: null, check: mac },
  fixed_ips: { post: true, put: true, default: null, check: checkFixedIpsBody },
  device_id: { post: true, put: true, default: '', check: str(255) },
  device_owner: { post: true, put: true, default: '', check: str(255) },
  'binding:host_id': { post: true, put: true, default: '', check: str(255) },
  'binding:profile': { post: true, put: true, default: {}, check: (v, a) => (v === null ? {} : dict(v, a)) },
  'binding:vnic_type': { post: true, put: true, default: 'normal', check: oneOf(...VNIC_TYPES) },
  security_groups: {
    post: true,
    put: true,
    default: null,
    check: (v, a) => (v === null ? [] : listOf(uuidCheck)(v, a)),
  },
  port_security_enabled: { post: true, put: true, default: null, check: boolCheck },
  allowed_address_pairs: {
    post: true,
    put: true,
    default: [],
    check: (v, a) => (v === null ? [] : listOf(addressPair)(v, a)),
  },
  extra_dhcp_opts: { post: true, put: true, default: [], check: (v, a) => (v === null ? [] : listOf(any)(v, a)) },
  dns_name: { post: true, put: true, default: '', check: str(255) },
};

/** Ports of routers, DHCP and floating IPs: Neutron's own, without security groups. */
export function isServicePort(deviceOwner: string): boolean {
  return deviceOwner.startsWith('network:');
}

/** A random fa:16:3e MAC that no port on the network has. */
export async function newMac(db: NetDb, networkId: string): Promise<string> {
  for (;;) {
    const m = `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const used = await db
      .selectFrom('neutron_ports')
      .select('id')
      .where('network_id', '=', networkId)
      .where('mac_address', '=', m)
      .executeTakeFirst();
    if (!used) return m;
  }
}

export async function visiblePort(op: Op, id: string): Promise<PortRow> {
  const p = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) throw notFound.port(id);
  if (!owns(op.ctx, p.project_id)) {
    const net = await op.db
      .selectFrom('neutron_networks')
      .select('project_id')
      .where('id', '=', p.network_id)
      .executeTakeFirst();
    if (!net || !owns(op.ctx, net.project_id)) throw notFound.port(id);
  }
  return p;
}

async function checkGroups(op: Op, projectId: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const sg = await op.db
      .selectFrom('neutron_security_groups')
      .select('project_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!sg || (sg.project_id !== projectId && !op.ctx.isAdmin)) throw notFound.security_group(id);
  }
}

async function setGroups(db: NetDb, portId: string, ids: string[]): Promise<void> {
  await db.deleteFrom('neutron_port_security_groups').where('port_id', '=', portId).execute();
  if (ids.length)
    await db
      .insertInto('neutron_port_security_groups')
      .values(ids.map((security_group_id) => ({ port_id: portId, security_group_id })))
      .execute();
}

function checkPortSecurity(enabled: boolean, groups: string[], pairs: unknown[]): void {
  if (!enabled && groups.length)
    throw new Conflict(
      'Port has security group associated. Cannot disable port security or ip address until security group is removed',
      'PortSecurityAndIPRequiredForSecurityGroups',
    );
  if (!enabled && pairs.length)
    throw new Conflict(
      'Port Security must be enabled in order to have allowed address pairs on a port.',
      'AddressPairAndPortSecurityRequired',
    );
}

export interface NewPort {
  project_id: string;
  network_id: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  mac_address?: string | null;
  fixed_ips?: FixedIpRequest[] | null;
  device_id?: string;
  device_owner?: string;
  'binding:host_id'?: string;
  'binding:profile'?: Record<string, unknown>;
  'binding:vnic_type'?: string;
  security_groups?: string[] | null;
  port_security_enabled?: boolean | null;
  allowed_address_pairs?: unknown[];
  extra_dhcp_opts?: unknown[];
  dns_name?: string;
  created_for_server?: boolean;
  /** Made by the data plane itself (the DHCP port), which Neutron does not count against the quota. */
  skipQuota?: boolean;
  /** Only these subnets when allocating by default (routers and floating IPs take IPv4 from the external network). */
  subnetFilter?: Parameters<typeof defaultFixedIps>[3];
}

/** Creates a port (API, routers, floating IPs and Nova all come through here). Returns its id and addresses. */
export async function insertPort(op: Op, b: NewPort): Promise<{ id: string; fixed_ips: FixedIp[] }> {
  const net = await op.db
    .selectFrom('neutron_networks')
    .selectAll()
    .where('id', '=', b.network_id)
    .executeTakeFirstOrThrow();
  const owner = b.device_owner ?? '';
  const portSecurity = b.port_security_enabled ?? bool(net.port_security_enabled);
  let groups = b.security_groups ?? null;
  if (groups === null)
    groups = portSecurity && !isServicePort(owner) && b.project_id ? [await ensureDefaultGroup(op, b.project_id)] : [];
  else await checkGroups(op, b.project_id, groups);
  const pairs = b.allowed_address_pairs ?? [];
  checkPortSecurity(portSecurity, groups, pairs);
  if (b.project_id && !b.skipQuota) await checkQuota(op.db, 'port', b.project_id);
  let macAddress = b.mac_address ?? null;
  if (macAddress) {
    const used = await op.db
      .selectFrom('neutron_ports')
      .select('id')
      .where('network_id', '=', net.id)
      .where('mac_address', '=', macAddress)
      .executeTakeFirst();
    if (used)
      throw new Conflict(
        `Unable to complete operation for network ${net.id}. The mac address ${macAddress} is in use.`,
        'MacAddressInUse',
      );
  } else macAddress = await newMac(op.db, net.id);
  const fixedIps = b.fixed_ips
    ? await resolveFixedIps(op.db, net.id, b.fixed_ips, [], macAddress)
    : b.fixed_ips === null || b.fixed_ips === undefined
      ? await defaultFixedIps(op.db, net.id, macAddress, b.subnetFilter)
      : [];
  const id = uuid();
  const host = b['binding:host_id'] ?? '';
  await op.db
    .insertInto('neutron_ports')
    .values({
      ...newStandard(id, b.project_id, b.name, b.description, 1),
      network_id: net.id,
      mac_address: macAddress,
      admin_state_up: bit(b.admin_state_up ?? true),
      ...bindingOf(owner, host),
      device_id: b.device_id ?? '',
      device_owner: owner,
      binding_host_id: host,
      binding_profile: toJson(b['binding:profile'] ?? {}),
      binding_vnic_type: b['binding:vnic_type'] ?? 'normal',
      port_security_enabled: bit(portSecurity),
      allowed_address_pairs: toJson(pairs),
      extra_dhcp_opts: toJson(b.extra_dhcp_opts ?? []),
      dns_name: b.dns_name ?? '',
      created_for_server: bit(b.created_for_server ?? false),
    })
    .execute();
  await saveFixedIps(op.db, id, net.id, fixedIps);
  await setGroups(op.db, id, groups);
  await sync(op, 'port', id);
  return { id, fixed_ips: fixedIps };
}

/** Removes a port and what hangs on it (addresses, group bindings, tags, floating IP associations). */
export async function deletePortRow(op: Op, p: PortRow): Promise<void> {
  const fips = await op.db
    .selectFrom('neutron_floatingips')
    .select(['id', 'router_id', 'revision_number'])
    .where('port_id', '=', p.id)
    .execute();
  for (const f of fips) {
    await op.db
      .updateTable('neutron_floatingips')
      .set({ port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN', ...bumped(f) })
      .where('id', '=', f.id)
      .execute();
    if (f.router_id) await sync(op, 'router', f.router_id);
  }
  await dropTags(op.db, [p.id]);
  // its allocations go with it (on delete cascade): their addresses are free again
  await releasePortAddresses(op.db, p.id);
  await op.db.deleteFrom('neutron_ports').where('id', '=', p.id).execute();
  await sync(op, 'port', p.id);
}

/** Port attributes filtered in SQL, with their columns. */
const PORT_SQL_FILTERS = [
  ['id', 'p.id'],
  ['network_id', 'p.network_id'],
  ['device_id', 'p.device_id'],
  ['device_owner', 'p.device_owner'],
  ['name', 'p.name'],
  ['mac_address', 'p.mac_address'],
  ['project_id', 'p.project_id'],
  ['tenant_id', 'p.project_id'],
] as const;

export const ports: Resource = {
  member: 'port',
  collection: 'ports',
  attrs,
  table: 'neutron_ports',

  sqlFilters: PORT_SQL_FILTERS.map(([k]) => k),

  async list(op: Op, q: Query, page?: PageRequest) {
    let query = op.db.selectFrom('neutron_ports as p').selectAll('p');
    if (!op.ctx.isAdmin) {
      const me = op.ctx.projectId ?? '';
      query = query.where((eb) =>
        eb.or([
          eb('p.project_id', '=', me),
          eb('p.network_id', 'in', eb.selectFrom('neutron_networks').select('id').where('project_id', '=', me)),
        ]),
      );
    }
    query = pushDown(query, q, PORT_SQL_FILTERS);
    if (page) return portViews(op, await cutPage(op.db, 'neutron_ports', 'p', query, page));
    const rows = await query.orderBy('p.created_at').orderBy('p.id').execute();
    return portViews(op, rows, query.clearSelect().select('p.id'));
  },

  async show(op, id) {
    return (await portViews(op, [await visiblePort(op, id)]))[0];
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_port');
    const net = await visibleNetwork(op, b.network_id as string);
    if (!owns(op.ctx, net.project_id) && !bool(net.shared)) throw policyRefused('rule:create_port');
    for (const k of ['binding:host_id', 'binding:profile'] as const)
      if (k in b && (k === 'binding:host_id' ? b[k] !== '' : Object.keys(b[k] as object).length))
        requireAdminFor(op.ctx, `(rule:create_port and rule:create_port:${k})`);
    if (!op.ctx.isAdmin && b.mac_address !== null && !owns(op.ctx, net.project_id))
      throw policyRefused('(rule:create_port and rule:create_port:mac_address)');
    return (await insertPort(op, b as unknown as NewPort)).id;
  },

  async update(op, id, b) {
    const p = await visiblePort(op, id);
    requireWriter(op.ctx, 'update_port');
    if (!owns(op.ctx, p.project_id)) throw policyRefused('rule:update_port');
    for (const k of ['binding:host_id', 'binding:profile', 'mac_address'] as const)
      if (k in b) requireAdminFor(op.ctx, `(rule:update_port and rule:update_port:${k})`);
    const set: Partial<PortRow> = bumped(p);
    const owner = (b.device_owner as string | undefined) ?? p.device_owner;
    const enabled = (b.port_security_enabled as boolean | undefined) ?? bool(p.port_security_enabled);
    let groups = b.security_groups as string[] | undefined;
    if (groups) await checkGroups(op, p.project_id, groups);
    const currentGroups = (
      await op.db
        .selectFrom('neutron_port_security_groups')
        .select('security_group_id')
        .where('port_id', '=', id)
        .execute()
    ).map((g) => g.security_group_id);
    if (
      groups === undefined &&
      'port_security_enabled' in b &&
      enabled &&
      !currentGroups.length &&
      !isServicePort(owner)
    )
      groups = [await ensureDefaultGroup(op, p.project_id)];
    const pairs = (b.allowed_address_pairs as unknown[] | undefined) ?? JSON.parse(p.allowed_address_pairs);
    checkPortSecurity(enabled, groups ?? currentGroups, pairs);
    if ('mac_address' in b && b.mac_address !== p.mac_address) {
      if (p.binding_host_id && p.device_owner.startsWith('compute:'))
        throw new Conflict(
          `Unable to complete operation on port ${id}, port is already bound, port type: ovs, old_mac ${p.mac_address}, new_mac ${b.mac_address}.`,
          'PortBound',
        );
      set.mac_address = b.mac_address as string;
    }
    if ('fixed_ips' in b) {
      const keep = await portFixedIps(op.db, id);
      const wanted = await resolveFixedIps(op.db, p.network_id, b.fixed_ips as FixedIpRequest[], keep, p.mac_address);
      await releaseAddresses(op.db, keep);
      await op.db.deleteFrom('neutron_ip_allocations').where('port_id', '=', id).execute();
      await saveFixedIps(op.db, id, p.network_id, wanted);
    }
    if (groups !== undefined) await setGroups(op.db, id, groups);
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('admin_state_up' in b) set.admin_state_up = bit(b.admin_state_up as boolean);
    if ('device_id' in b) set.device_id = b.device_id as string;
    if ('device_owner' in b) set.device_owner = owner;
    if ('binding:host_id' in b) set.binding_host_id = b['binding:host_id'] as string;
    if ('binding:profile' in b) set.binding_profile = toJson(b['binding:profile']);
    if ('binding:vnic_type' in b) set.binding_vnic_type = b['binding:vnic_type'] as string;
    if ('port_security_enabled' in b) set.port_security_enabled = bit(enabled);
    if ('allowed_address_pairs' in b) set.allowed_address_pairs = toJson(pairs);
    if ('extra_dhcp_opts' in b) set.extra_dhcp_opts = toJson(b.extra_dhcp_opts);
    if ('dns_name' in b) set.dns_name = b.dns_name as string;
    Object.assign(set, bindingOf(owner, set.binding_host_id ?? p.binding_host_id));
    await op.db.updateTable('neutron_ports').set(set).where('id', '=', id).execute();
    await sync(op, 'port', id);
  },

  async remove(op, id) {
    const p = await visiblePort(op, id);
    requireWriter(op.ctx, 'delete_port');
    if (!owns(op.ctx, p.project_id)) throw policyRefused('rule:delete_port');
    if (
      [
        'network:router_interface',
        'network:router_gateway',
        'network:floatingip',
        'network:router_interface_distributed',
        'network:ha_router_replicated_interface',
      ].includes(p.device_owner)
    )
      throw new Conflict(
        `Port ${id} cannot be deleted directly via the port API: has device owner ${p.device_owner}.`,
        'ServicePortInUse',
      );
    await deletePortRow(op, p);
  },
};
