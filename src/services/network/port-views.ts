import type { SelectQueryBuilder } from 'kysely';
import { fromJson } from '../../store/json.js';
import { type Op, standardView } from './common.js';
import type { View } from './query.js';
import type { IpAllocationRow, NetDb, NetworkTables, PortRow } from './store.js';
import { bool, childRows } from './store.js';
import { tagsOf } from './tags.js';

// The port as the API shows it, built for many ports at once (one query per
// kind of child row, however many ports: list cost grows with the ports returned).

const OVS_DETAILS = {
  connectivity: 'l2',
  port_filter: true,
  ovs_hybrid_plug: false,
  datapath_type: 'system',
  bridge_name: 'br-int',
};

/**
 * Status and binding as the agents would leave them: a port bound to a host
 * is wired (ACTIVE, ovs), router ports are served by the L3 agent (ACTIVE),
 * floating IP ports are not wired at all (N/A), the rest wait (DOWN, unbound).
 */
export function bindingOf(deviceOwner: string, host: string) {
  if (deviceOwner === 'network:floatingip')
    return { status: 'N/A', binding_vif_type: 'unbound', binding_vif_details: '{}' };
  if (deviceOwner.startsWith('network:router'))
    return { status: 'ACTIVE', binding_vif_type: 'ovs', binding_vif_details: JSON.stringify(OVS_DETAILS) };
  if (host) return { status: 'ACTIVE', binding_vif_type: 'ovs', binding_vif_details: JSON.stringify(OVS_DETAILS) };
  return { status: 'DOWN', binding_vif_type: 'unbound', binding_vif_details: '{}' };
}

/** Splits a long id list so each IN (...) stays under SQLite's parameter limit. */
export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The ports' ids, or a query that selects them: a whole list asks for its
 * children with its own filter as a subquery, rather than binding every id.
 */
export type PortIds = string[] | SelectQueryBuilder<NetworkTables, any, { id: string }>;

const idParts = (ids: PortIds) => (Array.isArray(ids) ? chunks(ids) : [ids]);

export async function fixedIpsOf(db: NetDb, portIds: PortIds) {
  const out = new Map<string, { subnet_id: string; ip_address: string }[]>();
  for (const ids of idParts(portIds)) {
    const rows: IpAllocationRow[] = await childRows(db, 'neutron_ip_allocations', 'port_id', ids)
      .select(['c.port_id', 'c.subnet_id', 'c.ip_address'])
      .execute();
    for (const r of rows) {
      const ip = { subnet_id: r.subnet_id, ip_address: r.ip_address };
      const list = out.get(r.port_id);
      if (list) list.push(ip);
      else out.set(r.port_id, [ip]);
    }
  }
  return out;
}

export async function groupsOf(db: NetDb, portIds: PortIds) {
  const out = new Map<string, string[]>();
  for (const ids of idParts(portIds)) {
    const rows: { port_id: string; security_group_id: string }[] = await childRows(
      db,
      'neutron_port_security_groups',
      'port_id',
      ids,
    )
      .select(['c.port_id', 'c.security_group_id'])
      .execute();
    for (const r of rows) {
      const list = out.get(r.port_id);
      if (list) list.push(r.security_group_id);
      else out.set(r.port_id, [r.security_group_id]);
    }
  }
  return out;
}

function dnsAssignment(p: PortRow, ips: { ip_address: string }[]) {
  return ips.map((ip) => {
    const hostname = p.dns_name || `host-${ip.ip_address.replace(/[.:]/g, '-')}`;
    return { ip_address: ip.ip_address, hostname, fqdn: `${hostname}.openstacklocal.` };
  });
}

export function portView(
  op: Op,
  p: PortRow,
  ips: { subnet_id: string; ip_address: string }[],
  groups: string[],
  tags: string[] | undefined,
): View {
  const std = standardView(p, tags);
  const v: View = {
    id: p.id,
    name: p.name,
    network_id: p.network_id,
    tenant_id: std.tenant_id,
    mac_address: p.mac_address,
    admin_state_up: bool(p.admin_state_up),
    status: p.status,
    device_id: p.device_id,
    device_owner: p.device_owner,
    fixed_ips: ips,
    project_id: std.project_id,
    port_security_enabled: bool(p.port_security_enabled),
    security_groups: groups,
    'binding:vnic_type': p.binding_vnic_type,
  };
  if (op.ctx.isAdmin) {
    v['binding:profile'] = fromJson(p.binding_profile, {});
    v['binding:host_id'] = p.binding_host_id;
    v['binding:vif_type'] = p.binding_vif_type;
    v['binding:vif_details'] = fromJson(p.binding_vif_details, {});
  }
  Object.assign(v, {
    allowed_address_pairs: fromJson(p.allowed_address_pairs, []),
    extra_dhcp_opts: fromJson(p.extra_dhcp_opts, []),
    description: p.description,
    dns_name: p.dns_name,
    dns_assignment: dnsAssignment(p, ips),
    tags: std.tags,
    created_at: std.created_at,
    updated_at: std.updated_at,
    revision_number: std.revision_number,
  });
  return v;
}

/** `idsQuery`: a query selecting exactly these rows' ids (a whole, unpaged list), for the children. */
export async function portViews(
  op: Op,
  rows: PortRow[],
  idsQuery?: SelectQueryBuilder<NetworkTables, any, { id: string }>,
): Promise<View[]> {
  if (rows.length === 0) return [];
  const ids: PortIds = idsQuery && rows.length > 1 ? idsQuery : rows.map((r) => r.id);
  const [ips, groups] = [await fixedIpsOf(op.db, ids), await groupsOf(op.db, ids)];
  const tags = new Map<string, string[]>();
  for (const part of idParts(ids)) for (const [k, v] of await tagsOf(op.db, part)) tags.set(k, v);
  return rows.map((r) => portView(op, r, ips.get(r.id) ?? [], groups.get(r.id) ?? [], tags.get(r.id)));
}
