// The fields of each resource that the dashboard reads, in the APIs' own names.

export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  'os-extended-volumes:volumes_attached'?: { id: string }[];
  image: { id: string } | '';
  flavor: { original_name?: string; vcpus?: number; ram?: number; disk?: number; id?: string };
  key_name: string | null;
  addresses: Record<
    string,
    { addr: string; version: number; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS-MAC:mac_addr'?: string }[]
  >;
  security_groups?: { name: string }[];
  metadata: Record<string, string>;
  created: string;
  fault?: { message: string; code: number };
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  swap?: number | string;
  'os-flavor-access:is_public'?: boolean;
}

export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  owner: string;
  protected: boolean;
  created_at: string;
  min_disk?: number;
  min_ram?: number;
}

export interface Keypair {
  name: string;
  fingerprint: string;
  type?: string;
  public_key: string;
  private_key?: string;
}

export interface Network {
  id: string;
  name: string;
  status: string;
  subnets: string[];
  shared: boolean;
  'router:external': boolean;
  admin_state_up: boolean;
  project_id: string;
  'provider:network_type'?: string;
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: { start: string; end: string }[];
  dns_nameservers: string[];
  project_id: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  status: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  admin_state_up: boolean;
  security_groups?: string[];
  project_id: string;
}

export interface Router {
  id: string;
  name: string;
  status: string;
  admin_state_up: boolean;
  project_id: string;
  external_gateway_info: {
    network_id: string;
    enable_snat?: boolean;
    external_fixed_ips?: { subnet_id: string; ip_address: string }[];
  } | null;
}

export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  fixed_ip_address: string | null;
  port_id: string | null;
  router_id: string | null;
  status: string;
  project_id: string;
  description?: string;
}

export interface SecurityGroupRule {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  project_id: string;
  security_group_rules: SecurityGroupRule[];
}

export interface Volume {
  id: string;
  name: string | null;
  description?: string | null;
  status: string;
  size: number;
  volume_type?: string | null;
  bootable: string;
  availability_zone?: string;
  attachments: { server_id: string; device?: string; attachment_id?: string }[];
  created_at: string;
  'os-vol-tenant-attr:tenant_id'?: string;
  snapshot_id?: string | null;
  source_volid?: string | null;
}

export interface VolumeSnapshot {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_id: string;
  created_at: string;
  description?: string | null;
  /** Cinder shows it to admins (microversion 3.0+ with the extended attributes). */
  'os-extended-snapshot-attributes:project_id'?: string;
}

export interface Backup {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_id: string;
  created_at: string;
  is_incremental?: boolean;
  description?: string | null;
}

export interface Stack {
  id: string;
  stack_name: string;
  stack_status: string;
  stack_status_reason?: string;
  creation_time: string;
  updated_time?: string | null;
  description?: string;
  project?: string;
  outputs?: { output_key: string; output_value: unknown; description?: string; output_error?: string }[];
  parameters?: Record<string, string>;
  links?: { href: string; rel: string }[];
}

export interface StackResource {
  resource_name: string;
  physical_resource_id: string;
  resource_type: string;
  resource_status: string;
  resource_status_reason?: string;
  updated_time: string;
}

export interface StackEvent {
  id: string;
  resource_name: string;
  logical_resource_id?: string;
  physical_resource_id?: string;
  resource_status: string;
  resource_status_reason?: string;
  event_time: string;
}

export const POWER_STATE: Record<number, string> = {
  0: 'No State',
  1: 'Running',
  3: 'Paused',
  4: 'Shut Down',
  6: 'Crashed',
  7: 'Suspended',
};
