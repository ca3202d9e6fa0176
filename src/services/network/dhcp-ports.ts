import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { networkDriver } from '../../drivers/network/index.js';
import { bumped, type Op } from './common.js';
import { releasePortAddresses } from './ipam.js';
import { type FixedIp, portFixedIps, resolveFixedIps, saveFixedIps } from './port-ips.js';
import { deletePortRow, insertPort } from './ports.js';
import type { NetDb, PortRow } from './store.js';
import { sync } from './sync.js';

// The DHCP port: Neutron's DHCP agent serves each network with a DHCP subnet
// from a port of its own (device_owner `network:dhcp`), one address on each
// DHCP subnet, so IPAM never hands that address to anybody else. pocketstack
// keeps it in the network service, in the transaction that changes the
// subnets, when the driver serves DHCP from such a port (the linux one).

export const DHCP_OWNER = 'network:dhcp';

/** Neutron's device_id of a DHCP port: `dhcp<uuid5(DNS namespace, host)>-<network id>`. */
export function dhcpDeviceId(networkId: string, host = hostname()): string {
  // uuid5: SHA-1 of the namespace's bytes and the name, version and variant bits set
  const ns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
  const h = createHash('sha1').update(ns).update(host).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `dhcp${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}-${networkId}`;
}

export async function dhcpPortOf(db: NetDb, networkId: string): Promise<PortRow | undefined> {
  return db
    .selectFrom('neutron_ports')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('device_owner', '=', DHCP_OWNER)
    .orderBy('created_at')
    .executeTakeFirst();
}

/**
 * Makes the network's DHCP port match its subnets: one address on every
 * subnet with DHCP (kept when it has one), none elsewhere; made when the
 * first DHCP subnet appears, deleted with the last. No-op unless the driver
 * serves DHCP from such a port.
 */
export async function syncDhcpPort(op: Op, networkId: string): Promise<void> {
  if (!networkDriver(op.cloud).dhcpPorts) return;
  const net = await op.db.selectFrom('neutron_networks').selectAll().where('id', '=', networkId).executeTakeFirst();
  const subnets = net
    ? await op.db
        .selectFrom('neutron_subnets')
        .select(['id'])
        .where('network_id', '=', networkId)
        .where('enable_dhcp', '=', 1)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    : [];
  const port = await dhcpPortOf(op.db, networkId);
  if (!subnets.length || !net) {
    if (port) await dropDhcpPort(op, port);
    return;
  }
  if (!port) {
    await insertPort(op, {
      project_id: net.project_id,
      network_id: networkId,
      device_owner: DHCP_OWNER,
      device_id: dhcpDeviceId(networkId),
      'binding:host_id': hostname(),
      fixed_ips: subnets.map((s) => ({ subnet_id: s.id })),
      skipQuota: true,
    });
    return;
  }
  const have = await portFixedIps(op.db, port.id);
  const wanted = new Set(subnets.map((s) => s.id));
  const same = have.length === wanted.size && have.every((ip) => wanted.has(ip.subnet_id));
  if (same) return;
  const keep: FixedIp[] = have.filter((ip) => wanted.has(ip.subnet_id));
  const next = await resolveFixedIps(
    op.db,
    networkId,
    subnets.map((s) => ({ subnet_id: s.id })),
    keep,
    port.mac_address,
  );
  await releasePortAddresses(op.db, port.id);
  await op.db.deleteFrom('neutron_ip_allocations').where('port_id', '=', port.id).execute();
  await saveFixedIps(op.db, port.id, networkId, next);
  await op.db.updateTable('neutron_ports').set(bumped(port)).where('id', '=', port.id).execute();
  await sync(op, 'port', port.id);
}

/** Releases a DHCP port's addresses on a subnet being deleted (Neutron lets DHCP ports not hold a subnet). */
export async function releaseDhcpAddresses(op: Op, subnetId: string): Promise<void> {
  const held = await op.db
    .selectFrom('neutron_ip_allocations as a')
    .innerJoin('neutron_ports as p', 'p.id', 'a.port_id')
    .select('a.port_id')
    .where('a.subnet_id', '=', subnetId)
    .where('p.device_owner', '=', DHCP_OWNER)
    .execute();
  for (const h of held) {
    await releasePortAddresses(op.db, h.port_id, subnetId);
    await op.db
      .deleteFrom('neutron_ip_allocations')
      .where('subnet_id', '=', subnetId)
      .where('port_id', '=', h.port_id)
      .execute();
    await sync(op, 'port', h.port_id);
  }
}

async function dropDhcpPort(op: Op, port: PortRow): Promise<void> {
  await deletePortRow(op, port);
}

/** At start: every network's DHCP port as its subnets say (one deleted by hand comes back, as the agent recreates it). */
export async function syncAllDhcpPorts(op: Op): Promise<void> {
  if (!networkDriver(op.cloud).dhcpPorts) return;
  const nets = await op.db.selectFrom('neutron_networks').select('id').execute();
  for (const n of nets) await syncDhcpPort(op, n.id);
}
