import type { Cloud } from '../../cloud.js';
import { type DiskRef, volumeDriver } from '../../drivers/volume/index.js';
import { now } from '../../server/time.js';
import { settleGroup, settleGroupSnapshot } from './groups.js';
import { imageFile } from './image-source.js';
import { ACTION, DETAIL, recordMessage } from './messages.js';
import { poolCapabilities, satisfiesExtraSpecs } from './scheduler.js';
import { vdb } from './store.js';
import { extraSpecsOf } from './types.js';
import { putDict, type VolumeSource } from './volumes.js';

// The slow halves of volume operations. Each task re-reads its row and acts
// only while the row is still in the status that queued it, so a task that
// runs twice (after a crash) or after the resource changed does no harm.

/** The host Cinder reports for volumes of the LVM backend (os-vol-host-attr:host). */
export const VOLUME_HOST = 'pocketstack@lvmdriver-1#lvmdriver-1';

const vol = (id: string): DiskRef => ({ kind: 'volume', id });
const snap = (id: string): DiskRef => ({ kind: 'snapshot', id });

export interface CreatePayload {
  source: VolumeSource;
  bootable: number;
  imageMetadata: Record<string, string>;
}

/** Fills a new volume from its source; registered by the backups module for backup sources. */
export type BackupRestorer = (cloud: Cloud, backupId: string, dst: DiskRef, sizeGb: number) => Promise<void>;
let restoreBackup: BackupRestorer | undefined;
export function setBackupRestorer(fn: BackupRestorer): void {
  restoreBackup = fn;
}

/** Whether the one backend can hold a volume of this type (Cinder's CapabilitiesFilter). */
async function backendPasses(cloud: Cloud, typeId: string): Promise<boolean> {
  const specs = (await extraSpecsOf(vdb(cloud), [typeId])).get(typeId) ?? {};
  return satisfiesExtraSpecs(await poolCapabilities(cloud), specs);
}

export function registerVolumeTasks(cloud: Cloud): void {
  const db = vdb(cloud);
  const driver = volumeDriver(cloud.config);
  const setStatus = async (
    table: 'volumes' | 'volume_snapshots',
    id: string,
    from: string,
    to: string,
    fault?: string,
  ) =>
    db
      .updateTable(table)
      .set({ status: to, updated_at: now(), ...(fault !== undefined ? { fault } : {}) })
      .where('id', '=', id)
      .where('status', '=', from)
      .execute();

  // creating → (downloading, for an image: Cinder's status while it copies
  // the image) → available; Nova may reserve a downloading volume meanwhile
  const CREATING = ['creating', 'downloading'];
  cloud.tasks.register<CreatePayload>('volume.create', {
    async run({ resourceId, payload }) {
      const v = await db.selectFrom('volumes').selectAll().where('id', '=', resourceId).executeTakeFirst();
      if (!v || !CREATING.includes(v.status)) return;
      if (!(await backendPasses(cloud, v.volume_type_id))) {
        // Cinder's scheduler finds no valid backend: the volume is left in
        // error with no host, and the user is told why
        const res = await db
          .updateTable('volumes')
          .set({ status: 'error', updated_at: now() })
          .where('id', '=', v.id)
          .where('status', 'in', CREATING)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) > 0)
          await recordMessage(db, {
            volumeId: v.id,
            action: ACTION.scheduleAllocateVolume,
            detail: DETAIL.noBackendAvailable,
          });
        return;
      }
      const src = payload.source;
      await db
        .updateTable('volumes')
        .set({ host: VOLUME_HOST, ...(src.type === 'image' ? { status: 'downloading' } : {}) })
        .where('id', '=', v.id)
        .where('status', 'in', CREATING)
        .execute();
      if (src.type === 'empty') await driver.create(vol(v.id), v.size);
      else if (src.type === 'volume') await driver.copy(vol(src.id), vol(v.id), v.size);
      else if (src.type === 'snapshot') await driver.copy(snap(src.id), vol(v.id), v.size);
      else if (src.type === 'image') await driver.importImage(vol(v.id), v.size, await imageFile(cloud, src.id));
      else if (src.type === 'backup') {
        if (!restoreBackup) throw new Error('backups are not available');
        await restoreBackup(cloud, src.id, vol(v.id), v.size);
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('volumes')
          .set({ bootable: payload.bootable, updated_at: now() })
          .where('id', '=', v.id)
          .execute();
        await trx
          .updateTable('volumes')
          .set({ status: 'available' })
          .where('id', '=', v.id)
          .where('status', 'in', CREATING)
          .execute();
        await putDict(trx, 'volume_image_metadata', v.id, payload.imageMetadata);
      });
      await settleGroup(db, v.group_id);
    },
    async failed({ resourceId, payload }, err) {
      const res = await db
        .updateTable('volumes')
        .set({ status: 'error', fault: err.message, updated_at: now() })
        .where('id', '=', resourceId)
        .where('status', 'in', CREATING)
        .executeTakeFirst();
      await driver.remove(vol(resourceId)).catch(() => {});
      if (Number(res.numUpdatedRows) === 0) return;
      await settleGroup(
        db,
        (await db.selectFrom('volumes').select('group_id').where('id', '=', resourceId).executeTakeFirst())?.group_id,
      );
      // Cinder maps only a few exceptions to details (message_field.py); an
      // image whose virtual size does not fit (ImageUnacceptable) is not one
      await recordMessage(db, {
        volumeId: resourceId,
        action: payload.source.type === 'image' ? ACTION.copyImageToVolume : ACTION.scheduleAllocateVolume,
        detail: DETAIL.unknownError,
      });
    },
  });

  cloud.tasks.register('volume.delete', {
    maxAttempts: 3,
    async run({ resourceId }) {
      const v = await db
        .selectFrom('volumes')
        .select(['status', 'group_id'])
        .where('id', '=', resourceId)
        .executeTakeFirst();
      if (v?.status !== 'deleting') return;
      await driver.remove(vol(resourceId));
      await db.deleteFrom('volumes').where('id', '=', resourceId).where('status', '=', 'deleting').execute();
      await settleGroup(db, v.group_id);
    },
    async failed({ resourceId }, err) {
      await setStatus('volumes', resourceId, 'deleting', 'error_deleting', err.message);
    },
  });

  cloud.tasks.register('snapshot.create', {
    async run({ resourceId }) {
      const s = await db.selectFrom('volume_snapshots').selectAll().where('id', '=', resourceId).executeTakeFirst();
      if (s?.status !== 'creating') return;
      await driver.copy(vol(s.volume_id), snap(s.id), s.size);
      await db
        .updateTable('volume_snapshots')
        .set({ status: 'available', progress: '100%', updated_at: now() })
        .where('id', '=', s.id)
        .where('status', '=', 'creating')
        .execute();
      await settleGroupSnapshot(db, s.group_snapshot_id);
    },
    async failed({ resourceId }, err) {
      await setStatus('volume_snapshots', resourceId, 'creating', 'error', err.message);
      await driver.remove(snap(resourceId)).catch(() => {});
      const s = await db
        .selectFrom('volume_snapshots')
        .select('group_snapshot_id')
        .where('id', '=', resourceId)
        .executeTakeFirst();
      await settleGroupSnapshot(db, s?.group_snapshot_id);
    },
  });

  cloud.tasks.register('snapshot.delete', {
    maxAttempts: 3,
    async run({ resourceId }) {
      const s = await db
        .selectFrom('volume_snapshots')
        .select(['status', 'group_snapshot_id'])
        .where('id', '=', resourceId)
        .executeTakeFirst();
      if (s?.status !== 'deleting') return;
      await driver.remove(snap(resourceId));
      await db.deleteFrom('volume_snapshots').where('id', '=', resourceId).where('status', '=', 'deleting').execute();
      await settleGroupSnapshot(db, s.group_snapshot_id);
    },
    async failed({ resourceId }, err) {
      await setStatus('volume_snapshots', resourceId, 'deleting', 'error_deleting', err.message);
    },
  });

  cloud.tasks.register<{ snapshotId: string }>('volume.revert', {
    async run({ resourceId, payload }) {
      const v = await db
        .selectFrom('volumes')
        .select(['status', 'size'])
        .where('id', '=', resourceId)
        .executeTakeFirst();
      if (v?.status !== 'reverting') return;
      await driver.copy(snap(payload.snapshotId), vol(resourceId), v.size);
      await setStatus('volume_snapshots', payload.snapshotId, 'restoring', 'available');
      await setStatus('volumes', resourceId, 'reverting', 'available');
    },
    async failed({ resourceId, payload }, err) {
      // Cinder leaves the volume in error when a revert fails: its bytes are unknown
      await setStatus('volume_snapshots', payload.snapshotId, 'restoring', 'available');
      await setStatus('volumes', resourceId, 'reverting', 'error', err.message);
    },
  });

  cloud.tasks.register<{ newSize: number }>('volume.extend', {
    async run({ resourceId, payload }) {
      const v = await db
        .selectFrom('volumes')
        .select(['status', 'previous_status'])
        .where('id', '=', resourceId)
        .executeTakeFirst();
      if (v?.status !== 'extending') return;
      await driver.extend(vol(resourceId), payload.newSize);
      await db
        .updateTable('volumes')
        .set({
          status: v.previous_status ?? 'available',
          size: payload.newSize,
          previous_status: null,
          updated_at: now(),
        })
        .where('id', '=', resourceId)
        .where('status', '=', 'extending')
        .execute();
    },
    async failed({ resourceId }, err) {
      await setStatus('volumes', resourceId, 'extending', 'error_extending', err.message);
      await recordMessage(db, {
        volumeId: resourceId,
        action: ACTION.extendVolume,
        detail: DETAIL.driverFailedExtend,
      });
    },
  });
}
