import { createHash } from 'node:crypto';
import type { Cloud } from '../../cloud.js';
import { type BackupManifest, backupStore } from '../../drivers/volume/backup-store.js';
import { type Chunk, type DiskRef, volumeDriver } from '../../drivers/volume/index.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { backupNotFound, invalidBackup, invalidSnapshot, invalidVolume } from './errors.js';
import { type Caller, canSee } from './policy.js';
import { checkQuota } from './quotas.js';
import { type BackupRow, type VolumeRow, vdb } from './store.js';
import { setBackupRestorer } from './tasks.js';
import { defaultType } from './types.js';
import { AVAILABILITY_ZONE, putDict, visibleSnapshot, visibleVolume } from './volumes.js';

// Chunked backups: a backup reads its disk in CHUNK-sized pieces, hashes
// each, and appends to its data file only the chunks that are not zero and
// (for an incremental) differ from the parent's; the manifest says, per
// chunk, which backup's data file holds its bytes and where. Restores verify
// every chunk's sha256. 64 KiB chunks keep an incremental after scattered
// small writes close to the bytes that changed.

export const CHUNK = 64 * 1024;

/** The directory a backup's data is in. */
export const dataOf = (b: { id: string; data_id: string | null }) => b.data_id ?? b.id;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function visibleBackup(cloud: Cloud, caller: Caller, id: string): Promise<BackupRow> {
  const b = await vdb(cloud).selectFrom('volume_backups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!b || !canSee(caller, b.project_id)) throw backupNotFound(id);
  return b;
}

export interface CreateBackupInput {
  volumeId: string;
  name?: string | null;
  description?: string | null;
  incremental: boolean;
  force: boolean;
  snapshotId?: string;
  container?: string | null;
  metadata?: Record<string, string>;
}

/** Records a backup in `creating` (the volume goes `backing-up`) and queues the copy. */
export async function createBackup(cloud: Cloud, caller: Caller, input: CreateBackupInput): Promise<BackupRow> {
  return vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const v = await visibleVolume(trx, caller, input.volumeId);
      let dataTimestamp = now();
      if (input.snapshotId) {
        const s = await visibleSnapshot(trx, caller, input.snapshotId);
        if (s.volume_id !== v.id)
          throw invalidVolume(`Volume ${v.id} does not match with snapshot.volume_id ${s.volume_id}.`);
        if (s.status !== 'available')
          throw invalidSnapshot(`Snapshot to be backed up must be available, but the current status is "${s.status}".`);
        dataTimestamp = s.created_at;
      } else if (v.status !== 'available' && v.status !== 'in-use') {
        throw invalidVolume(
          `Volume to be backed up must be available or in-use, but the current status is "${v.status}".`,
        );
      } else if (v.status === 'in-use' && !input.force) {
        throw invalidVolume('Backing up an in-use volume must use the force flag.');
      }
      await checkQuota(trx, caller.projectId, { resource: 'backups', count: 1, gigabytes: v.size });
      let parentId: string | null = null;
      if (input.incremental) {
        let q = trx
          .selectFrom('volume_backups')
          .selectAll()
          .where('volume_id', '=', v.id)
          .where('project_id', '=', caller.projectId)
          .where('status', '=', 'available');
        // from a snapshot, the parent must hold older data than the snapshot
        if (input.snapshotId) q = q.where('data_timestamp', '<', dataTimestamp);
        const parent = await q.orderBy('data_timestamp', 'desc').orderBy('created_at', 'desc').executeTakeFirst();
        if (!parent) throw invalidBackup('No backups available to do an incremental backup.');
        parentId = parent.id;
      }
      const at = now();
      const row: BackupRow = {
        id: uuid(),
        project_id: caller.projectId,
        user_id: caller.userId,
        volume_id: v.id,
        snapshot_id: input.snapshotId ?? null,
        parent_id: parentId,
        name: input.name ?? null,
        description: input.description ?? null,
        status: 'creating',
        size: v.size,
        object_count: 0,
        container: input.container ?? null,
        availability_zone: AVAILABILITY_ZONE,
        is_incremental: parentId ? 1 : 0,
        fail_reason: null,
        data_timestamp: dataTimestamp,
        restore_volume_id: null,
        data_id: null,
        created_at: at,
        updated_at: at,
      };
      await trx.insertInto('volume_backups').values(row).execute();
      const meta = Object.entries(input.metadata ?? {});
      if (meta.length > 0)
        await trx
          .insertInto('volume_backup_metadata')
          .values(meta.map(([key, value]) => ({ backup_id: row.id, key, value })))
          .execute();
      if (input.snapshotId)
        await trx
          .updateTable('volume_snapshots')
          .set({ status: 'backing-up', updated_at: at })
          .where('id', '=', input.snapshotId)
          .execute();
      else
        await trx
          .updateTable('volumes')
          .set({ status: 'backing-up', previous_status: v.status, updated_at: at })
          .where('id', '=', v.id)
          .execute();
      await cloud.tasks.enqueue('backup.create', row.id, {}, trx);
      return row;
    });
}

/** Starts deleting a backup: available or error only (any status with force), never while an incremental depends on it. */
export async function deleteBackup(cloud: Cloud, caller: Caller, id: string, force = false): Promise<void> {
  await vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const b = await trx.selectFrom('volume_backups').selectAll().where('id', '=', id).executeTakeFirst();
      if (!b || !canSee(caller, b.project_id)) throw backupNotFound(id);
      if (!force && b.status !== 'available' && b.status !== 'error')
        throw invalidBackup('Backup status must be available or error');
      const child = await trx.selectFrom('volume_backups').select('id').where('parent_id', '=', id).executeTakeFirst();
      if (child) throw invalidBackup('Incremental backups exist for this backup.');
      await trx
        .updateTable('volume_backups')
        .set({ status: 'deleting', updated_at: now() })
        .where('id', '=', id)
        .execute();
      await cloud.tasks.enqueue('backup.delete', id, {}, trx);
    });
}

/**
 * Restores a backup into the given volume (available, at least as large) or
 * into a new one named restore_backup_<id>; answers what Cinder's restore
 * answers.
 */
export async function restoreBackup(
  cloud: Cloud,
  caller: Caller,
  id: string,
  opts: { volumeId?: string; name?: string | null },
): Promise<{ backup_id: string; volume_id: string; volume_name: string | null }> {
  return vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const b = await trx.selectFrom('volume_backups').selectAll().where('id', '=', id).executeTakeFirst();
      if (!b || !canSee(caller, b.project_id)) throw backupNotFound(id);
      if (b.status !== 'available') throw invalidBackup('Backup status must be available');
      let v: VolumeRow;
      const at = now();
      if (opts.volumeId) {
        v = await visibleVolume(trx, caller, opts.volumeId);
        if (v.status !== 'available') throw invalidVolume('Volume to be restored to must be available');
        if (b.size > v.size)
          throw invalidVolume(`volume size ${v.size} is too small to restore backup of size ${b.size}.`);
        await trx
          .updateTable('volumes')
          .set({ status: 'restoring-backup', updated_at: at })
          .where('id', '=', v.id)
          .execute();
      } else {
        const src = await trx
          .selectFrom('volumes')
          .select('volume_type_id')
          .where('id', '=', b.volume_id)
          .executeTakeFirst();
        const type =
          (src &&
            (await trx
              .selectFrom('volume_types')
              .selectAll()
              .where('id', '=', src.volume_type_id)
              .executeTakeFirst())) ||
          (await defaultType(trx));
        await checkQuota(trx, caller.projectId, {
          resource: 'volumes',
          typeName: type.name,
          count: 1,
          gigabytes: b.size,
        });
        v = {
          id: uuid(),
          project_id: caller.projectId,
          user_id: caller.userId,
          name: opts.name ?? `restore_backup_${id}`,
          description: 'auto-created_from_restore_from_backup',
          size: b.size,
          status: 'restoring-backup',
          availability_zone: AVAILABILITY_ZONE,
          volume_type_id: type.id,
          snapshot_id: null,
          source_volid: null,
          image_id: null,
          backup_id: null,
          bootable: 0,
          multiattach: 0,
          migration_status: null,
          host: 'pocketstack@lvmdriver-1#lvmdriver-1',
          previous_status: null,
          fault: null,
          created_at: at,
          updated_at: at,
        };
        await trx.insertInto('volumes').values(v).execute();
      }
      await trx
        .updateTable('volume_backups')
        .set({ status: 'restoring', restore_volume_id: v.id, updated_at: at })
        .where('id', '=', id)
        .execute();
      await cloud.tasks.enqueue('backup.restore', id, { volumeId: v.id }, trx);
      return { backup_id: id, volume_id: v.id, volume_name: v.name };
    });
}

/** The chunks of a backup, read from the backups that hold them and checked against their hashes. */
async function* backupChunks(cloud: Cloud, m: BackupManifest): AsyncIterable<Chunk> {
  const reader = backupStore(cloud.config).reader();
  try {
    for (let index = 0; index < m.chunks.length; index++) {
      const c = m.chunks[index];
      if (!c) continue;
      const [hash, owner, offset, length] = c;
      const data = await reader.read(owner, offset, length);
      if (sha256(data) !== hash)
        throw new Error(`backup chunk ${index} held by backup ${owner} is corrupt (sha256 mismatch)`);
      yield { index, data };
    }
  } finally {
    await reader.close();
  }
}

/** Writes a backup's bytes into a disk (whole, replacing it); the new-volume-from-backup path uses it too. */
async function restoreInto(cloud: Cloud, backupId: string, dst: DiskRef, sizeGb: number): Promise<BackupManifest> {
  const b = await vdb(cloud)
    .selectFrom('volume_backups')
    .select(['id', 'data_id'])
    .where('id', '=', backupId)
    .executeTakeFirstOrThrow();
  const m = await backupStore(cloud.config).readManifest(dataOf(b));
  await volumeDriver(cloud.config).writeChunks(dst, sizeGb, m.chunkSize, backupChunks(cloud, m));
  return m;
}

export function registerBackupTasks(cloud: Cloud): void {
  const db = vdb(cloud);
  const driver = volumeDriver(cloud.config);
  const store = backupStore(cloud.config);

  setBackupRestorer(async (c, backupId, dst, sizeGb) => {
    await restoreInto(c, backupId, dst, sizeGb);
  });

  /** Puts the source volume (or snapshot) back to where it was before the backup. */
  const releaseSource = async (b: BackupRow) => {
    if (b.snapshot_id)
      await db
        .updateTable('volume_snapshots')
        .set({ status: 'available' })
        .where('id', '=', b.snapshot_id)
        .where('status', '=', 'backing-up')
        .execute();
    else {
      const v = await db
        .selectFrom('volumes')
        .select('previous_status')
        .where('id', '=', b.volume_id)
        .executeTakeFirst();
      await db
        .updateTable('volumes')
        .set({ status: v?.previous_status ?? 'available', previous_status: null, updated_at: now() })
        .where('id', '=', b.volume_id)
        .where('status', '=', 'backing-up')
        .execute();
    }
  };

  cloud.tasks.register('backup.create', {
    async run({ resourceId }) {
      const b = await db.selectFrom('volume_backups').selectAll().where('id', '=', resourceId).executeTakeFirst();
      if (b?.status !== 'creating') return;
      const parentRow = b.parent_id
        ? await db
            .selectFrom('volume_backups')
            .select(['id', 'data_id'])
            .where('id', '=', b.parent_id)
            .executeTakeFirst()
        : undefined;
      const parent = parentRow ? await store.readManifest(dataOf(parentRow)) : undefined;
      const src: DiskRef = b.snapshot_id
        ? { kind: 'snapshot', id: b.snapshot_id }
        : { kind: 'volume', id: b.volume_id };
      await store.remove(b.id); // a rerun starts clean
      const chunks: BackupManifest['chunks'] = [];
      const out = await store.writer(b.id);
      let stored = 0;
      try {
        for await (const c of driver.readChunks(src, CHUNK)) {
          if (!c.data) {
            chunks[c.index] = null;
            continue;
          }
          const hash = sha256(c.data);
          const prev = parent?.chunks[c.index];
          if (prev && prev[0] === hash) {
            chunks[c.index] = prev;
            continue;
          }
          chunks[c.index] = [hash, b.id, await out.append(c.data), c.data.length];
          stored++;
        }
      } finally {
        await out.close();
      }
      const v = await db.selectFrom('volumes').select('bootable').where('id', '=', b.volume_id).executeTakeFirst();
      const image = await db
        .selectFrom('volume_image_metadata')
        .select(['key', 'value'])
        .where('volume_id', '=', b.volume_id)
        .execute();
      const meta = await db
        .selectFrom('volume_metadata')
        .select(['key', 'value'])
        .where('volume_id', '=', b.volume_id)
        .execute();
      await store.writeManifest(b.id, {
        version: 2,
        chunkSize: CHUNK,
        size: b.size * 1024 ** 3,
        chunks,
        volume: {
          bootable: v?.bootable ?? 0,
          imageMetadata: Object.fromEntries(image.map((r) => [r.key, r.value])),
          metadata: Object.fromEntries(meta.map((r) => [r.key, r.value])),
        },
      });
      await db
        .updateTable('volume_backups')
        .set({ status: 'available', object_count: stored, container: b.container ?? 'backups', updated_at: now() })
        .where('id', '=', b.id)
        .where('status', '=', 'creating')
        .execute();
      await releaseSource(b);
    },
    async failed({ resourceId }, err) {
      const b = await db.selectFrom('volume_backups').selectAll().where('id', '=', resourceId).executeTakeFirst();
      if (!b) return;
      await store.remove(b.id);
      await db
        .updateTable('volume_backups')
        .set({ status: 'error', fail_reason: err.message, updated_at: now() })
        .where('id', '=', b.id)
        .execute();
      await releaseSource(b);
    },
  });

  cloud.tasks.register<{ volumeId: string }>('backup.restore', {
    async run({ resourceId, payload }) {
      const b = await db.selectFrom('volume_backups').selectAll().where('id', '=', resourceId).executeTakeFirst();
      const v = await db.selectFrom('volumes').selectAll().where('id', '=', payload.volumeId).executeTakeFirst();
      if (b?.status !== 'restoring' || v?.status !== 'restoring-backup') return;
      const m = await restoreInto(cloud, b.id, { kind: 'volume', id: v.id }, v.size);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('volumes')
          .set({ status: 'available', bootable: m.volume.bootable, updated_at: now() })
          .where('id', '=', v.id)
          .execute();
        // the volume's metadata travels with its bytes, as Cinder's backup metadata does
        await putDict(trx, 'volume_image_metadata', v.id, m.volume.imageMetadata);
        await putDict(trx, 'volume_metadata', v.id, m.volume.metadata ?? {});
        await trx
          .updateTable('volume_backups')
          .set({ status: 'available', updated_at: now() })
          .where('id', '=', b.id)
          .execute();
      });
    },
    async failed({ resourceId, payload }, err) {
      await db
        .updateTable('volumes')
        .set({ status: 'error_restoring', fault: err.message, updated_at: now() })
        .where('id', '=', payload.volumeId)
        .execute();
      await db
        .updateTable('volume_backups')
        .set({ status: 'available', updated_at: now() })
        .where('id', '=', resourceId)
        .execute();
    },
  });

  cloud.tasks.register('backup.delete', {
    maxAttempts: 3,
    async run({ resourceId }) {
      const b = await db
        .selectFrom('volume_backups')
        .select(['id', 'status', 'data_id'])
        .where('id', '=', resourceId)
        .executeTakeFirst();
      if (b?.status !== 'deleting') return;
      // the data goes with the last record that points at it
      const dir = dataOf(b);
      const sharing = await db
        .selectFrom('volume_backups')
        .select('id')
        .where('id', '!=', b.id)
        .where((eb) => eb.or([eb('id', '=', dir), eb('data_id', '=', dir)]))
        .executeTakeFirst();
      if (!sharing) await store.remove(dir);
      await db.deleteFrom('volume_backups').where('id', '=', resourceId).execute();
    },
    async failed({ resourceId }, err) {
      await db
        .updateTable('volume_backups')
        .set({ status: 'error_deleting', fail_reason: err.message })
        .where('id', '=', resourceId)
        .execute();
    },
  });
}
