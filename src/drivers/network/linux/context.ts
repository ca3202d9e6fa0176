import type { Logger } from 'pino';
import type { NetworkSpec, PortSpec, RouterSpec, SecurityGroupSpec } from '../driver.js';
import type { MetadataService, PortFirewall } from './hooks.js';

// What the pieces of the linux driver share: the desired model (the last
// spec of every resource the driver was given), the cloud's tag and names,
// where its files live, and the two hooks.

export const DHCP_OWNER = 'network:dhcp';

export interface Model {
  networks: Map<string, NetworkSpec>;
  ports: Map<string, PortSpec>;
  routers: Map<string, RouterSpec>;
  securityGroups: Map<string, SecurityGroupSpec>;
}

export interface Ctx {
  tag: string;
  /** The namespace with every bridge (pocketstack-<tag>). */
  brns: string;
  /** <data-dir>/run: pid files and dnsmasq's files. */
  runDir: string;
  log: Logger;
  model: Model;
  firewall: PortFirewall;
  metadata: MetadataService;
  /** Bridges known to exist (saves a lookup per leg). */
  bridges: Set<string>;
  /** Namespaces this process has set up once (sysctls applied). */
  prepared: Set<string>;
}

export const emptyModel = (): Model => ({
  networks: new Map(),
  ports: new Map(),
  routers: new Map(),
  securityGroups: new Map(),
});

/** The DHCP port of a network in the model. */
export function dhcpPortOf(model: Model, networkId: string): PortSpec | undefined {
  for (const p of model.ports.values()) if (p.network_id === networkId && p.device_owner === DHCP_OWNER) return p;
  return undefined;
}

/** `10.0.0.5/26`: an address with its subnet's prefix (from the model), /32 or /128 when the subnet is unknown. */
export function withPrefix(model: Model, networkId: string, subnetId: string, ip: string): string {
  const s = model.networks.get(networkId)?.subnets.find((x) => x.id === subnetId);
  return `${ip}/${s ? s.cidr.split('/')[1] : ip.includes(':') ? 128 : 32}`;
}
