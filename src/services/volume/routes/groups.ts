import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound, NotImplemented } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { boolFilter } from '../filters.js';
import { createGroupFromSource, deleteGroup, insertGroup, updateGroup } from '../group-actions.js';
import { visibleGroup, visibleGroupType, volumeTypesOfGroups } from '../groups.js';
import { one, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { poolCapabilities, satisfiesExtraSpecs } from '../scheduler.js';
import { type GroupRow, vdb } from '../store.js';
import { getType, typeNameNotFound } from '../types.js';
import { invalidField, member, optString, parseBool, rejectUnexpected } from '../validate.js';
import { collectionLinks, t } from '../views.js';
import { AVAILABILITY_ZONE } from '../volumes.js';

// Generic volume groups (3.13; cinder/api/v3/groups.py): create from a
// group type and volume types, list, show, update (name, description,
// add/remove volumes), delete (with delete-volumes), reset status (3.20,
// admins) and create from a group snapshot or a source group (3.14). One
// backend and generic groups: nothing on disk belongs to a group itself.

const SORT = { id: 'id', name: 'name', status: 'status', created_at: 'created_at', updated_at: 'updated_at' };
const GROUP_STATUSES = [
  'error',
  'available',
  'creating',
  'deleting',
  'deleted',
  'updating',
  'in-use',
  'error_deleting',
];

function detail(req: FastifyRequest, caller: Caller, g: GroupRow, types: string[], volumes?: string[]) {
  const mv = req.microversion;
  const out: Record<string, unknown> = {
    id: g.id,
    status: g.status,
    availability_zone: g.availability_zone,
    created_at: t(g.created_at),
    name: g.name,
    description: g.description,
    group_type: g.group_type_id,
    volume_types: types,
  };
  if (mv.atLeast('3.14')) {
    out.group_snapshot_id = g.group_snapshot_id;
    out.source_group_id = g.source_group_id;
  }
  if (mv.atLeast('3.25') && volumes) out.volumes = volumes;
  if (mv.atLeast('3.38')) out.replication_status = 'disabled';
  if (mv.atLeast('3.58') && caller.admin) out.project_id = g.project_id;
  return out;
}

export async function groupRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const ctx = (req: FastifyRequest, rule: 'reader' | 'member' | 'admin', action: string, min = '3.13') => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast(min)) throw new NotFound('The resource could not be found.');
    authorize(caller, rule, action);
    return caller;
  };
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;
  const listVolume = (req: FastifyRequest) => {
    const v = one(req.query as Query, 'list_volume');
    return v !== undefined && boolFilter(v, 'list_volume');
  };
  const volumesOf = async (ids: string[]) => {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('volumes').select(['id', 'group_id']).where('group_id', 'in', ids).execute();
    for (const r of rows) out.set(r.group_id as string, [...(out.get(r.group_id as string) ?? []), r.id]);
    return out;
  };

  const list = (detailed: boolean) => async (req: FastifyRequest) => {
    const caller = ctx(req, 'reader', 'group:get_all');
    const q = req.query as Query;
    const pq = pageQuery(q, SORT);
    let query = db.selectFrom('volume_groups').selectAll();
    const all =
      caller.admin && q.all_tenants !== undefined && boolFilter(one(q, 'all_tenants') ?? 'true', 'all_tenants');
    if (!all) query = query.where('project_id', '=', caller.projectId);
    for (const key of ['name', 'status', 'group_type_id'] as const) {
      const v = one(q, key);
      if (v !== undefined) query = query.where(key, '=', v);
    }
    const rows = page(await sorted(query, pq).execute(), pq, (m) => new NotFound(`Group ${m} could not be found.`));
    const ids = rows.map((r) => r.id);
    const [types, vols] = await Promise.all([
      volumeTypesOfGroups(db, ids),
      listVolume(req) ? volumesOf(ids) : undefined,
    ]);
    const out: Record<string, unknown> = {
      groups: rows.map((g) =>
        detailed ? detail(req, caller, g, types.get(g.id) ?? [], vols?.get(g.id) ?? []) : { id: g.id, name: g.name },
      ),
    };
    const next = collectionLinks(req, caller, 'groups', rows, pq.limitGiven ? pq.limit : undefined);
    if (next) out.group_links = next;
    return out;
  };
  app.get('/groups', list(false));
  app.get('/groups/detail', list(true));

  app.get('/groups/:id', async (req) => {
    const caller = ctx(req, 'reader', 'group:get');
    const g = await visibleGroup(db, caller, id(req));
    const [types, vols] = await Promise.all([
      volumeTypesOfGroups(db, [g.id]),
      listVolume(req) ? volumesOf([g.id]) : undefined,
    ]);
    return { group: detail(req, caller, g, types.get(g.id) ?? [], vols?.get(g.id) ?? []) };
  });

  app.post('/groups', async (req, reply) => {
    const caller = ctx(req, 'member', 'group:create');
    const body = member(req.body, 'group');
    rejectUnexpected('group', body, ['name', 'description', 'group_type', 'volume_types', 'availability_zone']);
    if (typeof body.group_type !== 'string') throw invalidField('group', body, "'group_type' is a required property");
    const vt = body.volume_types;
    if (!Array.isArray(vt)) throw invalidField('group', body, "'volume_types' is a required property");
    if (vt.length === 0) throw invalidField('volume_types', vt, '[] is too short');
    if (vt.some((v) => typeof v !== 'string')) throw invalidField('volume_types', vt, "is not of type 'string'");
    if (new Set(vt).size !== vt.length) throw invalidField('volume_types', vt, 'has non-unique elements');
    const name = optString(body, 'name', 255, true) ?? null;
    const description = optString(body, 'description', 255) ?? null;
    const az = optString(body, 'availability_zone') ?? AVAILABILITY_ZONE;
    if (az !== AVAILABILITY_ZONE) throw new BadRequest(`Invalid input received: Availability zone '${az}' is invalid.`);
    const caps = await poolCapabilities(cloud);
    const row = await db.transaction().execute(async (trx) => {
      const gt = await visibleGroupType(trx, caller, body.group_type as string);
      const typeIds: string[] = [];
      let placed = true;
      for (const v of vt as string[]) {
        const type = await getType(trx, v).catch(() => {
          throw typeNameNotFound(v);
        });
        typeIds.push(type.id);
        placed &&= satisfiesExtraSpecs(caps, type.extra_specs);
      }
      return insertGroup(
        trx,
        caller,
        {
          name,
          description,
          // a generic group needs nothing from the one backend: it is ready at
          // once, unless the scheduler finds no backend for one of its types
          status: placed ? 'available' : 'error',
          availability_zone: az,
          group_type_id: gt.id,
          group_snapshot_id: null,
          source_group_id: null,
        },
        typeIds,
      );
    });
    reply.code(202);
    return { group: { id: row.id, name: row.name } };
  });

  app.put('/groups/:id', async (req, reply) => {
    const caller = ctx(req, 'member', 'group:update');
    const body = member(req.body, 'group');
    const keys = ['name', 'description', 'add_volumes', 'remove_volumes'];
    rejectUnexpected('group', body, keys);
    if (!keys.some((k) => k in body))
      throw invalidField('group', body, `${JSON.stringify(body)} is not valid under any of the given schemas`);
    const name = optString(body, 'name', 255, true);
    const description = optString(body, 'description', 255, true);
    const add = optString(body, 'add_volumes', 255);
    const remove = optString(body, 'remove_volumes', 255);
    if (!name && !description && !add && !remove)
      throw new BadRequest(
        'Name, description, add_volumes, and remove_volumes can not be all empty in the request body.',
      );
    await updateGroup(db, caller, id(req), { name, description, add, remove });
    reply.code(202);
    return '';
  });

  app.post('/groups/action', async (req, reply) => {
    const caller = ctx(req, 'member', 'group:create', '3.14');
    const src = member(req.body, 'create-from-src');
    const snapId = optString(src, 'group_snapshot_id');
    const groupId = optString(src, 'source_group_id');
    if (!!snapId === !!groupId)
      throw invalidField(
        'create-from-src',
        src,
        `${JSON.stringify(src)} is valid under each of {'required': ['source_group_id']}, {'required': ['group_snapshot_id']}`,
      );
    const g = await createGroupFromSource(cloud, caller, {
      name: optString(src, 'name', 255, true) ?? null,
      description: optString(src, 'description', 255) ?? null,
      groupSnapshotId: snapId ?? undefined,
      sourceGroupId: groupId ?? undefined,
    });
    reply.code(202);
    return { group: { id: g.id, name: g.name } };
  });

  app.post('/groups/:id/action', async (req, reply) => {
    const body = req.body as Record<string, unknown> | null;
    const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (action === 'delete') {
      const caller = ctx(req, 'member', 'group:delete');
      const d = member(body, 'delete');
      const delVolumes = d['delete-volumes'] === undefined ? false : parseBool(d['delete-volumes'], 'delete-volumes');
      await deleteGroup(cloud, caller, id(req), delVolumes);
    } else if (action === 'reset_status') {
      const caller = ctx(req, 'admin', 'group:reset_status', '3.20');
      const status = member(body, 'reset_status').status;
      if (typeof status !== 'string' || !GROUP_STATUSES.includes(status.toLowerCase()))
        throw invalidField('status', status ?? null, `'${String(status)}' is not a 'group_status'`);
      const g = await visibleGroup(db, caller, id(req));
      await db
        .updateTable('volume_groups')
        .set({ status: status.toLowerCase(), updated_at: now() })
        .where('id', '=', g.id)
        .execute();
    } else if (
      ['enable_replication', 'disable_replication', 'failover_replication', 'list_replication_targets'].includes(
        action ?? '',
      )
    ) {
      ctx(req, 'member', `group:${action}`, '3.38');
      throw new NotImplemented('pocketstack does not serve group replication: its one backend has no replica.');
    } else throw new BadRequest('There is no such action: ' + String(action));
    reply.code(202);
    return '';
  });
}
