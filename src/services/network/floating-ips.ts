import { BadRequest, Conflict, NotFound } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { type AttrMap, ipAddress, nullableIp, str, uuid as uuidCheck } from './attributes.js';
import { bumped, newStandard, type Op, pushDown, type Resource, standardView } from './common.js';
import { badRequest, notFound } from './errors.js';
import { parseIp } from './ip.js';
import { visibleNetwork } from './networks.js';
import { owns, requireAdminFor, requireOwner, requireWriter } from './policy.js';
import { portFixedIps } from './port-ips.js';
import { deletePortRow, insertPort, visiblePort } from './ports.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { bool, type FloatingIpRow, type PortRow } from './store.js';
import { sync } from './sync.js';
import { tagsOf } from './tags.js';

const attrs: AttrMap = {
  floating_network_id: { post: true, check: uuidCheck },
  floating_ip_address: { post: true, default: null, check: nullableIp },
  subnet_id: { post: true, default: null, check: (v, a) => (v === null ? null : uuidCheck(v, a)) },
  port_id: { post: true, put: true, default: null, check: (v, a) => (v === null ? null : uuidCheck(v, a)) },
  fixed_ip_address: { post: true, put: true, default: null, check: nullableIp },
  description: { post: true, put: true, default: '', check: str(255) },
  dns_name: { post: true, default: '', check: str(255) },
  dns_domain: { post: true, default: '', check: str(255) },
};

async function views(op: Op, rows: FloatingIpRow[]): Promise<View[]> {
  const portIds = rows.map((r) => r.port_id).filter((x): x is string => !!x);
  const ports = portIds.length
    ? await op.db.selectFrom('neutron_ports').selectAll().where('id', 'in', portIds).execute()
    : [];
  const tags = await tagsOf(
    op.db,
    rows.map((r) => r.id),
  );
  return rows.map((f) => {
    const p = ports.find((x) => x.id === f.port_id);
    return {
      id: f.id,
      tenant_id: f.project_id,
      floating_ip_address: f.floating_ip_address,
      floating_network_id: f.floating_network_id,
      router_id: f.router_id,
      port_id: f.port_id,
      fixed_ip_address: f.fixed_ip_address,
      status: f.status,
      project_id: f.project_id,
      description: f.description,
      port_details: p
        ? {
            name: p.name,
            network_id: p.network_id,
            mac_address: p.mac_address,
            admin_state_up: bool(p.admin_state_up),
            status: p.status,
            device_id: p.device_id,
            device_owner: p.device_owner,
          }
        : null,
      dns_domain: f.dns_domain,
      dns_name: f.dns_name,
      ...standardView(f, tags.get(f.id)),
    };
  });
}

export async function visibleFloatingIp(op: Op, id: string): Promise<FloatingIpRow> {
  const f = await op.db.selectFrom('neutron_floatingips').selectAll().where('id', '=', id).executeTakeFirst();
  if (!f || !owns(op.ctx, f.project_id)) throw notFound.floatingip(id);
  return f;
}

/**
 * Where a floating IP on `externalNetId` for `port` goes: the port's IPv4
 * address (the one asked for, or its only one) and the router that joins that
 * address's subnet to the external network (Neutron's reachability rule).
 */
export async function associationFor(
  op: Op,
  fip: { id: string; project_id: string; floating_ip_address: string; floating_network_id: string },
  port: PortRow,
  fixedIp: string | null,
): Promise<{ fixed_ip_address: string; router_id: string }> {
  if (!op.ctx.isAdmin && port.project_id !== fip.project_id)
    throw badRequest(
      'floatingip',
      `Cannot create floating IP and bind it to Port ${port.id}, since that port is owned by a different project`,
    );
  const v4 = (await portFixedIps(op.db, port.id)).filter((ip) => parseIp(ip.ip_address)?.version === 4);
  let chosen = v4[0];
  if (fixedIp) {
    chosen = v4.find((ip) => ip.ip_address === fixedIp)!;
    if (!chosen) throw badRequest('floatingip', `Port ${port.id} does not have fixed ip ${fixedIp}`);
  } else if (!v4.length) throw badRequest('floatingip', `Port ${port.id} does not have any IPv4 address`);
  else if (v4.length > 1)
    throw badRequest(
      'floatingip',
      `Port ${port.id} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP`,
    );
  const router = await op.db
    .selectFrom('neutron_routers as r')
    .innerJoin('neutron_ports as gw', 'gw.id', 'r.gw_port_id')
    .innerJoin('neutron_ports as i', 'i.device_id', 'r.id')
    .innerJoin('neutron_ip_allocations as a', 'a.port_id', 'i.id')
    .select('r.id')
    .where('gw.network_id', '=', fip.floating_network_id)
    .where('i.device_owner', '=', 'network:router_interface')
    .where('a.subnet_id', '=', chosen.subnet_id)
    .executeTakeFirst();
  if (!router)
    throw new NotFound(
      `External network ${fip.floating_network_id} is not reachable from subnet ${chosen.subnet_id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
      'ExternalGatewayForFloatingIPNotFound',
    );
  const other = await op.db
    .selectFrom('neutron_floatingips')
    .select(['id', 'floating_ip_address'])
    .where('port_id', '=', port.id)
    .where('fixed_ip_address', '=', chosen.ip_address)
    .where('floating_network_id', '=', fip.floating_network_id)
    .where('id', '!=', fip.id)
    .executeTakeFirst();
  if (other)
    throw new Conflict(
      `Cannot associate floating IP ${other.floating_ip_address} (${other.id}) with port ${port.id} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`,
      'FloatingIPPortAlreadyAssociated',
    );
  return { fixed_ip_address: chosen.ip_address, router_id: router.id };
}

/** Points the floating IP at a port (or at nothing) and tells the routers concerned. */
export async function associate(
  op: Op,
  f: FloatingIpRow,
  portId: string | null,
  fixedIp: string | null,
): Promise<void> {
  let set: Partial<FloatingIpRow> = { port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' };
  if (portId) {
    const port = await visiblePort(op, portId);
    set = { port_id: port.id, ...(await associationFor(op, f, port, fixedIp)), status: 'ACTIVE' };
  }
  await op.db
    .updateTable('neutron_floatingips')
    .set({ ...set, ...bumped(f) })
    .where('id', '=', f.id)
    .execute();
  for (const r of new Set([f.router_id, set.router_id])) if (r) await sync(op, 'router', r);
}

export const floatingIps: Resource = {
  member: 'floatingip',
  collection: 'floatingips',
  attrs,
  table: 'neutron_floatingips',

  async list(op: Op, q: Query) {
    let query = op.db.selectFrom('neutron_floatingips').selectAll();
    if (!op.ctx.isAdmin) query = query.where('project_id', '=', op.ctx.projectId ?? '');
    query = pushDown(query, q, ['id', 'port_id', 'floating_ip_address', 'floating_network_id']);
    return views(op, await query.orderBy('created_at').orderBy('id').execute());
  },

  async show(op, id) {
    return (await views(op, [await visibleFloatingIp(op, id)]))[0];
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_floatingip');
    if (b.floating_ip_address !== null)
      requireAdminFor(op.ctx, '(rule:create_floatingip and rule:create_floatingip:floating_ip_address)');
    const net = await visibleNetwork(op, b.floating_network_id as string);
    if (!bool(net.external)) throw badRequest('floatingip', `Network ${net.id} is not a valid external network`);
    const projectId = b.project_id as string;
    await checkQuota(op.db, 'floatingip', projectId);
    const id = uuid();
    let fixedIps: { subnet_id?: string; ip_address?: string }[] | null = null;
    if (b.subnet_id || b.floating_ip_address)
      fixedIps = [
        {
          ...(b.subnet_id ? { subnet_id: b.subnet_id as string } : {}),
          ...(b.floating_ip_address
            ? { ip_address: ipAddress(b.floating_ip_address, 'floating_ip_address') as string }
            : {}),
        },
      ];
    let port: { id: string; fixed_ips: { ip_address: string }[] };
    try {
      port = await insertPort(op, {
        project_id: '',
        network_id: net.id,
        device_id: id,
        device_owner: 'network:floatingip',
        fixed_ips: fixedIps,
        subnetFilter: (s) => s.ip_version === 4,
      });
    } catch (e) {
      if ((e as { type?: string }).type === 'IpAddressGenerationFailure')
        throw new BadRequest(
          `Unable to find any IP address on external network ${net.id}.`,
          'ExternalIpAddressExhausted',
        );
      throw e;
    }
    const address = port.fixed_ips.find((ip) => parseIp(ip.ip_address)?.version === 4)?.ip_address;
    if (!address) throw badRequest('floatingip', `Network ${net.id} has no IPv4 subnet`);
    const row: FloatingIpRow = {
      ...newStandard(id, projectId, '', b.description),
      floating_network_id: net.id,
      floating_ip_address: address,
      floating_port_id: port.id,
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
      status: 'DOWN',
      dns_name: b.dns_name as string,
      dns_domain: b.dns_domain as string,
    };
    await op.db.insertInto('neutron_floatingips').values(row).execute();
    if (b.port_id) {
      const assoc = await associationFor(
        op,
        row,
        await visiblePort(op, b.port_id as string),
        b.fixed_ip_address as string | null,
      );
      await op.db
        .updateTable('neutron_floatingips')
        .set({ port_id: b.port_id as string, ...assoc, status: 'ACTIVE' })
        .where('id', '=', id)
        .execute();
      await sync(op, 'router', assoc.router_id);
    }
    return id;
  },

  async update(op, id, b) {
    const f = await visibleFloatingIp(op, id);
    requireOwner(op.ctx, f.project_id, 'update_floatingip');
    if ('port_id' in b || 'fixed_ip_address' in b) {
      const portId = 'port_id' in b ? (b.port_id as string | null) : f.port_id;
      await associate(op, f, portId, (b.fixed_ip_address as string | null | undefined) ?? null);
    }
    if ('description' in b) {
      const cur = await visibleFloatingIp(op, id);
      await op.db
        .updateTable('neutron_floatingips')
        .set({ description: b.description as string, ...bumped(cur) })
        .where('id', '=', id)
        .execute();
    }
  },

  async remove(op, id) {
    const f = await visibleFloatingIp(op, id);
    requireOwner(op.ctx, f.project_id, 'delete_floatingip');
    await op.db.deleteFrom('neutron_floatingips').where('id', '=', id).execute();
    const port = await op.db
      .selectFrom('neutron_ports')
      .selectAll()
      .where('id', '=', f.floating_port_id)
      .executeTakeFirst();
    if (port) await deletePortRow(op, port);
    if (f.router_id) await sync(op, 'router', f.router_id);
  },
};

/** A floating IP by id or address, as the caller sees it. */
export async function findFloatingIp(op: Op, idOrAddress: string): Promise<FloatingIpRow | undefined> {
  const rows = await op.db
    .selectFrom('neutron_floatingips')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrAddress), eb('floating_ip_address', '=', idOrAddress)]))
    .execute();
  return rows.find((f) => owns(op.ctx, f.project_id));
}
