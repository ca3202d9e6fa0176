import { BadRequest, NotFound } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { type Caller, canSee } from './policy.js';
import type { GroupRow, GroupSnapshotRow, GroupTypeRow, VolumeDb, VolumeTrx } from './store.js';

// Generic volume groups (cinder/group/api.py): the lookups and Cinder's
// messages the group, group type and group snapshot routes share.

type Db = VolumeDb | VolumeTrx;

export const groupTypeNotFound = (id: string) => new NotFound(`Group type ${id} could not be found.`);
export const groupNotFound = (id: string) => new NotFound(`Group ${id} could not be found.`);
export const groupSnapshotNotFound = (id: string) => new NotFound(`GroupSnapshot ${id} could not be found.`);
export const invalidGroup = (reason: string) => new BadRequest(`Invalid Group: ${reason}`);
export const invalidGroupSnapshot = (reason: string) => new BadRequest(`Invalid GroupSnapshot: ${reason}`);

/** A group type by id (or name, as get_group_type_by_name_or_id) the caller may use: private ones are admins'. */
export async function visibleGroupType(db: Db, caller: Caller, idOrName: string): Promise<GroupTypeRow> {
  const row =
    (await db.selectFrom('volume_group_types').selectAll().where('id', '=', idOrName).executeTakeFirst()) ??
    (await db.selectFrom('volume_group_types').selectAll().where('name', '=', idOrName).executeTakeFirst());
  if (!row || (!row.is_public && !caller.admin)) throw groupTypeNotFound(idOrName);
  return row;
}

/** Group specs of many group types (one query). */
export async function specsOfGroupTypes(db: Db, ids: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('volume_group_type_specs').selectAll().where('group_type_id', 'in', ids).execute();
  for (const r of rows) {
    const d = out.get(r.group_type_id) ?? {};
    d[r.key] = r.value;
    out.set(r.group_type_id, d);
  }
  return out;
}

export async function visibleGroup(db: Db, caller: Caller, id: string): Promise<GroupRow> {
  const g = await db.selectFrom('volume_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!g || !canSee(caller, g.project_id)) throw groupNotFound(id);
  return g;
}

export async function visibleGroupSnapshot(db: Db, caller: Caller, id: string): Promise<GroupSnapshotRow> {
  const g = await db.selectFrom('volume_group_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  if (!g || !canSee(caller, g.project_id)) throw groupSnapshotNotFound(id);
  return g;
}

/** Volume type ids of many groups (one query), in the order they were given. */
export async function volumeTypesOfGroups(db: Db, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('volume_group_volume_types').selectAll().where('group_id', 'in', ids).execute();
  for (const r of rows) out.set(r.group_id, [...(out.get(r.group_id) ?? []), r.volume_type_id]);
  return out;
}

/**
 * Moves a group on once its volumes' work is done (called by the volume
 * tasks): a creating group whose volumes are all available becomes
 * available (one with a failed volume, error); a deleting group with no
 * volumes left is gone.
 */
export async function settleGroup(db: VolumeDb, groupId: string | null | undefined): Promise<void> {
  if (!groupId) return;
  await db.transaction().execute(async (trx) => {
    const g = await trx.selectFrom('volume_groups').select('status').where('id', '=', groupId).executeTakeFirst();
    if (!g) return;
    const vols = await trx.selectFrom('volumes').select('status').where('group_id', '=', groupId).execute();
    if (g.status === 'deleting' && vols.length === 0)
      await trx.deleteFrom('volume_groups').where('id', '=', groupId).execute();
    if (g.status !== 'creating' || vols.some((v) => v.status === 'creating' || v.status === 'downloading')) return;
    const status = vols.every((v) => v.status === 'available') ? 'available' : 'error';
    await trx.updateTable('volume_groups').set({ status, updated_at: now() }).where('id', '=', groupId).execute();
  });
}

/** The same for a group snapshot and its snapshots (called by the snapshot tasks). */
export async function settleGroupSnapshot(db: VolumeDb, id: string | null | undefined): Promise<void> {
  if (!id) return;
  await db.transaction().execute(async (trx) => {
    const g = await trx.selectFrom('volume_group_snapshots').select('status').where('id', '=', id).executeTakeFirst();
    if (!g) return;
    const snaps = await trx
      .selectFrom('volume_snapshots')
      .select('status')
      .where('group_snapshot_id', '=', id)
      .execute();
    if (g.status === 'deleting' && snaps.length === 0)
      await trx.deleteFrom('volume_group_snapshots').where('id', '=', id).execute();
    if (g.status !== 'creating' || snaps.some((s) => s.status === 'creating')) return;
    const status = snaps.every((s) => s.status === 'available') ? 'available' : 'error';
    await trx.updateTable('volume_group_snapshots').set({ status, updated_at: now() }).where('id', '=', id).execute();
  });
}

/** The group a new volume joins: the caller's, creating or available, and holding the volume's type. */
export async function groupForVolume(db: Db, caller: Caller, groupId: string, typeId: string): Promise<GroupRow> {
  const g = await visibleGroup(db, caller, groupId);
  if (!['available', 'creating'].includes(g.status))
    throw invalidGroup("Originating group status must be one of 'available, creating' values");
  const types = (await volumeTypesOfGroups(db, [g.id])).get(g.id) ?? [];
  if (!types.includes(typeId))
    throw new BadRequest(
      `Invalid input received: Invalid volume_type provided: ${typeId} (requested type must be supported by this group).`,
    );
  return g;
}
