import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { invalidSnapshot, invalidVolume } from './errors.js';
import type { Caller } from './policy.js';
import { checkQuota } from './quotas.js';
import { allowedFrom } from './states.js';
import { type SnapshotRow, type VolumeTrx, vdb } from './store.js';
import { typeNames } from './types.js';
import { visibleSnapshot, visibleVolume } from './volumes.js';

export interface CreateSnapshotInput {
  volumeId: string;
  force: boolean;
  /** 3.66: in-use volumes may be snapshotted without force. */
  allowInUse: boolean;
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
}

/** Records a snapshot in status `creating` and queues the copy, in one transaction. */
export async function createSnapshot(cloud: Cloud, caller: Caller, input: CreateSnapshotInput): Promise<SnapshotRow> {
  return vdb(cloud)
    .transaction()
    .execute((trx) => recordSnapshot(cloud, trx, caller, input));
}

/** createSnapshot inside the caller's transaction (a group snapshot makes one per volume). */
export async function recordSnapshot(
  cloud: Cloud,
  trx: VolumeTrx,
  caller: Caller,
  input: CreateSnapshotInput & { groupSnapshotId?: string },
): Promise<SnapshotRow> {
  const v = await visibleVolume(trx, caller, input.volumeId);
  if (v.status === 'maintenance')
    throw invalidVolume('The snapshot cannot be created when the volume is in maintenance mode.');
  if (v.migration_status) throw invalidVolume('Snapshot cannot be created while volume is migrating.');
  if (v.status === 'error') throw invalidVolume('The snapshot cannot be created when the volume is in error status.');
  const allowed = allowedFrom('snapshot', v, { force: input.force || input.allowInUse });
  if (!allowed.includes(v.status))
    throw invalidVolume(`Volume ${v.id} status must be ${allowed.join(', ')}, but current status is: ${v.status}.`);
  const typeName = (await typeNames(trx, [v.volume_type_id])).get(v.volume_type_id);
  await checkQuota(trx, caller.projectId, { resource: 'snapshots', typeName, count: 1, gigabytes: v.size });
  const row: SnapshotRow = {
    id: uuid(),
    project_id: caller.projectId,
    user_id: caller.userId,
    volume_id: v.id,
    volume_type_id: v.volume_type_id,
    name: input.name ?? null,
    description: input.description ?? null,
    size: v.size,
    status: 'creating',
    progress: '0%',
    fault: null,
    group_snapshot_id: input.groupSnapshotId ?? null,
    created_at: now(),
    updated_at: null,
  };
  await trx.insertInto('volume_snapshots').values(row).execute();
  const meta = Object.entries(input.metadata ?? {});
  if (meta.length > 0)
    await trx
      .insertInto('volume_snapshot_metadata')
      .values(meta.map(([key, value]) => ({ snapshot_id: row.id, key, value })))
      .execute();
  await cloud.tasks.enqueue('snapshot.create', row.id, {}, trx);
  return row;
}

/** Starts deleting a snapshot; Cinder allows it from available or error (any status with force). */
export async function deleteSnapshot(cloud: Cloud, caller: Caller, id: string, force = false): Promise<void> {
  await vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const s = await visibleSnapshot(trx, caller, id);
      if (!force && ((s.status !== 'available' && s.status !== 'error') || s.group_snapshot_id))
        throw invalidSnapshot('Snapshot status must be available or error and must not be part of a group.');
      // a force delete of a snapshot stuck in deleting runs the delete again
      if (s.status === 'deleting' && !force) return;
      await trx
        .updateTable('volume_snapshots')
        .set({ status: 'deleting', updated_at: now() })
        .where('id', '=', id)
        .execute();
      await cloud.tasks.enqueue('snapshot.delete', id, {}, trx);
    });
}

/** Metadata of many snapshots, by snapshot id (one query). */
export async function snapshotMetadata(cloud: Cloud, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (ids.length === 0) return out;
  const rows = await vdb(cloud)
    .selectFrom('volume_snapshot_metadata')
    .selectAll()
    .where('snapshot_id', 'in', ids)
    .execute();
  for (const r of rows) {
    const d = out.get(r.snapshot_id) ?? {};
    d[r.key] = r.value;
    out.set(r.snapshot_id, d);
  }
  return out;
}

/**
 * Reverts a volume to its latest snapshot (3.40): both must be available,
 * the snapshot must be the newest of the volume and of the same size.
 */
export async function revertToSnapshot(
  cloud: Cloud,
  caller: Caller,
  volumeId: string,
  snapshotId: string,
): Promise<void> {
  await vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const v = await visibleVolume(trx, caller, volumeId);
      const s = await visibleSnapshot(trx, caller, snapshotId);
      const latest = await trx
        .selectFrom('volume_snapshots')
        .select('id')
        .where('volume_id', '=', volumeId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (s.volume_id !== v.id || latest?.id !== s.id)
        throw new BadRequest(`Specified snapshot ${s.id} is not the latest one of volume ${v.id}.`);
      if (s.size !== v.size)
        throw invalidVolume(
          `Can't revert volume ${v.id} to its latest snapshot ${s.id}. The volume size must be equal to the snapshot size.`,
        );
      if (v.status !== 'available')
        throw invalidVolume(
          `Can't revert volume ${v.id} to its latest snapshot ${s.id}. Volume's status must be 'available'.`,
        );
      if (s.status !== 'available')
        throw invalidSnapshot(
          `Can't revert volume ${v.id} to its latest snapshot ${s.id}. Snapshot's status must be 'available'.`,
        );
      const at = now();
      await trx.updateTable('volumes').set({ status: 'reverting', updated_at: at }).where('id', '=', v.id).execute();
      await trx
        .updateTable('volume_snapshots')
        .set({ status: 'restoring', updated_at: at })
        .where('id', '=', s.id)
        .execute();
      await cloud.tasks.enqueue('volume.revert', v.id, { snapshotId: s.id }, trx);
    });
}

export function requireNoForceWith366(force: unknown): void {
  if (force === false)
    throw new BadRequest(
      "Since microversion 3.66, the 'force' flag is invalid for this request. For backward compatibility, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.",
    );
}
