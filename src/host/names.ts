import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

// What pocketstack's objects are called on the host. Neutron's own names where
// Neutron has them (qrouter-<router id>, qdhcp-<network id>, brq/tap/qr-/qg-/ns-
// followed by the first 11 characters of an id, as the linuxbridge agent and
// L3/DHCP agents name them), so that a Neutron user finds their way; one
// namespace of pocketstack's own holding every bridge and instance tap; and
// one veth in the host's namespace. Only ids go into a name, never anything a
// user typed. Every namespace and the host veth carry the alias
// `pocketstack:<tag>` on a device (lo for namespaces), which is how `reset`
// and the start-up reconcile find what belongs to one cloud.

const ID = /^[0-9a-f][0-9a-f-]{10,63}$/;

/** Throws unless `id` looks like an OpenStack id (hex and dashes): nothing else may reach a host name. */
export function assertId(id: string): string {
  if (!ID.test(id)) throw new Error(`not an id usable in a host name: ${JSON.stringify(id)}`);
  return id;
}

const short = (id: string) => assertId(id).slice(0, 11);

/** Six hex characters that tell this cloud's host objects from another's: derived from the data dir. */
export function hostTag(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 6);
}

/** The alias every owned namespace's `lo` and the host veth carry. */
export const ownerAlias = (tag: string) => `pocketstack:${tag}`;

/** The namespace holding the cloud's bridges, the instance taps and their security-group rules. */
export const bridgeNamespace = (tag: string) => `pocketstack-${tag}`;
export const routerNamespace = (routerId: string) => `qrouter-${assertId(routerId)}`;
export const dhcpNamespace = (networkId: string) => `qdhcp-${assertId(networkId)}`;

/** A network's Linux bridge (in the bridge namespace). */
export const bridgeName = (networkId: string) => `brq${short(networkId)}`;
/** The bridge side of any port: an instance's tap, or the bridge end of a DHCP/router veth. */
export const tapName = (portId: string) => `tap${short(portId)}`;
/** Inside qdhcp-<net>: the DHCP port's end of its veth. */
export const dhcpDeviceName = (portId: string) => `ns-${short(portId)}`;
/** Inside qrouter-<router>: an internal leg. */
export const routerInterfaceName = (portId: string) => `qr-${short(portId)}`;
/** Inside qrouter-<router>: the gateway leg on the external network. */
export const gatewayInterfaceName = (portId: string) => `qg-${short(portId)}`;
/** In the host's own namespace: the one veth that gives the host the public network's gateway address. */
export const hostVethName = (tag: string) => `psgw-${tag}`;
/** Its peer, on the public network's bridge in the bridge namespace. */
export const hostVethPeerName = (tag: string) => `psgw-${tag}-br`.slice(0, 15);
