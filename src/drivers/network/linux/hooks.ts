import type { MetadataOwner } from '../../../services/network/metadata-ports.js';
import type { FirewallModel } from './sg-render.js';

// The two parts of the linux data plane that live in their own modules: the
// security-group firewall (security-groups.ts, `Firewall`) and the metadata
// proxy (metadata-proxy.ts, `MetadataProxy`). The driver calls them through
// these interfaces (their shapes), so tests can run it with the no-op ones
// below: no filtering (every port open), no metadata.

export interface PortFirewall {
  /** After any change of ports, networks or security groups: the whole model; resolves when the rules are in force. */
  update(model: FirewallModel): Promise<void>;
  /** Both tables go (the data plane is torn down). */
  remove(): Promise<void>;
}

export interface MetadataService {
  /** 169.254.169.254:80 served in the namespace (qdhcp-<net>: the address is on the DHCP port already). */
  ensure(namespace: string, owner: MetadataOwner): Promise<void>;
  /** Before the namespace goes. */
  remove(namespace: string): Promise<void>;
  /** Every listener closes (they are sockets of this process). */
  close(): Promise<void>;
}

export const noFirewall: PortFirewall = {
  async update() {},
  async remove() {},
};

export const noMetadata: MetadataService = {
  async ensure() {},
  async remove() {},
  async close() {},
};
