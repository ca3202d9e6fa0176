import type { Generated, Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';

// Row types of Nova's tables (migrations.ts).

export interface FlavorRow {
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: number;
  disabled: number;
  description: string | null;
  extra_specs: string;
  created_at: string;
  updated_at: string | null;
}

export interface KeypairRow {
  id: number;
  user_id: string;
  name: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

export interface InstanceRow {
  id: number;
  uuid: string;
  project_id: string;
  user_id: string;
  display_name: string;
  display_description: string | null;
  hostname: string;
  reservation_id: string;
  launch_index: number;
  image_ref: string;
  /** The flavor as it was at boot (JSON of EmbeddedFlavor): deleting the flavor leaves servers whole. */
  flavor: string;
  flavorid: string;
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  config_drive: string;
  availability_zone: string | null;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  node: string | null;
  launched_at: string | null;
  terminated_at: string | null;
  locked: number;
  locked_by: string | null;
  locked_reason: string | null;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  progress: number;
  metadata: string;
  /** Internal bookkeeping (old/new flavor of a resize, rescue state, admin password). */
  system_metadata: string;
  /** Names of the security groups requested at boot for the ports Nova creates. */
  security_groups: string;
  requested_networks: string;
  server_group_id: string | null;
  fault: string | null;
  root_device_name: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  deleted: number;
}

export interface InstancePortRow {
  instance_uuid: string;
  port_id: string;
  network_id: string;
  created_by_nova: number;
  tag: string | null;
  position: number;
}

export interface BdmRow {
  id: number;
  uuid: string;
  instance_uuid: string;
  source_type: string;
  destination_type: string;
  volume_id: string | null;
  image_id: string | null;
  snapshot_id: string | null;
  device_name: string | null;
  boot_index: number | null;
  volume_size: number | null;
  volume_type: string | null;
  delete_on_termination: number;
  tag: string | null;
  attachment_id: string | null;
  created_at: string;
}

export interface InstanceActionRow {
  id: number;
  instance_uuid: string;
  action: string;
  request_id: string;
  user_id: string;
  project_id: string;
  start_time: string;
  finish_time: string | null;
  message: string | null;
  updated_at: string;
  events: string;
}

export interface ServerGroupRow {
  uuid: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: string;
  rules: string;
  created_at: string;
}

export interface ServiceRow {
  id: number;
  uuid: string;
  binary: string;
  host: string;
  zone: string;
  disabled: number;
  disabled_reason: string | null;
  forced_down: number;
  created_at: string;
  updated_at: string | null;
}

/** A table whose integer id the database assigns. */
type AutoId<R extends { id: number }> = Omit<R, 'id'> & { id: Generated<number> };

export interface AggregateRow {
  id: number;
  uuid: string;
  name: string;
  metadata: string;
  created_at: string;
  updated_at: string | null;
}

export interface ComputeTables {
  nova_aggregates: AutoId<AggregateRow>;
  nova_aggregate_hosts: { aggregate_id: number; host: string };
  nova_flavors: FlavorRow;
  nova_flavor_projects: { flavorid: string; project_id: string };
  nova_keypairs: AutoId<KeypairRow>;
  nova_instances: AutoId<InstanceRow>;
  nova_instance_tags: { instance_uuid: string; tag: string };
  nova_instance_ports: InstancePortRow;
  nova_bdms: AutoId<BdmRow>;
  nova_instance_actions: AutoId<InstanceActionRow>;
  nova_quotas: { project_id: string; user_id: string; resource: string; hard_limit: number };
  nova_quota_classes: { class_name: string; resource: string; hard_limit: number };
  nova_server_groups: ServerGroupRow;
  nova_services: AutoId<ServiceRow>;
  nova_console_tokens: { token_hash: string; instance_uuid: string; console_type: string; expires_at: string };
}

export type ComputeDb = Kysely<ComputeTables>;

/** The store, typed with Nova's tables. */
export function cdb(cloud: Cloud): ComputeDb {
  return cloud.db as ComputeDb;
}
