import { BadRequest, Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { fromJson, toJson } from '../../store/json.js';
import { unschedule } from './agents.js';
import { type AttrMap, bool as boolCheck, int, listOf, oneOf, str } from './attributes.js';
import { bumped, newStandard, type Op, pushDown, type Resource, standardView } from './common.js';
import { DHCP_OWNER } from './dhcp-ports.js';
import { notFound, policyRefused } from './errors.js';
import { owns, requireOwner, requireWriter, seesNetwork } from './policy.js';
import { deletePortRow } from './ports.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { bit, bool, type NetDb, type NetworkRow } from './store.js';
import { sync } from './sync.js';
import { dropTags, tagsOf } from './tags.js';

/** Tenant networks are VXLAN in DevStack's ML2/OVS: 1450 bytes after the overlay's 50. */
export const TENANT_MTU = 1450;
const ADMIN_ONLY = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: str(255) },
  description: { post: true, put: true, default: '', check: str(255) },
  admin_state_up: { post: true, put: true, default: true, check: boolCheck },
  shared: { post: true, put: true, default: false, check: boolCheck },
  'router:external': { post: true, put: true, default: false, check: boolCheck },
  mtu: { post: true, put: true, default: TENANT_MTU, check: int(68) },
  port_security_enabled: { post: true, put: true, default: true, check: boolCheck },
  availability_zone_hints: { post: true, default: [], check: listOf(str(255)) },
  dns_domain: { post: true, put: true, default: '', check: str(255) },
  is_default: { post: true, put: true, default: false, check: boolCheck },
  'provider:network_type': { post: true, default: 'vxlan', check: oneOf('vxlan', 'flat', 'vlan', 'geneve', 'local') },
  'provider:physical_network': { post: true, default: null },
  'provider:segmentation_id': { post: true, default: null, check: int(1) },
};

export function networkView(op: Op, n: NetworkRow, subnets: string[], tags: string[] | undefined): View {
  const v: View = {
    id: n.id,
    name: n.name,
    admin_state_up: bool(n.admin_state_up),
    mtu: n.mtu,
    status: n.status,
    subnets,
    shared: bool(n.shared),
    availability_zone_hints: fromJson(n.availability_zone_hints, []),
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': bool(n.external),
    port_security_enabled: bool(n.port_security_enabled),
    dns_domain: n.dns_domain,
    is_default: bool(n.is_default),
    ...standardView(n, tags),
  };
  if (op.ctx.isAdmin) {
    v['provider:network_type'] = n.network_type;
    v['provider:physical_network'] = n.physical_network;
    v['provider:segmentation_id'] = n.segmentation_id;
  }
  return v;
}

async function views(op: Op, rows: NetworkRow[]): Promise<View[]> {
  const ids = rows.map((r) => r.id);
  const subnets = ids.length
    ? await op.db
        .selectFrom('neutron_subnets')
        .select(['id', 'network_id'])
        .where('network_id', 'in', ids)
        .orderBy('created_at')
        .execute()
    : [];
  const byNet = new Map<string, string[]>();
  for (const s of subnets) byNet.set(s.network_id, [...(byNet.get(s.network_id) ?? []), s.id]);
  const tags = await tagsOf(op.db, ids);
  return rows.map((r) => networkView(op, r, byNet.get(r.id) ?? [], tags.get(r.id)));
}

/** A network the caller can see, or NetworkNotFound. */
export async function visibleNetwork(op: Op, id: string): Promise<NetworkRow> {
  const n = await op.db.selectFrom('neutron_networks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!n || !seesNetwork(op.ctx, n)) throw notFound.network(id);
  return n;
}

async function nextVni(db: NetDb): Promise<number> {
  const row = await db
    .selectFrom('neutron_networks')
    .select((eb) => eb.fn.max('segmentation_id').as('m'))
    .where('network_type', '=', 'vxlan')
    .executeTakeFirst();
  return Number(row?.m ?? 0) + 1;
}

export const networks: Resource = {
  member: 'network',
  collection: 'networks',
  attrs,
  table: 'neutron_networks',

  async list(op: Op, q: Query) {
    let query = op.db.selectFrom('neutron_networks').selectAll();
    if (!op.ctx.isAdmin)
      query = query.where((eb) =>
        eb.or([eb('project_id', '=', op.ctx.projectId ?? ''), eb('shared', '=', 1), eb('external', '=', 1)]),
      );
    query = pushDown(query, q, ['id', 'name']);
    return views(op, await query.orderBy('created_at').orderBy('id').execute());
  },

  async show(op, id) {
    return (await views(op, [await visibleNetwork(op, id)]))[0];
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_network');
    if (b.shared && !op.ctx.isAdmin) throw policyRefused('(rule:create_network and rule:create_network:shared)');
    if (b['router:external'] && !op.ctx.isAdmin)
      throw policyRefused('(rule:create_network and rule:create_network:router:external)');
    for (const k of ADMIN_ONLY)
      if (
        b[k] !== null &&
        b[k] !== undefined &&
        !op.ctx.isAdmin &&
        !(k === 'provider:network_type' && b[k] === 'vxlan')
      )
        throw policyRefused(`(rule:create_network and rule:create_network:${k})`);
    if ((b.mtu as number) > TENANT_MTU && b['provider:network_type'] === 'vxlan')
      throw new BadRequest(`Requested MTU is too big, maximum is ${TENANT_MTU}`, 'InvalidInput');
    const projectId = b.project_id as string;
    await checkQuota(op.db, 'network', projectId);
    const id = uuid();
    const type = b['provider:network_type'] as string;
    await op.db
      .insertInto('neutron_networks')
      .values({
        ...newStandard(id, projectId, b.name, b.description, 1),
        admin_state_up: bit(b.admin_state_up as boolean),
        status: 'ACTIVE',
        shared: bit(b.shared as boolean),
        external: bit(b['router:external'] as boolean),
        is_default: bit(b.is_default as boolean),
        mtu: b.mtu as number,
        port_security_enabled: bit(b.port_security_enabled as boolean),
        availability_zone_hints: toJson(b.availability_zone_hints),
        dns_domain: b.dns_domain as string,
        network_type: type,
        physical_network: (b['provider:physical_network'] as string | null) ?? null,
        segmentation_id:
          (b['provider:segmentation_id'] as number | null) ?? (type === 'vxlan' ? await nextVni(op.db) : null),
      })
      .execute();
    await sync(op, 'network', id);
    return id;
  },

  async update(op, id, b) {
    const n = await visibleNetwork(op, id);
    requireOwner(op.ctx, n.project_id, 'update_network');
    if ('shared' in b && !op.ctx.isAdmin && b.shared !== bool(n.shared))
      throw policyRefused('(rule:update_network and rule:update_network:shared)');
    if ('router:external' in b && !op.ctx.isAdmin)
      throw policyRefused('(rule:update_network and rule:update_network:router:external)');
    if (b.shared === false && n.shared === 1) {
      const foreign = await op.db
        .selectFrom('neutron_ports')
        .select('id')
        .where('network_id', '=', id)
        .where('project_id', '!=', n.project_id)
        .where('project_id', '!=', '')
        .executeTakeFirst();
      if (foreign)
        throw new Conflict(
          `Unable to reconfigure sharing settings for network ${id}. Multiple tenants are using it.`,
          'InvalidSharedSetting',
        );
    }
    const set: Partial<NetworkRow> = bumped(n);
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('admin_state_up' in b) set.admin_state_up = bit(b.admin_state_up as boolean);
    if ('shared' in b) set.shared = bit(b.shared as boolean);
    if ('router:external' in b) set.external = bit(b['router:external'] as boolean);
    if ('mtu' in b) set.mtu = b.mtu as number;
    if ('port_security_enabled' in b) set.port_security_enabled = bit(b.port_security_enabled as boolean);
    if ('dns_domain' in b) set.dns_domain = b.dns_domain as string;
    if ('is_default' in b) set.is_default = bit(b.is_default as boolean);
    await op.db.updateTable('neutron_networks').set(set).where('id', '=', id).execute();
    await sync(op, 'network', id);
  },

  async remove(op, id) {
    const n = await visibleNetwork(op, id);
    requireOwner(op.ctx, n.project_id, 'delete_network');
    // unassociated floating IPs do not hold an external network (Neutron deletes them with it), nor does
    // the DHCP port (Neutron's auto-delete owners)
    const ports = await op.db
      .selectFrom('neutron_ports')
      .select('id')
      .where('network_id', '=', id)
      .where('device_owner', 'not in', ['network:floatingip', DHCP_OWNER])
      .execute();
    if (ports.length)
      throw new Conflict(
        `Unable to complete operation on network ${id}. There are one or more ports still in use on the network, id for these ports is: ${ports.map((p) => p.id).join(',')}.`,
        'NetworkInUse',
      );
    const fips = await op.db
      .selectFrom('neutron_floatingips')
      .selectAll()
      .where('floating_network_id', '=', id)
      .execute();
    for (const f of fips) {
      if (f.router_id) await sync(op, 'router', f.router_id);
      await op.db.deleteFrom('neutron_floatingips').where('id', '=', f.id).execute();
      const port = await op.db
        .selectFrom('neutron_ports')
        .selectAll()
        .where('id', '=', f.floating_port_id)
        .executeTakeFirst();
      if (port) await deletePortRow(op, port);
    }
    await dropTags(
      op.db,
      fips.map((f) => f.id),
    );
    for (const p of await op.db
      .selectFrom('neutron_ports')
      .selectAll()
      .where('network_id', '=', id)
      .where('device_owner', '=', DHCP_OWNER)
      .execute())
      await deletePortRow(op, p);
    const subnets = await op.db.selectFrom('neutron_subnets').select('id').where('network_id', '=', id).execute();
    await dropTags(op.db, [id, ...subnets.map((s) => s.id)]);
    await op.db.deleteFrom('neutron_subnets').where('network_id', '=', id).execute();
    await unschedule(op.db, id);
    await op.db.deleteFrom('neutron_networks').where('id', '=', id).execute();
    await sync(op, 'network', id);
  },
};

/** Whether the caller owns the network (network owners may see and use ports on it). */
export function ownsNetwork(op: Op, n: NetworkRow): boolean {
  return owns(op.ctx, n.project_id);
}
