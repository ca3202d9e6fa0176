import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { snapshotNotFound } from '../errors.js';
import { allTenants, likeValue, parseDictFilter, RESOURCE_FILTERS, readFilters } from '../filters.js';
import { COMMON_SORT, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, callerOf } from '../policy.js';
import { createSnapshot, deleteSnapshot, requireNoForceWith366, snapshotMetadata } from '../snapshots.js';
import { vdb } from '../store.js';
import { invalidField, member, optMetadata, optString, optUuid, parseBool } from '../validate.js';
import { listBody, snapshotView } from '../views.js';
import { visibleSnapshot } from '../volumes.js';

const SORT_COLUMNS: Record<string, string> = {
  ...COMMON_SORT,
  volume_size: 'size',
  volume_id: 'volume_id',
  project_id: 'project_id',
};

const FILTERS = {
  allowed: RESOURCE_FILTERS.snapshot,
  adminOnly: ['user_id'],
};

export async function snapshotRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);

  const list = (detail: boolean) => async (req: FastifyRequest) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'volume:get_all_snapshots');
    const q = req.query as Query;
    const pq = pageQuery(q, SORT_COLUMNS);
    const filters = readFilters(q, caller, FILTERS, req.microversion.atLeast('3.31'));
    let query = db.selectFrom('volume_snapshots').selectAll('volume_snapshots');
    if (!allTenants(caller, filters)) query = query.where('project_id', '=', caller.projectId);
    else if (filters.has('project_id')) query = query.where('project_id', '=', filters.get('project_id')!);
    for (const [key, value] of filters) {
      const like = key.endsWith('~');
      const base = like ? key.slice(0, -1) : key;
      if (base === 'name')
        query = like ? query.where('name', 'like', likeValue(value)) : query.where('name', '=', value);
      else if (base === 'status' || base === 'volume_id' || base === 'user_id') query = query.where(base, '=', value);
      else if (base === 'metadata')
        for (const [k, v] of Object.entries(parseDictFilter(value, 'metadata')))
          query = query.where(({ exists, selectFrom }) =>
            exists(
              selectFrom('volume_snapshot_metadata')
                .select('key')
                .whereRef('volume_snapshot_metadata.snapshot_id', '=', 'volume_snapshots.id')
                .where('key', '=', k)
                .where('value', '=', v),
            ),
          );
    }
    const all = await sorted(query, pq).execute();
    const rows = page(all, pq, snapshotNotFound);
    const meta = await snapshotMetadata(
      cloud,
      rows.map((r) => r.id),
    );
    const items = rows.map((s) => snapshotView(req, caller, s, meta.get(s.id) ?? {}, { extended: detail }));
    return listBody(req, caller, 'snapshots', detail ? 'snapshots/detail' : 'snapshots', rows, items, all.length, pq);
  };
  app.get('/snapshots', list(false));
  app.get('/snapshots/detail', list(true));

  app.get('/snapshots/:id', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'volume:get_snapshot');
    const s = await visibleSnapshot(db, caller, (req.params as { id: string }).id);
    const meta = await snapshotMetadata(cloud, [s.id]);
    return { snapshot: snapshotView(req, caller, s, meta.get(s.id) ?? {}, { extended: true }) };
  });

  app.post('/snapshots', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:create_snapshot');
    const snap = member(req.body, 'snapshot');
    if (!('volume_id' in snap)) throw invalidField('snapshot', snap, "'volume_id' is a required property");
    // a null volume_id passes Cinder's schema and is then a missing volume
    const volumeId = optUuid(snap, 'volume_id') ?? 'None';
    const inUse = req.microversion.atLeast('3.66');
    let force = false;
    if (snap.force !== undefined && snap.force !== null) {
      try {
        force = parseBool(snap.force, 'force');
      } catch {
        throw new BadRequest(`Invalid value '${String(snap.force)}' for force. `);
      }
      if (inUse) requireNoForceWith366(force);
    }
    const row = await createSnapshot(cloud, caller, {
      volumeId,
      force,
      allowInUse: inUse,
      name: optString(snap, 'name', 255, true) ?? optString(snap, 'display_name', 255, true),
      description: optString(snap, 'description', 255, true) ?? optString(snap, 'display_description', 255, true),
      metadata: optMetadata(snap),
    });
    reply.code(202);
    const meta = await snapshotMetadata(cloud, [row.id]);
    return { snapshot: snapshotView(req, caller, row, meta.get(row.id) ?? {}, { extended: false }) };
  });

  app.put('/snapshots/:id', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:update_snapshot');
    const id = (req.params as { id: string }).id;
    const snap = member(req.body, 'snapshot');
    const allowed = ['name', 'description', 'display_name', 'display_description'];
    const extra = Object.keys(snap).filter((k) => !allowed.includes(k));
    if (extra.length > 0 || Object.keys(snap).length === 0)
      throw invalidField(
        'snapshot',
        snap,
        extra.length > 0
          ? `Additional properties are not allowed ('${extra.join("', '")}' was unexpected)`
          : `${JSON.stringify(snap)} does not have enough properties`,
      );
    const name = 'name' in snap ? optString(snap, 'name', 255, true) : optString(snap, 'display_name', 255, true);
    const description =
      'description' in snap
        ? optString(snap, 'description', 255, true)
        : optString(snap, 'display_description', 255, true);
    const s = await db.transaction().execute(async (trx) => {
      const row = await visibleSnapshot(trx, caller, id);
      const set: Record<string, unknown> = { updated_at: now() };
      if (name !== undefined) set.name = name;
      if (description !== undefined) set.description = description;
      await trx.updateTable('volume_snapshots').set(set).where('id', '=', id).execute();
      return { ...row, ...(set as object) };
    });
    const meta = await snapshotMetadata(cloud, [s.id]);
    return { snapshot: snapshotView(req, caller, s, meta.get(s.id) ?? {}, { extended: false }) };
  });

  app.delete('/snapshots/:id', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:delete_snapshot');
    await deleteSnapshot(cloud, caller, (req.params as { id: string }).id);
    reply.code(202);
    return '';
  });

  app.post('/snapshots/:id/action', async (req, reply) => {
    const caller = callerOf(req);
    const id = (req.params as { id: string }).id;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = Object.keys(body)[0];
    if (name === 'os-force_delete') {
      authorize(caller, 'admin', 'volume_extension:snapshot_admin_actions:force_delete');
      await deleteSnapshot(cloud, caller, id, true);
    } else if (name === 'os-reset_status' || name === 'os-update_snapshot_status') {
      const admin = name === 'os-reset_status';
      authorize(
        caller,
        admin ? 'admin' : 'member',
        admin
          ? 'volume_extension:snapshot_admin_actions:reset_status'
          : 'snapshot_extension:snapshot_actions:update_snapshot_status',
      );
      const args = (body[name] ?? {}) as Record<string, unknown>;
      const status = optString(args, 'status');
      const ok = [
        'creating',
        'available',
        'deleting',
        'deleted',
        'updating',
        'error',
        'error_deleting',
        'unmanaging',
        'backing-up',
        'restoring',
      ];
      if (!status || !ok.includes(status.toLowerCase()))
        throw invalidField(`${name}/status`, status ?? null, `Snapshot status must be one of ${ok.join(', ')}`);
      await db.transaction().execute(async (trx) => {
        await visibleSnapshot(trx, caller, id);
        const set: Record<string, unknown> = { status: status.toLowerCase(), updated_at: now() };
        const progress = optString(args, 'progress');
        if (progress) set.progress = progress;
        await trx.updateTable('volume_snapshots').set(set).where('id', '=', id).execute();
      });
    } else throw new BadRequest(`There is no such action: ${name ?? 'None'}`);
    reply.code(202);
    return '';
  });
}
