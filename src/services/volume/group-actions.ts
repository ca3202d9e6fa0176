import type { Cloud } from '../../cloud.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { invalidVolume, overQuota } from './errors.js';
import { invalidGroup, visibleGroup, visibleGroupSnapshot, volumeTypesOfGroups } from './groups.js';
import type { Caller } from './policy.js';
import { quotaLimits, quotaUsage } from './quotas.js';
import type { GroupRow, VolumeDb, VolumeTrx } from './store.js';
import { recordVolume } from './volumes.js';

// What groups do to their volumes (cinder/group/api.py): update's add and
// remove, delete with its volumes, and a new group from a group snapshot or
// another group. Each runs in one transaction; volume bytes move in the
// volume tasks, which settle the group when they are done.

const VALID_REMOVE = ['available', 'in-use', 'error', 'error_deleting'];
const VALID_ADD = ['available', 'in-use'];
const pyTuple = (xs: string[]) => `(${xs.map((x) => `'${x}'`).join(', ')})`;

export interface GroupUpdate {
  name?: string | null;
  description?: string | null;
  add?: string | null;
  remove?: string | null;
}

const idList = (s: string | null | undefined) =>
  s
    ? s
        .replace(/^,+|,+$/g, '')
        .split(',')
        .filter((x) => x !== '')
    : [];

/** Renames a group and moves volumes in and out of it; refusals are Cinder's. */
export async function updateGroup(db: VolumeDb, caller: Caller, groupId: string, u: GroupUpdate): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const g = await visibleGroup(trx, caller, groupId);
    const name = u.name === g.name ? undefined : u.name;
    const description = u.description === g.description ? undefined : u.description;
    const add = idList(u.add);
    const remove = idList(u.remove);
    const both = add.filter((x) => remove.includes(x));
    if (both.length > 0)
      throw invalidVolume(`UUIDs [${both.map((x) => `'${x}'`).join(', ')}] are in both add and remove volume list.`);
    const members = await trx.selectFrom('volumes').select(['id', 'status']).where('group_id', '=', g.id).execute();
    const removing: string[] = [];
    for (const v of members)
      if (remove.includes(v.id)) {
        if (!VALID_REMOVE.includes(v.status))
          throw invalidVolume(
            `Cannot remove volume ${v.id} from group ${g.id} because volume is in an invalid state: ${v.status}. Valid states are: ${pyTuple(VALID_REMOVE)}.`,
          );
        removing.push(v.id);
      }
    for (const r of remove)
      if (!removing.includes(r))
        throw invalidVolume(`Cannot remove volume ${r} from group ${g.id} because it is not in the group.`);
    const types = (await volumeTypesOfGroups(trx, [g.id])).get(g.id) ?? [];
    const adding: string[] = [];
    for (const a of add.filter((x) => !members.some((m) => m.id === x))) {
      const v = await trx.selectFrom('volumes').selectAll().where('id', '=', a).executeTakeFirst();
      if (!v || (!caller.admin && v.project_id !== caller.projectId))
        throw invalidVolume(`Cannot add volume ${a} to group ${g.id} because volume cannot be found.`);
      if (v.group_id)
        throw invalidVolume(`Cannot add volume ${a} to group ${g.id} because it is already in group ${v.group_id}.`);
      if (v.project_id !== g.project_id)
        throw invalidVolume(`Cannot add volume ${a} to group ${g.id} as they belong to different projects.`);
      if (!types.includes(v.volume_type_id))
        throw invalidVolume(
          `Cannot add volume ${a} to group ${g.id} because volume type ${v.volume_type_id} is not supported by the group.`,
        );
      if (!VALID_ADD.includes(v.status))
        throw invalidVolume(
          `Cannot add volume ${a} to group ${g.id} because volume is in an invalid state: ${v.status}. Valid states are: ${pyTuple(VALID_ADD)}.`,
        );
      adding.push(a);
    }
    if (name == null && description == null && adding.length === 0 && removing.length === 0)
      throw invalidGroup(
        `Cannot update group ${g.id} because no valid name, description, add_volumes, or remove_volumes were provided.`,
      );
    if ((adding.length > 0 || removing.length > 0) && g.status !== 'available')
      throw invalidGroup('Group status must be available.');
    const set: Partial<GroupRow> = { updated_at: now(), status: 'available' };
    if (name != null) set.name = name;
    if (description != null) set.description = description;
    await trx.updateTable('volume_groups').set(set).where('id', '=', g.id).execute();
    if (adding.length > 0) await trx.updateTable('volumes').set({ group_id: g.id }).where('id', 'in', adding).execute();
    if (removing.length > 0)
      await trx.updateTable('volumes').set({ group_id: null }).where('id', 'in', removing).execute();
  });
}

/** Deletes a group, and its volumes with deleteVolumes (refused while attached or with snapshots). */
export async function deleteGroup(
  cloud: Cloud,
  caller: Caller,
  groupId: string,
  deleteVolumes: boolean,
): Promise<void> {
  const db = cloud.db as unknown as VolumeDb;
  await db.transaction().execute(async (trx) => {
    const g = await visibleGroup(trx, caller, groupId);
    if (!deleteVolumes && !['available', 'error'].includes(g.status))
      throw invalidGroup(`Group status must be available or error, but current status is: ${g.status}`);
    if (await trx.selectFrom('volume_group_snapshots').select('id').where('group_id', '=', g.id).executeTakeFirst())
      throw invalidGroup('Group has existing snapshots.');
    const vols = await trx.selectFrom('volumes').select(['id', 'status']).where('group_id', '=', g.id).execute();
    if (vols.length > 0 && !deleteVolumes)
      throw invalidGroup(`Group ${g.id} still contains volumes. The delete-volumes flag is required to delete it.`);
    const ids = vols.map((v) => v.id);
    if (ids.length > 0) {
      const attached = await trx
        .selectFrom('volume_attachments')
        .select('id')
        .where('volume_id', 'in', ids)
        .where('attach_status', '=', 'attached')
        .executeTakeFirst();
      if (attached) throw invalidGroup(`Volume in group ${g.id} is attached. Need to detach first.`);
      const snap = await trx
        .selectFrom('volume_snapshots')
        .select('id')
        .where('volume_id', 'in', ids)
        .executeTakeFirst();
      if (snap) throw invalidGroup('Volume in group still has dependent snapshots.');
    }
    if (vols.length === 0) {
      await trx.deleteFrom('volume_groups').where('id', '=', g.id).execute();
      return;
    }
    // the volume tasks delete the volumes, the last one the group (settleGroup)
    const at = now();
    await trx.updateTable('volume_groups').set({ status: 'deleting', updated_at: at }).where('id', '=', g.id).execute();
    await trx.updateTable('volumes').set({ status: 'deleting', updated_at: at }).where('id', 'in', ids).execute();
    await trx.deleteFrom('volume_attachments').where('volume_id', 'in', ids).execute();
    for (const id of ids) await cloud.tasks.enqueue('volume.delete', id, {}, trx);
  });
}

export interface GroupSource {
  name: string | null;
  description: string | null;
  groupSnapshotId?: string;
  sourceGroupId?: string;
}

/** A new group (creating) with one new volume per snapshot of the group snapshot, or per volume of the source group. */
export async function createGroupFromSource(cloud: Cloud, caller: Caller, src: GroupSource): Promise<GroupRow> {
  const db = cloud.db as unknown as VolumeDb;
  return db.transaction().execute(async (trx) => {
    let origin: GroupRow;
    let sources: Array<{ snapshotId?: string; sourceVolid?: string; size: number; typeId: string }>;
    if (src.groupSnapshotId) {
      const gs = await visibleGroupSnapshot(trx, caller, src.groupSnapshotId);
      origin = await visibleGroup(trx, caller, gs.group_id);
      const snaps = await trx
        .selectFrom('volume_snapshots')
        .selectAll()
        .where('group_snapshot_id', '=', gs.id)
        .execute();
      if (snaps.length === 0) throw invalidGroup('Group snapshot is empty. No group will be created.');
      sources = snaps.map((s) => ({ snapshotId: s.id, size: s.size, typeId: s.volume_type_id }));
    } else {
      origin = await visibleGroup(trx, caller, src.sourceGroupId as string);
      const vols = await trx.selectFrom('volumes').selectAll().where('group_id', '=', origin.id).execute();
      if (vols.length === 0) throw invalidGroup('Source Group is empty. No group will be created.');
      sources = vols.map((v) => ({ sourceVolid: v.id, size: v.size, typeId: v.volume_type_id }));
    }
    const types = (await volumeTypesOfGroups(trx, [origin.id])).get(origin.id) ?? [];
    const g = await insertGroup(
      trx,
      caller,
      {
        name: src.name,
        description: src.description,
        status: 'creating',
        availability_zone: origin.availability_zone,
        group_type_id: origin.group_type_id,
        group_snapshot_id: src.groupSnapshotId ?? null,
        source_group_id: src.sourceGroupId ?? null,
      },
      types,
    );
    for (const s of sources)
      await recordVolume(cloud, trx, caller, {
        size: s.size,
        volumeType: s.typeId,
        snapshotId: s.snapshotId,
        sourceVolid: s.sourceVolid,
        groupId: g.id,
      });
    return g;
  });
}

/** Records a new group of the caller's project with its volume types, within the `groups` quota. */
export async function insertGroup(
  trx: VolumeTrx,
  caller: Caller,
  fields: Omit<GroupRow, 'id' | 'project_id' | 'user_id' | 'created_at' | 'updated_at'>,
  volumeTypeIds: string[],
): Promise<GroupRow> {
  const [limits, usage] = await Promise.all([quotaLimits(trx, caller.projectId), quotaUsage(trx, caller.projectId)]);
  if (limits.groups >= 0 && usage.groups + 1 > limits.groups)
    throw overQuota(`Maximum number of groups allowed (${limits.groups}) exceeded`);
  const g: GroupRow = {
    id: uuid(),
    project_id: caller.projectId,
    user_id: caller.userId,
    ...fields,
    created_at: now(),
    updated_at: null,
  };
  await trx.insertInto('volume_groups').values(g).execute();
  await trx
    .insertInto('volume_group_volume_types')
    .values(volumeTypeIds.map((volume_type_id) => ({ group_id: g.id, volume_type_id })))
    .execute();
  return g;
}
