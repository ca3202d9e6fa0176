import type { Kysely, Transaction } from 'kysely';
import type { Cloud } from '../../cloud.js';

export interface VolumeRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  availability_zone: string;
  volume_type_id: string;
  snapshot_id: string | null;
  source_volid: string | null;
  image_id: string | null;
  backup_id: string | null;
  bootable: number;
  multiattach: number;
  migration_status: string | null;
  host: string | null;
  previous_status: string | null;
  fault: string | null;
  /** The generic volume group the volume belongs to (3.13). */
  group_id?: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface KeyValueRow {
  key: string;
  value: string;
}

export interface AttachmentRow {
  id: string;
  volume_id: string;
  instance_uuid: string | null;
  attached_host: string | null;
  mountpoint: string | null;
  attach_mode: string;
  /** reserved, attaching, attached, detaching, detached (Cinder's VolumeAttachStatus). */
  attach_status: string;
  connector: string | null;
  attach_time: string | null;
  detach_time: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface SnapshotRow {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  volume_type_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  progress: string;
  fault: string | null;
  /** The group snapshot that made this snapshot (3.14). */
  group_snapshot_id?: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface BackupRow {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  snapshot_id: string | null;
  parent_id: string | null;
  name: string | null;
  description: string | null;
  status: string;
  size: number;
  object_count: number;
  container: string | null;
  availability_zone: string | null;
  is_incremental: number;
  fail_reason: string | null;
  data_timestamp: string;
  restore_volume_id: string | null;
  /** Whose directory holds the data (its own id, or the original's for an imported record). */
  data_id: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface TransferRow {
  id: string;
  volume_id: string;
  name: string | null;
  salt: string;
  crypt_hash: string;
  source_project_id: string;
  destination_project_id: string | null;
  accepted: number;
  no_snapshots: number;
  created_at: string;
}

export interface VolumeTypeRow {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  qos_specs_id: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeTables {
  volumes: VolumeRow;
  volume_metadata: KeyValueRow & { volume_id: string };
  volume_image_metadata: KeyValueRow & { volume_id: string };
  volume_admin_metadata: KeyValueRow & { volume_id: string };
  volume_attachments: AttachmentRow;
  volume_snapshots: SnapshotRow;
  volume_snapshot_metadata: KeyValueRow & { snapshot_id: string };
  volume_backups: BackupRow;
  volume_backup_metadata: KeyValueRow & { backup_id: string };
  volume_types: VolumeTypeRow;
  volume_type_extra_specs: KeyValueRow & { volume_type_id: string };
  volume_type_projects: { volume_type_id: string; project_id: string };
  volume_services: {
    binary: string;
    host: string;
    disabled: number;
    disabled_reason: string | null;
    frozen: number;
    updated_at: string | null;
  };
  volume_qos_specs: {
    id: string;
    name: string;
    consumer: string;
    specs: string;
    created_at: string;
    updated_at: string | null;
  };
  volume_transfers: TransferRow;
  volume_type_encryption: {
    volume_type_id: string;
    encryption_id: string;
    provider: string;
    cipher: string | null;
    key_size: number | null;
    control_location: string;
    created_at: string;
    updated_at: string | null;
  };
  volume_messages: MessageRow;
  volume_group_types: GroupTypeRow;
  volume_group_type_specs: KeyValueRow & { group_type_id: string };
  volume_groups: GroupRow;
  volume_group_volume_types: { group_id: string; volume_type_id: string };
  volume_group_snapshots: GroupSnapshotRow;
  volume_quotas: { project_id: string; resource: string; hard_limit: number };
  tasks: { id: number; kind: string; resource_id: string };
}

export interface GroupTypeRow {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  created_at: string;
  updated_at: string | null;
}

export interface GroupRow {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  status: string;
  availability_zone: string;
  group_type_id: string;
  group_snapshot_id: string | null;
  source_group_id: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface GroupSnapshotRow {
  id: string;
  project_id: string;
  user_id: string;
  group_id: string;
  group_type_id: string;
  name: string | null;
  description: string | null;
  status: string;
  created_at: string;
  updated_at: string | null;
}

/** A user message (messages.ts). */
export interface MessageRow {
  id: string;
  project_id: string;
  request_id: string;
  resource_type: string;
  resource_uuid: string | null;
  event_id: string;
  message_level: string;
  user_message: string;
  created_at: string;
  expires_at: string;
}

export type VolumeDb = Kysely<VolumeTables>;
export type VolumeTrx = Transaction<VolumeTables>;

/** The store, typed with the volume service's tables. */
export function vdb(cloud: Cloud): VolumeDb {
  return cloud.db as unknown as VolumeDb;
}

/** key/value rows as an object. */
export function toDict(rows: KeyValueRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) out[r.key] = r.value;
  return out;
}

/** Groups key/value rows of many owners by owner id (one query for a whole page, no N+1). */
export function groupDicts<R extends KeyValueRow>(
  rows: R[],
  owner: (r: R) => string,
): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) {
    let d = out.get(owner(r));
    if (!d) out.set(owner(r), (d = {}));
    d[r.key] = r.value;
  }
  return out;
}
