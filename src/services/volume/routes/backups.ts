import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { backupStore } from '../../../drivers/volume/backup-store.js';
import { jsonTooDeep } from '../../../server/depth.js';
import { BadRequest, MethodNotAllowed } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { createBackup, dataOf, deleteBackup, restoreBackup, visibleBackup } from '../backups.js';
import { backupNotFound, invalidBackup, invalidInput } from '../errors.js';
import { allTenants, likeValue, RESOURCE_FILTERS, readFilters } from '../filters.js';
import { COMMON_SORT, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { type BackupRow, groupDicts, vdb } from '../store.js';
import { invalidField, member, optBool, optMetadata, optString, optUuid, rejectUnexpected } from '../validate.js';
import { links, listBody, t } from '../views.js';

const SORT_COLUMNS: Record<string, string> = {
  ...COMMON_SORT,
  volume_id: 'volume_id',
  data_timestamp: 'data_timestamp',
};

const FILTERS = { allowed: RESOURCE_FILTERS.backup };

function summary(req: FastifyRequest, caller: Caller, b: BackupRow) {
  return { id: b.id, name: b.name, links: links(req, caller, 'backups', b.id) };
}

function detail(
  req: FastifyRequest,
  caller: Caller,
  b: BackupRow,
  dependents: Set<string>,
  metadata: Record<string, string>,
) {
  const mv = req.microversion;
  const out: Record<string, unknown> = {
    id: b.id,
    status: b.status,
    size: b.size,
    object_count: b.object_count,
    availability_zone: b.availability_zone,
    container: b.container,
    created_at: t(b.created_at),
    updated_at: t(b.updated_at),
    name: b.name,
    description: b.description,
    fail_reason: b.fail_reason,
    volume_id: b.volume_id,
    links: links(req, caller, 'backups', b.id),
    is_incremental: !!b.is_incremental,
    has_dependent_backups: dependents.has(b.id),
    snapshot_id: b.snapshot_id,
    data_timestamp: t(b.data_timestamp),
  };
  if (mv.atLeast('3.43')) out.metadata = metadata;
  if (caller.admin && mv.atLeast('3.18')) out['os-backup-project-attr:project_id'] = b.project_id;
  if (caller.admin && mv.atLeast('3.56')) out.user_id = b.user_id;
  return out;
}

export async function backupRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;

  /** Details of a page of backups: which have dependents, and metadata, in two queries. */
  const details = async (req: FastifyRequest, caller: Caller, rows: BackupRow[]) => {
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return [];
    const [children, meta] = await Promise.all([
      db.selectFrom('volume_backups').select('parent_id').where('parent_id', 'in', ids).execute(),
      db.selectFrom('volume_backup_metadata').selectAll().where('backup_id', 'in', ids).execute(),
    ]);
    const dependents = new Set(children.map((c) => c.parent_id!));
    const md = groupDicts(meta, (r) => r.backup_id);
    return rows.map((b) => detail(req, caller, b, dependents, md.get(b.id) ?? {}));
  };

  const list = (full: boolean) => async (req: FastifyRequest) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'backup:get_all');
    const q = req.query as Query;
    const pq = pageQuery(q, SORT_COLUMNS);
    const filters = readFilters(q, caller, FILTERS, req.microversion.atLeast('3.31'));
    let query = db.selectFrom('volume_backups').selectAll();
    if (!allTenants(caller, filters)) query = query.where('project_id', '=', caller.projectId);
    else if (filters.has('project_id')) query = query.where('project_id', '=', filters.get('project_id')!);
    for (const [key, value] of filters) {
      const like = key.endsWith('~');
      const base = like ? key.slice(0, -1) : key;
      if (base === 'name')
        query = like ? query.where('name', 'like', likeValue(value)) : query.where('name', '=', value);
      else if (base === 'status' || base === 'volume_id') query = query.where(base, '=', value);
    }
    const all = await sorted(query, pq).execute();
    const rows = page(all, pq, backupNotFound);
    const items = full ? await details(req, caller, rows) : rows.map((b) => summary(req, caller, b));
    return listBody(req, caller, 'backups', full ? 'backups/detail' : 'backups', rows, items, all.length, pq);
  };
  app.get('/backups', list(false));
  app.get('/backups/detail', list(true));

  app.get('/backups/:id', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'reader', 'backup:get');
    const b = await visibleBackup(cloud, caller, id(req));
    return { backup: (await details(req, caller, [b]))[0] };
  });

  app.post('/backups', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'backup:create');
    const body = member(req.body, 'backup');
    const volumeId = optUuid(body, 'volume_id');
    if (!volumeId) throw invalidField('backup', body, "'volume_id' is a required property");
    const b = await createBackup(cloud, caller, {
      volumeId,
      name: optString(body, 'name', 255, true),
      description: optString(body, 'description', 255, true),
      incremental: optBool(body, 'incremental') ?? false,
      force: optBool(body, 'force') ?? false,
      snapshotId: optUuid(body, 'snapshot_id'),
      container: optString(body, 'container'),
      metadata: req.microversion.atLeast('3.43') ? optMetadata(body) : undefined,
    });
    reply.code(202);
    return { backup: summary(req, caller, b) };
  });

  app.put('/backups/:id', async (req) => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast('3.9')) throw new MethodNotAllowed();
    authorize(caller, 'member', 'backup:update');
    const body = member(req.body, 'backup');
    const allowed = ['name', 'description', ...(req.microversion.atLeast('3.43') ? ['metadata'] : [])];
    rejectUnexpected('backup', body, allowed);
    const name = optString(body, 'name', 255, true);
    const description = optString(body, 'description', 255, true);
    const metadata = optMetadata(body);
    const b = await visibleBackup(cloud, caller, id(req));
    await db.transaction().execute(async (trx) => {
      const set: Record<string, unknown> = { updated_at: now() };
      if (name !== undefined) set.name = name;
      if (description !== undefined) set.description = description;
      await trx.updateTable('volume_backups').set(set).where('id', '=', b.id).execute();
      if (metadata) {
        await trx.deleteFrom('volume_backup_metadata').where('backup_id', '=', b.id).execute();
        const entries = Object.entries(metadata);
        if (entries.length > 0)
          await trx
            .insertInto('volume_backup_metadata')
            .values(entries.map(([key, value]) => ({ backup_id: b.id, key, value })))
            .execute();
      }
    });
    return { backup: summary(req, caller, { ...b, name: name === undefined ? b.name : name }) };
  });

  app.delete('/backups/:id', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'backup:delete');
    await deleteBackup(cloud, caller, id(req));
    reply.code(202);
    return '';
  });

  app.post('/backups/:id/restore', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'member', 'backup:restore');
    const body = member(req.body, 'restore');
    const out = await restoreBackup(cloud, caller, id(req), {
      volumeId: optUuid(body, 'volume_id'),
      name: optString(body, 'name', 255, true),
    });
    reply.code(202);
    return { restore: out };
  });

  app.post('/backups/:id/action', async (req, reply) => {
    const caller = callerOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = Object.keys(body)[0];
    if (name === 'os-force_delete') {
      authorize(caller, 'admin', 'volume_extension:backup_admin_actions:force_delete');
      await deleteBackup(cloud, caller, id(req), true);
    } else if (name === 'os-reset_status') {
      authorize(caller, 'admin', 'volume_extension:backup_admin_actions:reset_status');
      const status = optString(member(body, name), 'status');
      if (status !== 'available' && status !== 'error')
        throw invalidField(
          'os-reset_status/status',
          status ?? null,
          "Backup status must be one of 'available', 'error'",
        );
      const b = await visibleBackup(cloud, caller, id(req));
      await db.updateTable('volume_backups').set({ status, updated_at: now() }).where('id', '=', b.id).execute();
    } else throw new BadRequest(`There is no such action: ${name ?? 'None'}`);
    reply.code(202);
    return '';
  });

  // Export/import of backup records: the record travels as base64 JSON; the
  // data stays in this data dir, so an import finds it there or is refused.
  app.get('/backups/:id/export_record', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'admin', 'backup:export-import');
    const b = await visibleBackup(cloud, caller, id(req));
    if (b.status !== 'available') throw invalidBackup(`Backup status must be available and not ${b.status}.`);
    return {
      'backup-record': {
        backup_service: 'cinder.backup.drivers.posix',
        backup_url: Buffer.from(JSON.stringify({ ...b, data_id: dataOf(b) })).toString('base64'),
      },
    };
  });

  app.post('/backups/import_record', async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'admin', 'backup:export-import');
    const rec = member(req.body, 'backup-record');
    const url = optString(rec, 'backup_url', 1 << 20);
    if (!optString(rec, 'backup_service') || !url)
      throw invalidField('backup-record', rec, "'backup_service' and 'backup_url' are required properties");
    let b: BackupRow;
    try {
      const text = Buffer.from(url, 'base64').toString('utf8');
      if (jsonTooDeep(text, 4)) throw new Error('too deep');
      b = JSON.parse(text) as BackupRow;
    } catch {
      throw invalidInput("Can't parse backup record.");
    }
    if (!b?.id) throw invalidInput('Provided backup record is missing an id');
    if (b.size === undefined) throw invalidInput('Provided backup record is missing size attribute');
    if (await db.selectFrom('volume_backups').select('id').where('id', '=', b.id).executeTakeFirst())
      throw invalidBackup('Backup already exists in database.');
    const dataId = b.data_id ?? b.id;
    if (!backupStore(cloud.config).hasManifest(dataId))
      throw invalidBackup(`The data of backup ${dataId} is not in this cloud's backup store.`);
    // an imported record shares the original's data and stands alone (no parent)
    const row: BackupRow = {
      ...b,
      data_id: dataId,
      parent_id: null,
      project_id: caller.projectId,
      status: 'available',
      updated_at: now(),
    };
    await db.insertInto('volume_backups').values(row).execute();
    reply.code(201);
    return { backup: summary(req, caller, row) };
  });
}
