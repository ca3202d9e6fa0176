import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import {
  backupNotFound,
  invalidBackup,
  invalidInput,
  invalidSnapshot,
  invalidVolume,
  snapshotNotFound,
  volumeNotFound,
} from './errors.js';
import { groupForVolume } from './groups.js';
import { findImage, type SourceImage } from './image-source.js';
import { type Caller, canSee } from './policy.js';
import { checkQuota } from './quotas.js';
import { checkTransition } from './states.js';
import { groupDicts, type SnapshotRow, type VolumeDb, type VolumeRow, type VolumeTrx, vdb } from './store.js';
import { canUseType, defaultType, getType, specIsTrue, typeNameNotFound, typeNames, type VolumeType } from './types.js';
import type { VolumeRecord } from './views.js';

type Db = VolumeDb | VolumeTrx;

/** The one availability zone, named as DevStack names it. */
export const AVAILABILITY_ZONE = 'nova';

/** Where a new volume's bytes come from; the create task reads it. */
export type VolumeSource =
  | { type: 'empty' }
  | { type: 'volume'; id: string }
  | { type: 'snapshot'; id: string }
  | { type: 'image'; id: string }
  | { type: 'backup'; id: string };

/** A volume the caller may see, or Cinder's 404. */
export async function visibleVolume(db: Db, caller: Caller, id: string): Promise<VolumeRow> {
  const v = await db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!v || !canSee(caller, v.project_id)) throw volumeNotFound(id);
  return v;
}

export async function visibleSnapshot(db: Db, caller: Caller, id: string): Promise<SnapshotRow> {
  const s = await db.selectFrom('volume_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s || !canSee(caller, s.project_id)) throw snapshotNotFound(id);
  return s;
}

/** Everything the views need for a page of volumes, in four queries whatever the page size. */
export async function loadRecords(db: Db, rows: VolumeRow[]): Promise<VolumeRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [meta, admin, image, attachments, names] = await Promise.all([
    db.selectFrom('volume_metadata').selectAll().where('volume_id', 'in', ids).execute(),
    db.selectFrom('volume_admin_metadata').selectAll().where('volume_id', 'in', ids).execute(),
    db.selectFrom('volume_image_metadata').selectAll().where('volume_id', 'in', ids).execute(),
    db.selectFrom('volume_attachments').selectAll().where('volume_id', 'in', ids).orderBy('created_at').execute(),
    typeNames(
      db,
      rows.map((r) => r.volume_type_id),
    ),
  ]);
  const metaBy = groupDicts(meta, (r) => r.volume_id);
  const adminBy = groupDicts(admin, (r) => r.volume_id);
  const imageBy = groupDicts(image, (r) => r.volume_id);
  return rows.map((row) => ({
    row,
    typeName: names.get(row.volume_type_id) ?? null,
    // Cinder shows the admin keys readonly and attached_mode among the metadata
    metadata: { ...metaBy.get(row.id), ...visibleAdmin(adminBy.get(row.id)) },
    adminMetadata: adminBy.get(row.id) ?? {},
    imageMetadata: imageBy.get(row.id) ?? {},
    attachments: attachments.filter((a) => a.volume_id === row.id),
  }));
}

function visibleAdmin(admin: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (admin?.readonly !== undefined) out.readonly = admin.readonly;
  if (admin?.attached_mode !== undefined) out.attached_mode = admin.attached_mode;
  return out;
}

export async function loadRecord(db: Db, row: VolumeRow): Promise<VolumeRecord> {
  return (await loadRecords(db, [row]))[0];
}

export interface CreateVolumeInput {
  size?: number;
  name?: string | null;
  description?: string | null;
  volumeType?: string;
  availabilityZone?: string | null;
  metadata?: Record<string, string>;
  snapshotId?: string;
  sourceVolid?: string;
  imageId?: string;
  backupId?: string;
  groupId?: string;
}

/**
 * Records a new volume in status `creating` and queues the work that fills
 * it, in one transaction; answers what Cinder's create answers. All checks
 * (sources, sizes, type, zone, quota) happen before anything is written.
 */
export async function createVolume(cloud: Cloud, caller: Caller, input: CreateVolumeInput): Promise<VolumeRecord> {
  // the image lives in another service: look it up before the transaction
  const image = input.imageId ? await findImage(cloud, caller, input.imageId) : undefined;
  return vdb(cloud)
    .transaction()
    .execute((trx) => recordVolume(cloud, trx, caller, input, image));
}

/** createVolume inside the caller's transaction (groups made from a source make many at once). */
export async function recordVolume(
  cloud: Cloud,
  trx: VolumeTrx,
  caller: Caller,
  input: CreateVolumeInput,
  image?: SourceImage,
): Promise<VolumeRecord> {
  let source: VolumeSource = { type: 'empty' };
  let size = input.size;
  let type: VolumeType | undefined;
  let bootable = 0;
  let imageMetadata: Record<string, string> = {};
  if (input.volumeType) {
    type = await getType(trx, input.volumeType);
    if (!(await canUseType(trx, caller, type))) throw typeNameNotFound(input.volumeType);
  }
  if (input.snapshotId) {
    const snap = await visibleSnapshot(trx, caller, input.snapshotId);
    if (snap.status !== 'available')
      throw invalidSnapshot("Originating snapshot status must be one of 'available' values");
    size ??= snap.size;
    if (size < snap.size)
      throw invalidInput(
        `Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`,
      );
    type ??= await getType(trx, snap.volume_type_id);
    const parent = await trx
      .selectFrom('volumes')
      .select('bootable')
      .where('id', '=', snap.volume_id)
      .executeTakeFirst();
    bootable = parent?.bootable ?? 0;
    imageMetadata = await imageMetadataOf(trx, snap.volume_id);
    source = { type: 'snapshot', id: snap.id };
  } else if (input.sourceVolid) {
    const src = await visibleVolume(trx, caller, input.sourceVolid);
    if (src.status !== 'available' && src.status !== 'in-use')
      throw invalidVolume("Originating volume status must be one of 'available, in-use' values");
    size ??= src.size;
    if (size < src.size)
      throw invalidInput(
        `Volume size '${size}'GB cannot be smaller than original volume size  ${src.size}GB. They must be >= original volume size.`,
      );
    type ??= await getType(trx, src.volume_type_id);
    bootable = src.bootable;
    imageMetadata = await imageMetadataOf(trx, src.id);
    source = { type: 'volume', id: src.id };
  } else if (image) {
    if (size === undefined) throw invalidInput(`Volume size 'None' must be an integer and greater than 0`);
    checkImageFits(image, size);
    bootable = 1;
    imageMetadata = image.metadata;
    source = { type: 'image', id: image.id };
  } else if (input.backupId) {
    const backup = await trx
      .selectFrom('volume_backups')
      .selectAll()
      .where('id', '=', input.backupId)
      .executeTakeFirst();
    if (!backup || !canSee(caller, backup.project_id)) throw backupNotFound(input.backupId);
    if (backup.status !== 'available') throw invalidBackup('Backup status must be available');
    size ??= backup.size;
    if (size < backup.size)
      throw invalidInput(
        `Volume size ${size}GB cannot be smaller than the backup size ${backup.size}GB. It must be >= backup size.`,
      );
    source = { type: 'backup', id: backup.id };
  }
  if (size === undefined) throw invalidInput(`Volume size 'None' must be an integer and greater than 0`);
  type ??= await defaultType(trx);
  if (
    await trx
      .selectFrom('volume_type_encryption')
      .select('volume_type_id')
      .where('volume_type_id', '=', type.id)
      .executeTakeFirst()
  )
    throw new BadRequest(
      `Invalid volume type: volumes of the encrypted type ${type.name} cannot be made: pocketstack has no key manager.`,
    );
  const group = input.groupId ? await groupForVolume(trx, caller, input.groupId, type.id) : undefined;
  const az = input.availabilityZone ?? AVAILABILITY_ZONE;
  if (az !== AVAILABILITY_ZONE) throw new BadRequest(`Availability zone '${az}' is invalid.`);
  await checkQuota(trx, caller.projectId, { resource: 'volumes', typeName: type.name, count: 1, gigabytes: size });

  const row: VolumeRow = {
    id: uuid(),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: input.name ?? null,
    description: input.description ?? null,
    size,
    status: 'creating',
    availability_zone: az,
    volume_type_id: type.id,
    snapshot_id: source.type === 'snapshot' ? source.id : null,
    source_volid: source.type === 'volume' ? source.id : null,
    image_id: source.type === 'image' ? source.id : null,
    backup_id: source.type === 'backup' ? source.id : null,
    bootable: 0,
    multiattach: specIsTrue(type.extra_specs.multiattach) ? 1 : 0,
    migration_status: null,
    host: null,
    previous_status: null,
    fault: null,
    group_id: group?.id ?? null,
    created_at: now(),
    updated_at: null,
  };
  await trx.insertInto('volumes').values(row).execute();
  await putDict(trx, 'volume_metadata', row.id, input.metadata ?? {});
  await cloud.tasks.enqueue('volume.create', row.id, { source, bootable, imageMetadata }, trx);
  return loadRecord(trx, row);
}

const GiB = 1024 ** 3;

/** Cinder's API-side image checks (cinder/volume/flows/api/create_volume.py _check_image_metadata). */
export function checkImageFits(image: SourceImage, size: number): void {
  if (image.status !== 'active') throw invalidInput(`Image ${image.id} is not active.`);
  const imageGb = Math.ceil(image.size / GiB);
  if (imageGb > size) throw invalidInput(`Size of specified image ${imageGb}GB is larger than volume size ${size}GB.`);
  if (image.min_disk > size)
    throw invalidInput(`Volume size ${size}GB cannot be smaller than the image minDisk size ${image.min_disk}GB.`);
}

/** A volume's volume_image_metadata as an object. */
export async function imageMetadataOf(db: Db, volumeId: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('volume_image_metadata')
    .select(['key', 'value'])
    .where('volume_id', '=', volumeId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

type DictTable = 'volume_metadata' | 'volume_image_metadata' | 'volume_admin_metadata';

/** Adds or replaces keys of a volume's metadata (or image metadata). */
export async function putDict(
  trx: Db,
  table: DictTable,
  volumeId: string,
  dict: Record<string, string>,
): Promise<void> {
  const entries = Object.entries(dict);
  if (entries.length === 0) return;
  await trx
    .insertInto(table)
    .values(entries.map(([key, value]) => ({ volume_id: volumeId, key, value })))
    .onConflict((oc) => oc.columns(['volume_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute();
}

/** Replaces a volume's metadata (or image metadata) whole. */
export async function replaceDict(
  trx: Db,
  table: DictTable,
  volumeId: string,
  dict: Record<string, string>,
): Promise<void> {
  await trx.deleteFrom(table).where('volume_id', '=', volumeId).execute();
  await putDict(trx, table, volumeId, dict);
}

export interface DeleteOptions {
  cascade?: boolean;
  force?: boolean;
}

/**
 * Starts deleting a volume: refused (400) while attached, with snapshots
 * (unless cascade) or in a busy status (unless force, admin only).
 */
export async function deleteVolume(cloud: Cloud, caller: Caller, id: string, opts: DeleteOptions = {}): Promise<void> {
  await vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const v = await visibleVolume(trx, caller, id);
      const attached = await trx
        .selectFrom('volume_attachments')
        .select('id')
        .where('volume_id', '=', id)
        .where('attach_status', '=', 'attached')
        .executeTakeFirst();
      const snaps = await trx
        .selectFrom('volume_snapshots')
        .select(['id', 'status'])
        .where('volume_id', '=', id)
        .execute();
      const refuse = () =>
        invalidVolume(
          opts.force
            ? 'Volume must not be migrating, attached, belong to a group or have snapshots.'
            : 'Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
        );
      if (attached || v.migration_status || v.group_id) throw refuse();
      if (snaps.length > 0) {
        if (!opts.cascade) throw refuse();
        if (!opts.force && snaps.some((s) => !['available', 'error', 'deleting'].includes(s.status))) throw refuse();
      }
      if (opts.force) {
        if (v.status === 'deleting') return;
      } else {
        try {
          checkTransition('delete', v);
        } catch {
          throw refuse();
        }
      }
      const at = now();
      await trx.updateTable('volumes').set({ status: 'deleting', updated_at: at }).where('id', '=', id).execute();
      // detached-but-recorded attachments (reserved ones) go with the volume
      await trx.deleteFrom('volume_attachments').where('volume_id', '=', id).execute();
      for (const s of snaps) {
        if (s.status !== 'deleting') {
          await trx
            .updateTable('volume_snapshots')
            .set({ status: 'deleting', updated_at: at })
            .where('id', '=', s.id)
            .execute();
          await cloud.tasks.enqueue('snapshot.delete', s.id, {}, trx);
        }
      }
      await cloud.tasks.enqueue('volume.delete', id, {}, trx);
    });
}
