import { BadRequest, Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { fromJson, toJson } from '../../store/json.js';
import { autoSchedule, L3, unschedule } from './agents.js';
import { type AttrMap, bool as boolCheck, dict, listOf, str } from './attributes.js';
import { bumped, newStandard, type Op, pushDown, type Resource, standardView } from './common.js';
import { badRequest, invalidAttr, notFound } from './errors.js';
import { formatCidr, formatIp, parseCidr, parseIp } from './ip.js';
import { releaseAddresses } from './ipam.js';
import { visibleNetwork } from './networks.js';
import { owns, requireAdminFor, requireOwner, requireWriter } from './policy.js';
import { checkFixedIpsBody, type FixedIpRequest, portFixedIps, resolveFixedIps, saveFixedIps } from './port-ips.js';
import { fixedIpsOf } from './port-views.js';
import { deletePortRow, insertPort } from './ports.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { routeNexthopsReachable } from './router-interfaces.js';
import { bit, bool, type RouterRow } from './store.js';
import { sync } from './sync.js';
import { dropTags, tagsOf } from './tags.js';

const MAX_ROUTES = 30;

export interface Route {
  destination: string;
  nexthop: string;
}

const route = (v: unknown, attr: string): Route => {
  const d = dict(v, attr) as Record<string, unknown>;
  const dest = typeof d.destination === 'string' ? parseCidr(d.destination) : undefined;
  const hop = typeof d.nexthop === 'string' ? parseIp(d.nexthop) : undefined;
  if (!dest || !hop || Object.keys(d).length !== 2)
    throw invalidAttr(attr, `Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'}`);
  return { destination: formatCidr(dest), nexthop: formatIp(hop) };
};

const gatewayInfo = (v: unknown, attr: string) => {
  if (v === null) return null;
  const d = dict(v, attr) as Record<string, unknown>;
  if (Object.keys(d).length === 0) return null;
  const extra = Object.keys(d).filter((k) => !['network_id', 'enable_snat', 'external_fixed_ips'].includes(k));
  if (extra.length || typeof d.network_id !== 'string')
    throw invalidAttr(attr, `Validation of dictionary's keys failed. Expected keys: {'network_id'}`);
  return {
    network_id: d.network_id,
    enable_snat: d.enable_snat === undefined ? undefined : (boolCheck(d.enable_snat, 'enable_snat') as boolean),
    external_fixed_ips:
      d.external_fixed_ips === undefined ? undefined : checkFixedIpsBody(d.external_fixed_ips, 'external_fixed_ips'),
  };
};
type GatewayInfo = ReturnType<typeof gatewayInfo>;

export const routesList = (v: unknown, attr: string) => {
  const list = listOf(route)(v === null ? [] : v, attr) as Route[];
  if (list.length > MAX_ROUTES)
    throw new BadRequest(
      `Unable to complete operation for ${attr}. The number of routes exceeds the maximum ${MAX_ROUTES}.`,
      'RoutesExhausted',
    );
  return list;
};

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: str(255) },
  description: { post: true, put: true, default: '', check: str(255) },
  admin_state_up: { post: true, put: true, default: true, check: boolCheck },
  external_gateway_info: { post: true, put: true, default: null, check: gatewayInfo },
  routes: { put: true, check: routesList },
  distributed: { post: true, put: true, default: false, check: boolCheck },
  ha: { post: true, put: true, default: false, check: boolCheck },
  availability_zone_hints: { post: true, default: [], check: listOf(str(255)) },
};

async function views(op: Op, rows: RouterRow[]): Promise<View[]> {
  const gwIds = rows.map((r) => r.gw_port_id).filter((x): x is string => !!x);
  const gwPorts = gwIds.length
    ? await op.db.selectFrom('neutron_ports').select(['id', 'network_id']).where('id', 'in', gwIds).execute()
    : [];
  const gwIps = await fixedIpsOf(op.db, gwIds);
  const tags = await tagsOf(
    op.db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const gw = gwPorts.find((p) => p.id === r.gw_port_id);
    const v: View = {
      id: r.id,
      name: r.name,
      tenant_id: r.project_id,
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      external_gateway_info: gw
        ? { network_id: gw.network_id, external_fixed_ips: gwIps.get(gw.id) ?? [], enable_snat: bool(r.enable_snat) }
        : null,
      description: r.description,
      availability_zones: ['nova'],
      availability_zone_hints: fromJson(r.availability_zone_hints, []),
      routes: fromJson(r.routes, []),
      ...standardView(r, tags.get(r.id)),
    };
    if (op.ctx.isAdmin) Object.assign(v, { distributed: bool(r.distributed), ha: bool(r.ha) });
    return v;
  });
}

export async function visibleRouter(op: Op, id: string): Promise<RouterRow> {
  const r = await op.db.selectFrom('neutron_routers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !owns(op.ctx, r.project_id)) throw notFound.router(id);
  return r;
}

/** Sets, changes or clears the router's gateway port (and its addresses on the external network). */
async function setGateway(op: Op, r: RouterRow, info: GatewayInfo): Promise<Partial<RouterRow>> {
  const current = r.gw_port_id
    ? await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', r.gw_port_id).executeTakeFirst()
    : undefined;
  if (!info) {
    if (current) {
      const fip = await op.db
        .selectFrom('neutron_floatingips')
        .select('id')
        .where('router_id', '=', r.id)
        .executeTakeFirst();
      if (fip)
        throw new Conflict(
          `Gateway cannot be updated for router ${r.id}, since a gateway to external network ${current.network_id} is required by one or more floating IPs.`,
          'RouterExternalGatewayInUseByFloatingIp',
        );
      await deletePortRow(op, current);
    }
    return { gw_port_id: null, enable_snat: 1 };
  }
  if (info.enable_snat !== undefined)
    requireAdminFor(op.ctx, '(rule:update_router and rule:update_router:external_gateway_info:enable_snat)');
  if (info.external_fixed_ips !== undefined)
    requireAdminFor(op.ctx, '(rule:update_router and rule:update_router:external_gateway_info:external_fixed_ips)');
  const net = await visibleNetwork(op, info.network_id);
  if (!bool(net.external)) throw badRequest('router', `Network ${net.id} is not an external network`);
  const snat = bit(info.enable_snat ?? true);
  if (current && current.network_id === net.id) {
    if (info.external_fixed_ips) {
      const keep = await portFixedIps(op.db, current.id);
      const wanted = await resolveFixedIps(op.db, net.id, info.external_fixed_ips as FixedIpRequest[], keep);
      await releaseAddresses(op.db, keep);
      await op.db.deleteFrom('neutron_ip_allocations').where('port_id', '=', current.id).execute();
      await saveFixedIps(op.db, current.id, net.id, wanted);
      await sync(op, 'port', current.id);
    }
    return { gw_port_id: current.id, enable_snat: snat };
  }
  if (current) await setGateway(op, r, null);
  const port = await insertPort(op, {
    project_id: '',
    network_id: net.id,
    device_id: r.id,
    device_owner: 'network:router_gateway',
    fixed_ips: (info.external_fixed_ips as FixedIpRequest[] | undefined) ?? null,
  });
  return { gw_port_id: port.id, enable_snat: snat };
}

export const routers: Resource = {
  member: 'router',
  collection: 'routers',
  attrs,
  table: 'neutron_routers',

  async list(op: Op, q: Query) {
    let query = op.db.selectFrom('neutron_routers').selectAll();
    if (!op.ctx.isAdmin) query = query.where('project_id', '=', op.ctx.projectId ?? '');
    query = pushDown(query, q, ['id', 'name']);
    return views(op, await query.orderBy('created_at').orderBy('id').execute());
  },

  async show(op, id) {
    return (await views(op, [await visibleRouter(op, id)]))[0];
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_router');
    for (const k of ['distributed', 'ha'] as const)
      if (b[k]) requireAdminFor(op.ctx, `(rule:create_router and rule:create_router:${k})`);
    const projectId = b.project_id as string;
    await checkQuota(op.db, 'router', projectId);
    const id = uuid();
    const row: RouterRow = {
      ...newStandard(id, projectId, b.name, b.description),
      admin_state_up: bit(b.admin_state_up as boolean),
      status: 'ACTIVE',
      gw_port_id: null,
      enable_snat: 1,
      routes: '[]',
      availability_zone_hints: toJson(b.availability_zone_hints),
      distributed: bit(b.distributed as boolean),
      ha: bit(b.ha as boolean),
    };
    await op.db.insertInto('neutron_routers').values(row).execute();
    if (b.external_gateway_info) {
      const gw = await setGateway(op, row, b.external_gateway_info as GatewayInfo);
      await op.db.updateTable('neutron_routers').set(gw).where('id', '=', id).execute();
    }
    await autoSchedule(op.db, id, L3);
    await sync(op, 'router', id);
    return id;
  },

  async update(op, id, b) {
    const r = await visibleRouter(op, id);
    requireOwner(op.ctx, r.project_id, 'update_router');
    for (const k of ['distributed', 'ha'] as const)
      if (k in b) requireAdminFor(op.ctx, `(rule:update_router and rule:update_router:${k})`);
    const set: Partial<RouterRow> = bumped(r);
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('admin_state_up' in b) set.admin_state_up = bit(b.admin_state_up as boolean);
    if ('distributed' in b) set.distributed = bit(b.distributed as boolean);
    if ('ha' in b) set.ha = bit(b.ha as boolean);
    if ('routes' in b) {
      await routeNexthopsReachable(op, r.id, b.routes as Route[]);
      set.routes = toJson(b.routes);
    }
    if ('external_gateway_info' in b)
      Object.assign(set, await setGateway(op, r, b.external_gateway_info as GatewayInfo));
    await op.db.updateTable('neutron_routers').set(set).where('id', '=', id).execute();
    await sync(op, 'router', id);
  },

  async remove(op, id) {
    const r = await visibleRouter(op, id);
    requireOwner(op.ctx, r.project_id, 'delete_router');
    const iface = await op.db
      .selectFrom('neutron_ports')
      .select('id')
      .where('device_id', '=', id)
      .where('device_owner', '=', 'network:router_interface')
      .executeTakeFirst();
    if (iface) throw new Conflict(`Router ${id} still has ports`, 'RouterInUse');
    if (r.gw_port_id) await setGateway(op, r, null);
    await dropTags(op.db, [id]);
    await unschedule(op.db, id);
    await op.db.deleteFrom('neutron_routers').where('id', '=', id).execute();
    await sync(op, 'router', id);
  },
};
