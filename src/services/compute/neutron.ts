import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';
import type { PortWithSubnets } from './metadata/content.js';
import type { Instance, RequestedNetwork } from './servers/model.js';
import { cdb } from './store.js';

// Nova's view of the network service: everything compute asks Neutron,
// through the network service's in-process API (never HTTP). Errors are
// reworded here into Nova's own messages.

/** A port of an instance as Nova shows it (addresses, security groups). */
export interface PortInfo {
  id: string;
  network_id: string;
  network_name: string;
  mac_address: string;
  fixed_ips: { ip_address: string; subnet_id: string }[];
  floating_ips: string[];
  security_groups: { id: string; name: string }[];
  status: string;
  mtu?: number;
}

/** Which networks the service can serve yet; until the network service lands, none. */
export function networkAvailable(): boolean {
  return false;
}

const NO_NETWORK =
  'pocketstack cannot attach servers to networks until the network service is available; boot with "networks": "none".';

/**
 * Checks the requested networks, ports and security groups before anything
 * is made (Nova's API-side validation), and resolves what "no networks
 * given" means. Returns the networks to allocate.
 */
export async function validateRequestedNetworks(
  _cloud: Cloud,
  _ctx: AuthContext,
  requested: RequestedNetwork[] | 'auto' | 'none',
  _securityGroups: string[],
  _count: number,
): Promise<RequestedNetwork[]> {
  if (requested === 'none') return [];
  if (requested === 'auto' || requested.length === 0) return [];
  throw new BadRequest(NO_NETWORK);
}

/** The ports the instance uses, made (requested networks) or bound (requested ports). */
export async function allocateForInstance(
  _cloud: Cloud,
  instance: Instance,
  requested: RequestedNetwork[],
): Promise<{ port_id: string; network_id: string; created: boolean; tag?: string }[]> {
  if (requested.length) throw new Error(`no network service to allocate ports for ${instance.uuid}`);
  return [];
}

/** Deletes the ports Nova made for the instance and unbinds the ones it was given. Idempotent. */
export async function deallocateForInstance(cloud: Cloud, instanceUuid: string): Promise<void> {
  await cdb(cloud).deleteFrom('nova_instance_ports').where('instance_uuid', '=', instanceUuid).execute();
}

/** The ports of many instances, with addresses and groups, in few queries. */
export async function portsOfInstances(_cloud: Cloud, _instances: Instance[]): Promise<Map<string, PortInfo[]>> {
  return new Map();
}

/** The ports of one instance with their subnets, for network_data.json. */
export async function portsWithSubnets(_cloud: Cloud, _instance: Instance): Promise<PortWithSubnets[]> {
  return [];
}

/** addSecurityGroup: the group goes on every port of the instance. */
export async function addSecurityGroup(_cloud: Cloud, _ctx: AuthContext, _i: Instance, name: string): Promise<void> {
  throw new BadRequest(`Security group ${name} not found.`);
}

/** removeSecurityGroup: the group comes off every port of the instance. */
export async function removeSecurityGroup(_cloud: Cloud, _ctx: AuthContext, i: Instance, name: string): Promise<void> {
  throw new BadRequest(`Security group ${name} not associated with the instance ${i.uuid}`);
}
