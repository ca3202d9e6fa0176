import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { volumeNotFound } from '../errors.js';
import {
  allTenants,
  boolFilter,
  likeValue,
  parseDictFilter,
  RESOURCE_FILTERS,
  readFilters,
  timeFilter,
} from '../filters.js';
import { COMMON_SORT, one, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { vdb } from '../store.js';
import { invalidField, member, optBool, optMetadata, optSize, optString, optUuid } from '../validate.js';
import { listBody, volumeSummary, volumeView } from '../views.js';
import { createVolume, deleteVolume, loadRecord, loadRecords, replaceDict, visibleVolume } from '../volumes.js';

const SORT_COLUMNS: Record<string, string> = {
  ...COMMON_SORT,
  availability_zone: 'availability_zone',
  bootable: 'bootable',
  volume_type_id: 'volume_type_id',
  project_id: 'project_id',
};

const FILTERS = {
  // glance_metadata (3.4) and volume_type are read too, as Cinder's volume API does
  allowed: [...RESOURCE_FILTERS.volume, 'glance_metadata', 'volume_type'],
  adminOnly: ['host', 'user_id', 'id', 'display_name', 'source_volid', 'snapshot_id', 'volume_type_id'],
};

async function listVolumes(cloud: Cloud, req: FastifyRequest, caller: Caller) {
  const q = req.query as Query;
  const mv = req.microversion;
  const pq = pageQuery(q, SORT_COLUMNS);
  const filters = readFilters(q, caller, FILTERS, mv.atLeast('3.31'));
  const db = vdb(cloud);
  let query = db.selectFrom('volumes').selectAll('volumes');
  if (!allTenants(caller, filters)) query = query.where('project_id', '=', caller.projectId);
  else if (filters.has('project_id')) query = query.where('project_id', '=', filters.get('project_id')!);
  for (const [key, value] of filters) {
    const like = key.endsWith('~');
    const base = like ? key.slice(0, -1) : key;
    switch (base) {
      case 'name':
      case 'display_name':
        query = like ? query.where('name', 'like', likeValue(value)) : query.where('name', '=', value);
        break;
      case 'status':
      case 'availability_zone':
      case 'migration_status':
      case 'host':
      case 'user_id':
      case 'id':
      case 'source_volid':
      case 'snapshot_id':
      case 'volume_type_id':
      case 'group_id':
        query = like ? query.where(base, 'like', likeValue(value)) : query.where(base, '=', value);
        break;
      case 'size':
        query = query.where('size', '=', Number(value));
        break;
      case 'bootable':
        query = query.where('bootable', '=', boolFilter(value, 'bootable') ? 1 : 0);
        break;
      case 'created_at':
      case 'updated_at':
        query = timeFilter(query, base, value);
        break;
      case 'metadata':
      case 'glance_metadata': {
        const table = base === 'metadata' ? 'volume_metadata' : 'volume_image_metadata';
        for (const [k, v] of Object.entries(parseDictFilter(value, base)))
          query = query.where(({ exists, selectFrom }) =>
            exists(
              selectFrom(table)
                .select('key')
                .whereRef(`${table}.volume_id`, '=', 'volumes.id')
                .where('key', '=', k)
                .where('value', '=', v),
            ),
          );
        break;
      }
      case 'volume_type': {
        const t = await db
          .selectFrom('volume_types')
          .select('id')
          .where((eb) => eb.or([eb('id', '=', value), eb('name', '=', value)]))
          .executeTakeFirst();
        query = query.where('volume_type_id', '=', t?.id ?? '');
        break;
      }
    }
  }
  const all = await sorted(query, pq).execute();
  const rows = page(all, pq, volumeNotFound);
  return { rows, count: all.length, pq };
}

export async function volumeRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);

  const list = (detail: boolean) => async (req: FastifyRequest) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'volume:get_all');
    const { rows, count, pq } = await listVolumes(cloud, req, caller);
    const volumes = detail
      ? (await loadRecords(db, rows)).map((r) => volumeView(req, caller, r, { extended: true }))
      : rows.map((r) => volumeSummary(req, caller, r));
    return listBody(req, caller, 'volumes', detail ? 'volumes/detail' : 'volumes', rows, volumes, count, pq);
  };
  app.get('/volumes', list(false));
  app.get('/volumes/detail', list(true));

  app.get('/volumes/summary', async (req) => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast('3.12')) throw volumeNotFound('summary');
    authorize(caller, 'reader', 'volume:get_all');
    const { rows } = await listVolumes(
      cloud,
      { ...req, query: { ...(req.query as Query), limit: undefined } } as FastifyRequest,
      caller,
    );
    const summary: Record<string, unknown> = {
      total_count: rows.length,
      total_size: rows.reduce((n, r) => n + r.size, 0),
    };
    if (req.microversion.atLeast('3.36')) {
      const recs = await loadRecords(db, rows);
      const meta: Record<string, string[]> = {};
      for (const r of recs)
        for (const [k, v] of Object.entries(r.metadata)) if (!(meta[k] ??= []).includes(v)) meta[k].push(v);
      summary.metadata = meta;
    }
    return { 'volume-summary': summary };
  });

  app.get('/volumes/:id', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'volume:get');
    const v = await visibleVolume(db, caller, (req.params as { id: string }).id);
    return { volume: volumeView(req, caller, await loadRecord(db, v), { extended: true }) };
  });

  app.post('/volumes', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:create');
    const body = req.body as Record<string, unknown> | undefined;
    const vol = member(body, 'volume');
    const mv = req.microversion;
    if (mv.atLeast('3.53')) {
      const known = [
        'name',
        'description',
        'display_name',
        'display_description',
        'volume_type',
        'metadata',
        'snapshot_id',
        'source_volid',
        'consistencygroup_id',
        'size',
        'availability_zone',
        'multiattach',
        'image_id',
        'imageRef',
        'group_id',
        'backup_id',
        'scheduler_hints',
      ];
      const extra = Object.keys(vol).filter((k) => !known.includes(k));
      if (extra.length > 0)
        throw invalidField(
          'volume',
          vol,
          `Additional properties are not allowed ('${extra.join("', '")}' ${extra.length > 1 ? 'were' : 'was'} unexpected)`,
        );
    }
    if (optBool(vol, 'multiattach'))
      throw new BadRequest(
        'multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.',
      );
    const imageRef = optString(vol, 'imageRef') ?? optString(vol, 'image_id') ?? undefined;
    const rec = await createVolume(cloud, caller, {
      size: optSize(vol, 'size'),
      name: optString(vol, 'name', 255, true) ?? optString(vol, 'display_name', 255, true),
      description: optString(vol, 'description', 255, true) ?? optString(vol, 'display_description', 255, true),
      volumeType: optString(vol, 'volume_type') || undefined,
      availabilityZone: optString(vol, 'availability_zone'),
      metadata: optMetadata(vol),
      snapshotId: optUuid(vol, 'snapshot_id'),
      sourceVolid: optUuid(vol, 'source_volid'),
      imageId: imageRef ? imageIdOf(imageRef) : undefined,
      backupId: mv.atLeast('3.47') ? optUuid(vol, 'backup_id') : undefined,
      groupId: mv.atLeast('3.13') ? optUuid(vol, 'group_id') : undefined,
    });
    reply.code(202);
    return { volume: volumeView(req, caller, rec, { extended: false }) };
  });

  app.put('/volumes/:id', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:update');
    const id = (req.params as { id: string }).id;
    const vol = member(req.body, 'volume');
    const allowed = ['name', 'description', 'display_name', 'display_description', 'metadata'];
    const extra = Object.keys(vol).filter((k) => !allowed.includes(k));
    if (extra.length > 0)
      throw invalidField(
        'volume',
        vol,
        `Additional properties are not allowed ('${extra.join("', '")}' ${extra.length > 1 ? 'were' : 'was'} unexpected)`,
      );
    if (req.microversion.atLeast('3.53') && Object.keys(vol).length === 0)
      throw invalidField('volume', vol, `${JSON.stringify(vol)} is not valid under any of the given schemas`);
    const name = 'name' in vol ? optString(vol, 'name', 255, true) : optString(vol, 'display_name', 255, true);
    const description =
      'description' in vol
        ? optString(vol, 'description', 255, true)
        : optString(vol, 'display_description', 255, true);
    const metadata = optMetadata(vol);
    const rec = await db.transaction().execute(async (trx) => {
      const v = await visibleVolume(trx, caller, id);
      if (v.status === 'maintenance')
        throw new BadRequest('Invalid volume: The volume cannot be updated during maintenance.');
      const set: Record<string, unknown> = { updated_at: now() };
      if (name !== undefined) set.name = name;
      if (description !== undefined) set.description = description;
      await trx.updateTable('volumes').set(set).where('id', '=', id).execute();
      if (metadata) await replaceDict(trx, 'volume_metadata', id, metadata);
      return loadRecord(trx, { ...v, ...(set as object) });
    });
    return { volume: volumeView(req, caller, rec, { extended: false }) };
  });

  app.delete('/volumes/:id', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'volume:delete');
    const q = req.query as Query;
    const cascade = q.cascade !== undefined && boolFilter(one(q, 'cascade') ?? '', 'cascade');
    const force =
      req.microversion.atLeast('3.23') && q.force !== undefined && boolFilter(one(q, 'force') ?? '', 'force');
    if (force) authorize(caller, 'admin', 'volume:force_delete');
    await deleteVolume(cloud, caller, (req.params as { id: string }).id, { cascade, force });
    reply.code(202);
    return '';
  });
}

/** Cinder accepts an image id or an image URL (…/images/<id>) as imageRef. */
function imageIdOf(ref: string): string {
  const m = /\/images\/([^/?#]+)\/?$/.exec(ref);
  return m ? m[1] : ref;
}
