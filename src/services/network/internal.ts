// What other services call in-process (never over HTTP). Nova: ports for
// servers, the server view's `addresses` and `security_groups`, security
// group and floating IP actions. Heat: any Neutron resource by its API body.
//
// Functions taking `ctx` act as that caller (a request's req.auth): they see
// and may touch only what the caller could through the API, and throw the
// same ApiErrors (NotFound with Neutron's type, Conflict, OverQuota...) —
// compute maps them to Nova's wording where Nova words them differently.
// Functions without `ctx` are pocketstack's own bookkeeping for a server.

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, Conflict, NotFound } from '../../server/errors.js';
import { parseCreate, parseUpdate } from './attributes.js';
import { serviceContext } from './bootstrap.js';
import { type Op, type Resource, readOp } from './common.js';
import { notFound } from './errors.js';
import { associate, findFloatingIp as findFip, floatingIps } from './floating-ips.js';
import { networks, visibleNetwork } from './networks.js';
import { owns } from './policy.js';
import { fixedIpsOf, groupsOf } from './port-views.js';
import { deletePortRow, insertPort, ports, visiblePort } from './ports.js';
import type { View } from './query.js';
import { addRouterInterface, removeRouterInterface } from './router-interfaces.js';
import { routers } from './routers.js';
import { securityGroupRules } from './security-group-rules.js';
import { resolveGroups, securityGroups } from './security-groups.js';
import { inTransaction, type PortRow } from './store.js';
import { subnets } from './subnets.js';
import { sync } from './sync.js';

/** A port as Nova needs it. */
export interface PortInfo {
  id: string;
  network_id: string;
  network_name: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  device_id: string;
  device_owner: string;
  security_group_ids: string[];
  project_id: string;
  status: string;
}

/** One entry of a Nova server's `addresses[network_name]`. */
export interface ServerAddress {
  version: 4 | 6;
  addr: string;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

const COMPUTE_OWNER = 'compute:nova';
/** Bookkeeping reads and writes for a server act as pocketstack itself. */
const serverContext = serviceContext();

function write<T>(cloud: Cloud, ctx: AuthContext, fn: (op: Op) => Promise<T>): Promise<T> {
  return inTransaction(cloud, (trx) => fn({ cloud, db: trx, ctx }));
}

async function portInfos(op: Op, rows: PortRow[]): Promise<PortInfo[]> {
  const ids = rows.map((r) => r.id);
  const [ips, groups] = [await fixedIpsOf(op.db, ids), await groupsOf(op.db, ids)];
  const netIds = [...new Set(rows.map((r) => r.network_id))];
  const nets = netIds.length
    ? await op.db.selectFrom('neutron_networks').select(['id', 'name']).where('id', 'in', netIds).execute()
    : [];
  return rows.map((p) => ({
    id: p.id,
    network_id: p.network_id,
    network_name: nets.find((n) => n.id === p.network_id)?.name ?? '',
    mac_address: p.mac_address,
    fixed_ips: ips.get(p.id) ?? [],
    device_id: p.device_id,
    device_owner: p.device_owner,
    security_group_ids: groups.get(p.id) ?? [],
    project_id: p.project_id,
    status: p.status,
  }));
}

async function serverPortRows(op: Op, serverIds: string[]): Promise<PortRow[]> {
  if (!serverIds.length) return [];
  return op.db
    .selectFrom('neutron_ports')
    .selectAll()
    .where('device_id', 'in', serverIds)
    .where('device_owner', 'like', 'compute:%')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Creates a port for a server on a network the caller can use (Nova's
 * `--network`/`--nic net-id=`): device_owner compute:nova, bound to `host`,
 * in the caller's project, with the named security groups (names or ids in
 * the project; the project's `default` group when none is given). Nova
 * deletes these ports with the server (`releaseServerPorts`).
 */
export async function createServerPort(
  cloud: Cloud,
  ctx: AuthContext,
  opts: { networkId: string; serverId: string; host: string; securityGroups?: string[]; fixedIp?: string },
): Promise<PortInfo> {
  return write(cloud, ctx, async (op) => {
    const net = await visibleNetwork(op, opts.networkId);
    const projectId = ctx.projectId ?? '';
    const { id } = await insertPort(op, {
      project_id: projectId,
      network_id: net.id,
      device_id: opts.serverId,
      device_owner: COMPUTE_OWNER,
      'binding:host_id': opts.host,
      fixed_ips: opts.fixedIp ? [{ ip_address: opts.fixedIp }] : null,
      security_groups: opts.securityGroups?.length ? await resolveGroups(op.db, projectId, opts.securityGroups) : null,
      created_for_server: true,
    });
    const row = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return (await portInfos(op, [row]))[0];
  });
}

/**
 * Binds a port the caller gave (`--port`) to a server: 409 PortInUse when
 * another device has it. Its security groups stay as they are (Nova applies
 * requested groups only to ports it creates).
 */
export async function bindPort(
  cloud: Cloud,
  ctx: AuthContext,
  portId: string,
  opts: { serverId: string; host: string },
): Promise<PortInfo> {
  return write(cloud, ctx, async (op) => {
    const p = await visiblePort(op, portId);
    if (p.device_id && p.device_id !== opts.serverId)
      throw new Conflict(`Port ${portId} is still in use.`, 'PortInUse');
    await op.db
      .updateTable('neutron_ports')
      .set({
        device_id: opts.serverId,
        device_owner: COMPUTE_OWNER,
        binding_host_id: opts.host,
        status: 'ACTIVE',
        binding_vif_type: 'ovs',
        revision_number: p.revision_number + 1,
      })
      .where('id', '=', portId)
      .execute();
    await sync(op, 'port', portId);
    const row = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', portId).executeTakeFirstOrThrow();
    return (await portInfos(op, [row]))[0];
  });
}

/** Detaches a port from its server, keeping the port (interface detach of a given port). */
export async function unbindPort(cloud: Cloud, portId: string): Promise<void> {
  await write(cloud, serviceContext(), async (op) => {
    const p = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', portId).executeTakeFirst();
    if (!p) return;
    await op.db
      .updateTable('neutron_ports')
      .set({
        device_id: '',
        device_owner: '',
        binding_host_id: '',
        status: 'DOWN',
        binding_vif_type: 'unbound',
        binding_vif_details: '{}',
        created_for_server: 0,
        revision_number: p.revision_number + 1,
      })
      .where('id', '=', portId)
      .execute();
    await sync(op, 'port', portId);
  });
}

/** On server delete: deletes the ports made for it (createServerPort), unbinds those it was given. */
export async function releaseServerPorts(cloud: Cloud, serverId: string): Promise<void> {
  const rows = await serverPortRows(readOp(cloud, serverContext), [serverId]);
  for (const p of rows) {
    if (p.created_for_server)
      await write(cloud, serverContext, async (op) => {
        const cur = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', p.id).executeTakeFirst();
        if (cur) await deletePortRow(op, cur);
      });
    else await unbindPort(cloud, p.id);
  }
}

/** The ports bound to a server, in the order they were made. */
export async function serverPorts(cloud: Cloud, serverId: string): Promise<PortInfo[]> {
  const op = readOp(cloud, serverContext);
  return portInfos(op, await serverPortRows(op, [serverId]));
}

/**
 * Nova's `addresses` for many servers at once (server list): per network
 * name, each port's fixed addresses, each followed by its floating address.
 */
export async function serverAddresses(
  cloud: Cloud,
  serverIds: string[],
): Promise<Map<string, Record<string, ServerAddress[]>>> {
  const op = readOp(cloud, serverContext);
  const infos = await portInfos(op, await serverPortRows(op, serverIds));
  const fips = infos.length
    ? await op.db
        .selectFrom('neutron_floatingips')
        .select(['port_id', 'fixed_ip_address', 'floating_ip_address'])
        .where(
          'port_id',
          'in',
          infos.map((i) => i.id),
        )
        .execute()
    : [];
  const out = new Map<string, Record<string, ServerAddress[]>>(serverIds.map((id) => [id, {}]));
  for (const p of infos) {
    const byNet = out.get(p.device_id)!;
    const list = (byNet[p.network_name] ??= []);
    for (const ip of p.fixed_ips) {
      const entry = (addr: string, type: 'fixed' | 'floating'): ServerAddress => ({
        version: addr.includes(':') ? 6 : 4,
        addr,
        'OS-EXT-IPS:type': type,
        'OS-EXT-IPS-MAC:mac_addr': p.mac_address,
      });
      list.push(entry(ip.ip_address, 'fixed'));
      for (const f of fips.filter((x) => x.port_id === p.id && x.fixed_ip_address === ip.ip_address))
        list.push(entry(f.floating_ip_address, 'floating'));
    }
  }
  return out;
}

/** The security groups on each server's ports (Nova's `security_groups`: unique names). */
export async function serverSecurityGroups(
  cloud: Cloud,
  serverIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const op = readOp(cloud, serverContext);
  const infos = await portInfos(op, await serverPortRows(op, serverIds));
  const ids = [...new Set(infos.flatMap((i) => i.security_group_ids))];
  const groups = ids.length
    ? await op.db.selectFrom('neutron_security_groups').select(['id', 'name']).where('id', 'in', ids).execute()
    : [];
  const out = new Map<string, { id: string; name: string }[]>(serverIds.map((id) => [id, []]));
  for (const p of infos) {
    const list = out.get(p.device_id)!;
    for (const g of p.security_group_ids)
      if (!list.some((x) => x.id === g)) list.push(groups.find((x) => x.id === g) ?? { id: g, name: g });
  }
  return out;
}

async function changeServerGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string, add: boolean) {
  await write(cloud, ctx, async (op) => {
    const group = await findSecurityGroupIn(op, nameOrId);
    if (!group) throw notFound.security_group(nameOrId);
    const rows = await serverPortRows(op, [serverId]);
    if (!rows.length) throw new BadRequest(`Server ${serverId} has no ports to apply a security group to.`);
    const current = await groupsOf(
      op.db,
      rows.map((r) => r.id),
    );
    if (!add && !rows.some((r) => current.get(r.id)?.includes(group.id as string)))
      throw new NotFound(
        `Security group ${nameOrId} not associated with the instance ${serverId}`,
        'SecurityGroupNotExistsForInstance',
      );
    for (const p of rows) {
      if (!p.port_security_enabled) continue;
      const has = current.get(p.id) ?? [];
      if (add && !has.includes(group.id as string))
        await op.db
          .insertInto('neutron_port_security_groups')
          .values({ port_id: p.id, security_group_id: group.id as string })
          .execute();
      if (!add)
        await op.db
          .deleteFrom('neutron_port_security_groups')
          .where('port_id', '=', p.id)
          .where('security_group_id', '=', group.id as string)
          .execute();
      await op.db
        .updateTable('neutron_ports')
        .set({ revision_number: p.revision_number + 1 })
        .where('id', '=', p.id)
        .execute();
      await sync(op, 'port', p.id);
    }
  });
}

/** `server add security group`: the group (name or id, as the caller sees it) on every port of the server. */
export function addServerSecurityGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string) {
  return changeServerGroup(cloud, ctx, serverId, nameOrId, true);
}

/** `server remove security group`; 404 SecurityGroupNotExistsForInstance when no port has it. */
export function removeServerSecurityGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string) {
  return changeServerGroup(cloud, ctx, serverId, nameOrId, false);
}

async function findSecurityGroupIn(op: Op, nameOrId: string): Promise<View | undefined> {
  const rows = await op.db
    .selectFrom('neutron_security_groups')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)]))
    .execute();
  const mine = rows.filter((r) => owns(op.ctx, r.project_id));
  // a name matches in the caller's project first (admins see every project's `default`)
  const hit = mine.find((r) => r.id === nameOrId) ?? mine.find((r) => r.project_id === op.ctx.projectId) ?? mine[0];
  return hit ? securityGroups.show(op, hit.id) : undefined;
}

/** A network by id or name as the caller sees it (API view), or undefined. */
export async function findNetwork(cloud: Cloud, ctx: AuthContext, nameOrId: string): Promise<View | undefined> {
  const op = readOp(cloud, ctx);
  const byId = await networks.show(op, nameOrId).catch(() => undefined);
  if (byId) return byId;
  return (await networks.list(op, { name: nameOrId }))[0];
}

/**
 * The networks a project may boot on without naming one (Nova's choice when
 * no network is requested): its own unshared networks and the shared ones;
 * external networks only for admins (Nova's external network attach rule).
 */
export async function availableNetworks(cloud: Cloud, ctx: AuthContext): Promise<View[]> {
  const all = await networks.list(readOp(cloud, ctx), {});
  return all.filter(
    (n) => (n.shared === true || n.project_id === ctx.projectId) && (ctx.isAdmin || n['router:external'] !== true),
  );
}

/** A security group by id or name as the caller sees it (API view), or undefined. */
export async function findSecurityGroup(cloud: Cloud, ctx: AuthContext, nameOrId: string): Promise<View | undefined> {
  return findSecurityGroupIn(readOp(cloud, ctx), nameOrId);
}

/** A floating IP by id or address as the caller sees it (API view), or undefined. */
export async function findFloatingIp(cloud: Cloud, ctx: AuthContext, idOrAddress: string): Promise<View | undefined> {
  const op = readOp(cloud, ctx);
  const f = await findFip(op, idOrAddress);
  return f ? floatingIps.show(op, f.id) : undefined;
}

/**
 * Points a floating IP (id or address) at a port (Nova's `server add floating
 * ip`), with Neutron's rules: the port's IPv4 address (`fixedIp` when it has
 * several) must reach the floating IP's network through a router, else 404
 * ExternalGatewayForFloatingIPNotFound. Null `portId` disassociates.
 */
export async function associateFloatingIp(
  cloud: Cloud,
  ctx: AuthContext,
  idOrAddress: string,
  portId: string | null,
  fixedIp?: string,
): Promise<View> {
  const id = await write(cloud, ctx, async (op) => {
    const f = await findFip(op, idOrAddress);
    if (!f) throw notFound.floatingip(idOrAddress);
    await associate(op, f, portId, fixedIp ?? null);
    return f.id;
  });
  return floatingIps.show(readOp(cloud, ctx), id);
}

// ---- Heat: any resource by the body its API takes, the view its API returns ----

const RESOURCES: Record<string, Resource> = {
  network: networks,
  subnet: subnets,
  port: ports,
  router: routers,
  floatingip: floatingIps,
  security_group: securityGroups,
  security_group_rule: securityGroupRules,
};

export type ResourceType = keyof typeof RESOURCES;

function resource(type: string): Resource {
  const r = RESOURCES[type];
  if (!r) throw new BadRequest(`Unknown network resource type ${type}`);
  return r;
}

/** POST /v2.0/<type>s with `body` (the inner object), as the caller; returns the view. */
export async function createResource(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  body: Record<string, unknown>,
) {
  const r = resource(type);
  const id = await write(cloud, ctx, (op) => r.create(op, parseCreate(ctx, body, r.attrs)));
  return r.show(readOp(cloud, ctx), id);
}

/** GET /v2.0/<type>s as the caller: what it may see, filtered on single values (`{status: 'ACTIVE'}`). */
export async function listResources(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  filters: Record<string, string> = {},
): Promise<View[]> {
  const views = await resource(type).list(readOp(cloud, ctx), {});
  const keys = Object.keys(filters);
  return views.filter((v) => keys.every((k) => String(v[k]) === filters[k]));
}

export async function showResource(cloud: Cloud, ctx: AuthContext, type: ResourceType, id: string) {
  return resource(type).show(readOp(cloud, ctx), id);
}

export async function updateResource(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  id: string,
  body: Record<string, unknown>,
) {
  const r = resource(type);
  const checked = parseUpdate(ctx, { [r.member]: body }, r.member, r.attrs);
  await write(cloud, ctx, (op) => r.update(op, id, checked));
  return r.show(readOp(cloud, ctx), id);
}

export async function deleteResource(cloud: Cloud, ctx: AuthContext, type: ResourceType, id: string) {
  await write(cloud, ctx, (op) => resource(type).remove(op, id));
}

/** PUT /v2.0/routers/{id}/add_router_interface with {subnet_id} or {port_id}. */
export function addInterface(
  cloud: Cloud,
  ctx: AuthContext,
  routerId: string,
  body: { subnet_id?: string; port_id?: string },
) {
  return write(cloud, ctx, (op) => addRouterInterface(op, routerId, body));
}

export function removeInterface(
  cloud: Cloud,
  ctx: AuthContext,
  routerId: string,
  body: { subnet_id?: string; port_id?: string },
) {
  return write(cloud, ctx, (op) => removeRouterInterface(op, routerId, body));
}
