// The seam between Neutron's API state and a data plane. The network service
// records the desired state in the store and then asks the driver to make the
// data plane match it, one resource at a time, from a durable task
// (services/network/sync.ts). Every method is idempotent and is described by
// its postcondition: after `ensureX(spec)` resolves, the data plane carries X
// exactly as `spec` says (created or changed); after `removeX(id)` resolves,
// nothing of X is left. A method that throws is retried with backoff.

export interface SubnetSpec {
  id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: { start: string; end: string }[];
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
}

/** An L2 segment with its subnets (what DHCP serves on it). */
export interface NetworkSpec {
  id: string;
  name: string;
  mtu: number;
  admin_state_up: boolean;
  external: boolean;
  /**
   * The address (CIDR form, e.g. 172.24.4.1/24) the host itself takes on this
   * network, as DevStack's br-ex does on `public`: set only on the external
   * network of the cloud's floating range.
   */
  host_address?: string | null;
  subnets: SubnetSpec[];
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface SecurityGroupRuleSpec {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface SecurityGroupSpec {
  id: string;
  stateful: boolean;
  rules: SecurityGroupRuleSpec[];
}

/** A virtual interface on a network: what a VM tap or a router leg is plugged into. */
export interface PortSpec {
  id: string;
  network_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  host: string;
  port_security_enabled: boolean;
  security_group_ids: string[];
  allowed_address_pairs: { ip_address: string; mac_address: string }[];
}

export interface RouterInterfaceSpec {
  port_id: string;
  network_id: string;
  subnet_id: string;
  ip_address: string;
  cidr: string;
  mac_address: string;
}

/** A router: its legs, its gateway (with SNAT), its static routes and its floating IPs (DNAT). */
export interface RouterSpec {
  id: string;
  admin_state_up: boolean;
  gateway: {
    network_id: string;
    port_id: string;
    mac_address: string;
    fixed_ips: FixedIp[];
    enable_snat: boolean;
  } | null;
  interfaces: RouterInterfaceSpec[];
  routes: { destination: string; nexthop: string }[];
  floating_ips: { id: string; floating_ip_address: string; fixed_ip_address: string; port_id: string }[];
  /** Traffic to count (metering labels of the router's project). */
  metering: {
    label_id: string;
    rules: { direction: 'ingress' | 'egress'; remote_ip_prefix: string | null; excluded: boolean }[];
  }[];
}

/** Everything the data plane should carry, handed over whole at start (see `reconcile`). */
export interface DesiredState {
  networks: NetworkSpec[];
  ports: PortSpec[];
  routers: RouterSpec[];
  securityGroups: SecurityGroupSpec[];
}

export interface NetworkDriver {
  readonly name: string;
  /**
   * Whether DHCP is served from a `network:dhcp` port of each network with a
   * DHCP subnet, which the network service then makes and keeps, as
   * Neutron's DHCP agent does (the fake serves nothing, so has none).
   */
  readonly dhcpPorts?: boolean;
  /**
   * Called once at start with the whole desired state: afterwards the data
   * plane carries exactly that, and nothing of this cloud that has no record
   * (left by a crash or a deleted resource) remains. It may finish its host
   * work in the background; later ensure/remove calls apply after it.
   */
  reconcile?(state: DesiredState): Promise<void>;
  /** Stops background work (watchdogs); what runs on the host stays. */
  close?(): Promise<void>;
  ensureNetwork(spec: NetworkSpec): Promise<void>;
  removeNetwork(id: string): Promise<void>;
  ensurePort(spec: PortSpec): Promise<void>;
  removePort(id: string): Promise<void>;
  ensureRouter(spec: RouterSpec): Promise<void>;
  removeRouter(id: string): Promise<void>;
  ensureSecurityGroup(spec: SecurityGroupSpec): Promise<void>;
  removeSecurityGroup(id: string): Promise<void>;
}

export type NetworkResourceKind = 'network' | 'port' | 'router' | 'security_group';
