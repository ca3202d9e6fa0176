import { BadRequest, Conflict, NotFound } from '../../server/errors.js';
import { fromJson, toJson } from '../../store/json.js';
import { bumpRevision, type Op } from './common.js';
import { badRequest } from './errors.js';
import { cidrContains, cidrsOverlap, parseCidr, parseIp } from './ip.js';
import { owns } from './policy.js';
import { portFixedIps } from './port-ips.js';
import { deletePortRow, insertPort, visiblePort } from './ports.js';
import type { Route } from './routers.js';
import { routesList, visibleRouter } from './routers.js';
import type { SubnetRow } from './store.js';
import { visibleSubnet } from './subnets.js';
import { sync } from './sync.js';

// add_router_interface / remove_router_interface (by subnet or by port) and
// the extra routes that depend on them, with Neutron's conflicts.

const badRouter = (msg: string) => badRequest('router', `${msg}`);

/** The subnets the router has interfaces on, with the interface port of each. */
export async function routerSubnets(op: Op, routerId: string): Promise<(SubnetRow & { port_id: string })[]> {
  return op.db
    .selectFrom('neutron_ports as p')
    .innerJoin('neutron_ip_allocations as a', 'a.port_id', 'p.id')
    .innerJoin('neutron_subnets as s', 's.id', 'a.subnet_id')
    .selectAll('s')
    .select('p.id as port_id')
    .where('p.device_id', '=', routerId)
    .where('p.device_owner', '=', 'network:router_interface')
    .execute();
}

async function checkNoOverlap(op: Op, routerId: string, subnets: SubnetRow[]): Promise<void> {
  const existing = await routerSubnets(op, routerId);
  for (const s of subnets) {
    if (existing.some((e) => e.id === s.id)) throw badRouter(`Router already has a port on subnet ${s.id}`);
    const c = parseCidr(s.cidr)!;
    const clash = existing.find((e) => cidrsOverlap(parseCidr(e.cidr)!, c));
    if (clash)
      throw badRouter(`Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${clash.cidr} of subnet ${clash.id}`);
  }
}

function interfaceInfo(r: { id: string; project_id: string }, portId: string, networkId: string, subnetIds: string[]) {
  return {
    id: r.id,
    tenant_id: r.project_id,
    port_id: portId,
    network_id: networkId,
    subnet_id: subnetIds[0],
    subnet_ids: subnetIds,
  };
}

function parseInterfaceBody(body: unknown): { subnet_id?: string; port_id?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('Resource body required');
  const b = body as Record<string, unknown>;
  for (const k of ['subnet_id', 'port_id'])
    if (b[k] !== undefined && typeof b[k] !== 'string') throw badRouter(`${k} must be a string`);
  return b as { subnet_id?: string; port_id?: string };
}

export async function addRouterInterface(op: Op, routerId: string, body: unknown) {
  const b = parseInterfaceBody(body);
  const r = await visibleRouter(op, routerId);
  if (!owns(op.ctx, r.project_id)) throw new NotFound(`Router ${routerId} could not be found`, 'RouterNotFound');
  if (b.subnet_id && b.port_id) throw badRouter('Cannot specify both subnet-id and port-id');
  if (!b.subnet_id && !b.port_id) throw badRouter('Either subnet_id or port_id must be specified');
  let info: ReturnType<typeof interfaceInfo>;
  if (b.port_id) {
    const p = await visiblePort(op, b.port_id);
    if (p.device_id)
      throw new Conflict(
        `Unable to complete operation on port ${p.id} for network ${p.network_id}. Port already has an attached device ${p.device_id}.`,
        'PortInUse',
      );
    const ips = await portFixedIps(op.db, p.id);
    if (!ips.length) throw badRouter('Router port must have at least one fixed IP');
    const subnets = await op.db
      .selectFrom('neutron_subnets')
      .selectAll()
      .where(
        'id',
        'in',
        ips.map((i) => i.subnet_id),
      )
      .execute();
    await checkNoOverlap(op, r.id, subnets);
    await op.db
      .updateTable('neutron_ports')
      .set({ device_id: r.id, device_owner: 'network:router_interface', status: 'ACTIVE', binding_vif_type: 'ovs' })
      .where('id', '=', p.id)
      .execute();
    await sync(op, 'port', p.id);
    info = interfaceInfo(r, p.id, p.network_id, [...new Set(ips.map((i) => i.subnet_id))]);
  } else {
    const s = await visibleSubnet(op, b.subnet_id!);
    if (!s.gateway_ip) throw badRouter(`Subnet ${s.id} does not have a gateway IP`);
    await checkNoOverlap(op, r.id, [s]);
    const port = await insertPort(op, {
      project_id: r.project_id,
      network_id: s.network_id,
      device_id: r.id,
      device_owner: 'network:router_interface',
      fixed_ips: [{ subnet_id: s.id, ip_address: s.gateway_ip }],
    });
    info = interfaceInfo(r, port.id, s.network_id, [s.id]);
  }
  await bumpRevision(op.db, 'neutron_routers', r.id);
  await sync(op, 'router', r.id);
  return info;
}

export async function removeRouterInterface(op: Op, routerId: string, body: unknown) {
  const b = parseInterfaceBody(body);
  const r = await visibleRouter(op, routerId);
  if (!b.subnet_id && !b.port_id) throw badRouter('Either subnet_id or port_id must be specified');
  const attached = await routerSubnets(op, r.id);
  let portId: string;
  let subnetIds: string[];
  if (b.port_id) {
    const mine = attached.filter((s) => s.port_id === b.port_id);
    if (!mine.length)
      throw new NotFound(`Router ${r.id} does not have an interface with id ${b.port_id}`, 'RouterInterfaceNotFound');
    if (b.subnet_id && !mine.some((s) => s.id === b.subnet_id))
      throw new Conflict(`Subnet ${b.subnet_id} is not on port ${b.port_id}.`, 'SubnetMismatchForPort');
    portId = b.port_id;
    subnetIds = mine.map((s) => s.id);
  } else {
    const hit = attached.find((s) => s.id === b.subnet_id);
    if (!hit)
      throw new NotFound(
        `Router ${r.id} has no interface on subnet ${b.subnet_id}`,
        'RouterInterfaceNotFoundForSubnet',
      );
    portId = hit.port_id;
    subnetIds = [hit.id];
  }
  const subnets = attached.filter((s) => subnetIds.includes(s.id));
  // floating IPs that reach their port through this interface keep it
  const fips = await op.db
    .selectFrom('neutron_floatingips')
    .select('fixed_ip_address')
    .where('router_id', '=', r.id)
    .execute();
  for (const s of subnets) {
    const c = parseCidr(s.cidr)!;
    if (fips.some((f) => f.fixed_ip_address && cidrContains(c, parseIp(f.fixed_ip_address)!)))
      throw new Conflict(
        `Router interface for subnet ${s.id} on router ${r.id} cannot be deleted, as it is required by one or more floating IPs.`,
        'RouterInterfaceInUseByFloatingIP',
      );
    const routes = fromJson<Route[]>(r.routes, []);
    if (routes.some((rt) => cidrContains(c, parseIp(rt.nexthop)!)))
      throw new Conflict(
        `Router interface for subnet ${s.id} on router ${r.id} cannot be deleted, as it is required by one or more routes.`,
        'RouterInterfaceInUseByRoute',
      );
  }
  const port = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', portId).executeTakeFirstOrThrow();
  await deletePortRow(op, port);
  await bumpRevision(op.db, 'neutron_routers', r.id);
  await sync(op, 'router', r.id);
  return interfaceInfo(r, portId, port.network_id, subnetIds);
}

/** Every nexthop must be on a subnet the router is attached to. */
export async function routeNexthopsReachable(op: Op, routerId: string, routes: Route[]): Promise<void> {
  const subnets = await routerSubnets(op, routerId);
  for (const rt of routes) {
    const hop = parseIp(rt.nexthop)!;
    if (!subnets.some((s) => cidrContains(parseCidr(s.cidr)!, hop)))
      throw new BadRequest(
        `Invalid format for routes: [${JSON.stringify(rt)}], the nexthop is not connected with router`,
        'InvalidRoutes',
      );
  }
}

/** add_extraroutes / remove_extraroutes (extraroute-atomic): {"router": {"routes": [...]}}. */
export async function changeExtraRoutes(op: Op, routerId: string, body: unknown, add: boolean) {
  const inner = (body as { router?: { routes?: unknown } } | undefined)?.router;
  if (!inner || inner.routes === undefined) throw new BadRequest("Unable to find 'router' in request body");
  const given = routesList(inner.routes, 'routes');
  const r = await visibleRouter(op, routerId);
  const current = fromJson<Route[]>(r.routes, []);
  const same = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
  const next = add
    ? [...current, ...given.filter((g) => !current.some((c) => same(c, g)))]
    : current.filter((c) => !given.some((g) => same(c, g)));
  if (add) await routeNexthopsReachable(op, r.id, given);
  routesList(next, 'routes');
  await op.db
    .updateTable('neutron_routers')
    .set({ routes: toJson(next) })
    .where('id', '=', r.id)
    .execute();
  await bumpRevision(op.db, 'neutron_routers', r.id);
  await sync(op, 'router', r.id);
}
