import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { boolFilter } from '../filters.js';
import { invalidGroupSnapshot, visibleGroup, visibleGroupSnapshot } from '../groups.js';
import { one, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { recordSnapshot } from '../snapshots.js';
import { type GroupSnapshotRow, vdb } from '../store.js';
import { invalidField, member, optString, optUuid, rejectUnexpected } from '../validate.js';
import { collectionLinks, t } from '../views.js';

// Group snapshots (3.14; cinder/api/v3/group_snapshots.py): one snapshot of
// every volume of a group, taken together; reset status for admins (3.19).
// The snapshot tasks settle the group snapshot (settleGroupSnapshot).

const SORT = { id: 'id', name: 'name', status: 'status', created_at: 'created_at', updated_at: 'updated_at' };
const STATUSES = ['error', 'available', 'creating', 'deleting', 'deleted', 'updating', 'error_deleting'];

function detail(req: FastifyRequest, caller: Caller, g: GroupSnapshotRow) {
  const out: Record<string, unknown> = {
    id: g.id,
    group_id: g.group_id,
    group_type_id: g.group_type_id,
    status: g.status,
    created_at: t(g.created_at),
    name: g.name,
    description: g.description,
  };
  if (req.microversion.atLeast('3.58') && caller.admin) out.project_id = g.project_id;
  return out;
}

export async function groupSnapshotRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const ctx = (req: FastifyRequest, rule: 'reader' | 'member' | 'admin', action: string, min = '3.14') => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast(min)) throw new NotFound('The resource could not be found.');
    authorize(caller, rule, action);
    return caller;
  };
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;

  const list = (detailed: boolean) => async (req: FastifyRequest) => {
    const caller = ctx(req, 'reader', 'group:get_all_group_snapshots');
    const q = req.query as Query;
    const pq = pageQuery(q, SORT);
    let query = db.selectFrom('volume_group_snapshots').selectAll();
    const all =
      caller.admin && q.all_tenants !== undefined && boolFilter(one(q, 'all_tenants') ?? 'true', 'all_tenants');
    if (!all) query = query.where('project_id', '=', caller.projectId);
    for (const key of ['name', 'status', 'group_id'] as const) {
      const v = one(q, key);
      if (v !== undefined) query = query.where(key, '=', v);
    }
    const rows = page(
      await sorted(query, pq).execute(),
      pq,
      (m) => new NotFound(`GroupSnapshot ${m} could not be found.`),
    );
    const out: Record<string, unknown> = {
      group_snapshots: rows.map((g) =>
        detailed ? detail(req, caller, g) : { id: g.id, name: g.name, group_type_id: g.group_type_id },
      ),
    };
    const next = collectionLinks(req, caller, 'group_snapshots', rows, pq.limitGiven ? pq.limit : undefined);
    if (next) out.group_snapshot_links = next;
    return out;
  };
  app.get('/group_snapshots', list(false));
  app.get('/group_snapshots/detail', list(true));

  app.get('/group_snapshots/:id', async (req) => {
    const caller = ctx(req, 'reader', 'group:get_group_snapshot');
    return { group_snapshot: detail(req, caller, await visibleGroupSnapshot(db, caller, id(req))) };
  });

  app.post('/group_snapshots', async (req, reply) => {
    const caller = ctx(req, 'member', 'group:create_group_snapshot');
    const body = member(req.body, 'group_snapshot');
    rejectUnexpected('group_snapshot', body, ['name', 'description', 'group_id']);
    const groupId = optUuid(body, 'group_id');
    if (!groupId) throw invalidField('group_snapshot', body, "'group_id' is a required property");
    const name = optString(body, 'name', 255, true) ?? null;
    const description = optString(body, 'description', 255, true) ?? null;
    const gs = await db.transaction().execute(async (trx) => {
      const g = await visibleGroup(trx, caller, groupId);
      const row: GroupSnapshotRow = {
        id: uuid(),
        project_id: caller.projectId,
        user_id: caller.userId,
        group_id: g.id,
        group_type_id: g.group_type_id,
        name,
        description,
        status: 'creating',
        created_at: now(),
        updated_at: null,
      };
      const vols = await trx.selectFrom('volumes').select('id').where('group_id', '=', g.id).execute();
      // an empty group's snapshot has nothing to wait for
      if (vols.length === 0) row.status = 'available';
      await trx.insertInto('volume_group_snapshots').values(row).execute();
      for (const v of vols)
        await recordSnapshot(cloud, trx, caller, {
          volumeId: v.id,
          force: true,
          allowInUse: true,
          name,
          description,
          groupSnapshotId: row.id,
        });
      return row;
    });
    reply.code(202);
    return { group_snapshot: { id: gs.id, name: gs.name, group_type_id: gs.group_type_id } };
  });

  app.delete('/group_snapshots/:id', async (req, reply) => {
    const caller = ctx(req, 'member', 'group:delete_group_snapshot');
    await db.transaction().execute(async (trx) => {
      const gs = await visibleGroupSnapshot(trx, caller, id(req));
      const source = await trx
        .selectFrom('volume_groups')
        .select('id')
        .where('group_snapshot_id', '=', gs.id)
        .where('status', '=', 'creating')
        .executeTakeFirst();
      if (!['available', 'error'].includes(gs.status) || source)
        throw invalidGroupSnapshot(
          'GroupSnapshot status must be available or error, and no Group can be currently using it as source for its creation.',
        );
      const snaps = await trx
        .selectFrom('volume_snapshots')
        .select('id')
        .where('group_snapshot_id', '=', gs.id)
        .execute();
      if (snaps.length === 0) {
        await trx.deleteFrom('volume_group_snapshots').where('id', '=', gs.id).execute();
        return;
      }
      const at = now();
      await trx
        .updateTable('volume_group_snapshots')
        .set({ status: 'deleting', updated_at: at })
        .where('id', '=', gs.id)
        .execute();
      await trx
        .updateTable('volume_snapshots')
        .set({ status: 'deleting', updated_at: at })
        .where('group_snapshot_id', '=', gs.id)
        .execute();
      for (const s of snaps) await cloud.tasks.enqueue('snapshot.delete', s.id, {}, trx);
    });
    reply.code(202);
    return '';
  });

  app.post('/group_snapshots/:id/action', async (req, reply) => {
    const body = req.body as Record<string, unknown> | null;
    const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (action !== 'reset_status') throw new BadRequest(`There is no such action: ${String(action)}`);
    const caller = ctx(req, 'admin', 'group:reset_group_snapshot_status', '3.19');
    const status = member(body, 'reset_status').status;
    if (typeof status !== 'string' || !STATUSES.includes(status.toLowerCase()))
      throw invalidField('status', status ?? null, `'${String(status)}' is not a 'group_snapshot_status'`);
    const gs = await visibleGroupSnapshot(db, caller, id(req));
    await db
      .updateTable('volume_group_snapshots')
      .set({ status: status.toLowerCase(), updated_at: now() })
      .where('id', '=', gs.id)
      .execute();
    reply.code(202);
    return '';
  });
}
