import type { NetworkSpec, PortSpec, SecurityGroupSpec } from '../driver.js';

// The two parts of the linux data plane that live in their own modules
// (security-groups.ts: nftables per port; metadata-proxy.ts: 169.254.169.254
// in every qdhcp/qrouter namespace). The driver calls them through these
// small interfaces; until they are wired in, the no-op ones below stand in:
// no filtering (every port open), no metadata.

export interface DesiredModel {
  readonly networks: ReadonlyMap<string, NetworkSpec>;
  readonly ports: ReadonlyMap<string, PortSpec>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroupSpec>;
}

export interface PortFirewall {
  /** Called after any change of ports, networks or security groups, with the whole desired state. */
  sync(model: DesiredModel, bridgeNamespace: string): Promise<void>;
  /** Everything it made goes (the bridge namespace is about to be deleted, or the cloud reset). */
  clear(bridgeNamespace: string): Promise<void>;
}

export interface MetadataProxy {
  /** The namespace (qdhcp-<network> or qrouter-<router>) is up with 169.254.169.254 routable: serve metadata there. */
  serve(namespace: string, kind: 'network' | 'router', id: string): Promise<void>;
  /** The namespace is going away. */
  stop(namespace: string): Promise<void>;
  close?(): Promise<void>;
}

export const noFirewall: PortFirewall = {
  async sync() {},
  async clear() {},
};

export const noMetadata: MetadataProxy = {
  async serve() {},
  async stop() {},
};
