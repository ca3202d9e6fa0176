import type { Cloud } from '../../cloud.js';
import { ndb } from './store.js';

// What neutron-metadata-agent asks the Neutron server for each guest request:
// the port that holds the requesting address on the networks the namespace
// serves (the network of a qdhcp namespace, or every network a router has an
// interface on), and so the instance (device_id) and project behind it.

export type MetadataOwner = { networkId: string } | { routerId: string };

/** The instance and project of the port with fixed address `ip` behind `owner`, when there is exactly one. */
export async function metadataPortOwner(
  cloud: Cloud,
  owner: MetadataOwner,
  ip: string,
): Promise<{ instanceId: string; projectId: string } | undefined> {
  const db = ndb(cloud);
  let networks: string[];
  if ('networkId' in owner) networks = [owner.networkId];
  else {
    const legs = await db
      .selectFrom('neutron_ports')
      .select('network_id')
      .where('device_id', '=', owner.routerId)
      .where('device_owner', 'in', [
        'network:router_interface',
        'network:router_interface_distributed',
        'network:ha_router_replicated_interface',
      ])
      .execute();
    networks = [...new Set(legs.map((l) => l.network_id))];
  }
  if (networks.length === 0) return undefined;
  const ports = await db
    .selectFrom('neutron_ip_allocations as a')
    .innerJoin('neutron_ports as p', 'p.id', 'a.port_id')
    .select(['p.device_id', 'p.project_id'])
    .where('a.ip_address', '=', ip)
    .where('a.network_id', 'in', networks)
    .execute();
  if (ports.length !== 1 || !ports[0].device_id) return undefined;
  return { instanceId: ports[0].device_id, projectId: ports[0].project_id };
}
