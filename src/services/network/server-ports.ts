// Ports for Nova's servers: made, bound, unbound and released on their
// behalf, and read back as Nova shows them (`addresses`). Internal API
// (internal.ts) only.

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { Conflict } from '../../server/errors.js';
import { serviceContext } from './bootstrap.js';
import { type Op, readOp, writeOp } from './common.js';
import { visibleNetwork } from './networks.js';
import { fixedIpsOf, groupsOf } from './port-views.js';
import { deletePortRow, insertPort, visiblePort } from './ports.js';
import { resolveGroups } from './security-groups.js';
import type { PortRow } from './store.js';
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
export const serverContext = serviceContext();

export async function portInfos(op: Op, rows: PortRow[]): Promise<PortInfo[]> {
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

/** The ports of these servers (device_owner compute:*), oldest first. */
export async function serverPortRows(op: Op, serverIds: string[]): Promise<PortRow[]> {
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
  return writeOp(cloud, ctx, async (op) => {
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
  return writeOp(cloud, ctx, async (op) => {
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
  await writeOp(cloud, serviceContext(), async (op) => {
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
      await writeOp(cloud, serverContext, async (op) => {
        const cur = await op.db.selectFrom('neutron_ports').selectAll().where('id', '=', p.id).executeTakeFirst();
        if (cur) await deletePortRow(op, cur);
      });
    else await unbindPort(cloud, p.id);
  }
}

/** The ports bound to a server, in the order they were made. */
export async function serverPorts(cloud: Cloud, serverId: string): Promise<PortInfo[]> {
  return serverPortInfos(cloud, [serverId]);
}

/** The ports of these servers as Nova needs them, loaded once for a whole server list's addresses and groups. */
export async function serverPortInfos(cloud: Cloud, serverIds: string[]): Promise<PortInfo[]> {
  const op = readOp(cloud, serverContext);
  return portInfos(op, await serverPortRows(op, serverIds));
}

/**
 * Nova's `addresses` for many servers at once (server list): per network
 * name, each port's fixed addresses, each followed by its floating address.
 */
export async function serverAddresses(
  cloud: Cloud,
  serverIds: string[],
  infos?: PortInfo[],
): Promise<Map<string, Record<string, ServerAddress[]>>> {
  const op = readOp(cloud, serverContext);
  infos ??= await serverPortInfos(cloud, serverIds);
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
