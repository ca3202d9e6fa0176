import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { fromJson, toJson } from '../../../store/json.js';
import { connectionInfo, removeAttachment, reserveAttachment, setVolumeStatus } from '../attachments.js';
import { attachmentNotFound } from '../errors.js';
import { allTenants, RESOURCE_FILTERS, readFilters } from '../filters.js';
import { page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { type AttachmentRow, type VolumeTrx, vdb } from '../store.js';
import { invalidField, member, optString, optUuid } from '../validate.js';
import { t } from '../views.js';
import { visibleVolume } from '../volumes.js';

// The attachments API (3.27; os-complete 3.44; mode 3.54), as Nova drives
// it: create reserves (volume `reserved`), update with a connector
// connects (`attaching`, connection_info), os-complete marks it attached
// (`in-use`), delete detaches.

const summary = (a: AttachmentRow) => ({
  id: a.id,
  status: a.attach_status,
  instance: a.instance_uuid,
  volume_id: a.volume_id,
});

function detail(cloud: Cloud, a: AttachmentRow) {
  return {
    ...summary(a),
    attached_at: t(a.attach_time) ?? '',
    detached_at: t(a.detach_time) ?? '',
    attach_mode: a.attach_mode,
    connection_info: a.connector ? connectionInfo(cloud, a.volume_id, a.attach_mode, fromJson(a.connector, {})) : {},
  };
}

/** The attachment and its volume, if the caller may see the volume. */
async function visibleAttachment(trx: VolumeTrx, caller: Caller, id: string) {
  const a = await trx.selectFrom('volume_attachments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) throw attachmentNotFound(id);
  const v = await visibleVolume(trx, caller, a.volume_id).catch(() => {
    throw attachmentNotFound(id);
  });
  return { a, v };
}

export async function attachmentRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;
  const ctx = (req: FastifyRequest, rule: 'reader' | 'member', action: string) => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast('3.27')) throw new NotFound('The resource could not be found.');
    authorize(caller, rule, `volume:attachment_${action}`);
    return caller;
  };

  const list = (full: boolean) => async (req: FastifyRequest) => {
    const caller = ctx(req, 'reader', 'get_all');
    const q = req.query as Query;
    const pq = pageQuery(q, { id: 'id', created_at: 'created_at', updated_at: 'updated_at', status: 'attach_status' });
    const filters = readFilters(q, caller, { allowed: RESOURCE_FILTERS.attachment }, req.microversion.atLeast('3.31'));
    let query = db
      .selectFrom('volume_attachments')
      .innerJoin('volumes', 'volumes.id', 'volume_attachments.volume_id')
      .selectAll('volume_attachments');
    if (!allTenants(caller, filters)) query = query.where('volumes.project_id', '=', caller.projectId);
    for (const [key, value] of filters) {
      if (key === 'volume_id') query = query.where('volume_attachments.volume_id', '=', value);
      else if (key === 'instance_id') query = query.where('volume_attachments.instance_uuid', '=', value);
      else if (key === 'status' || key === 'attach_status')
        query = query.where('volume_attachments.attach_status', '=', value);
    }
    const rows = page(
      await sorted(query, {
        ...pq,
        sort: pq.sort.map((s) => ({ ...s, key: `volume_attachments.${s.key}` })),
      }).execute(),
      pq,
      attachmentNotFound,
    );
    return { attachments: rows.map((a) => (full ? detail(cloud, a) : summary(a))) };
  };
  app.get('/attachments', list(false));
  app.get('/attachments/detail', list(true));

  app.get('/attachments/:id', async (req) => {
    const caller = ctx(req, 'reader', 'get');
    const { a } = await db.transaction().execute((trx) => visibleAttachment(trx, caller, id(req)));
    return { attachment: detail(cloud, a) };
  });

  app.post('/attachments', async (req) => {
    const caller = ctx(req, 'member', 'create');
    const body = member(req.body, 'attachment');
    const volumeId = optUuid(body, 'volume_uuid');
    if (!volumeId) throw invalidField('attachment', body, "'volume_uuid' is a required property");
    const instance = optUuid(body, 'instance_uuid') ?? null;
    const connector =
      body.connector && typeof body.connector === 'object' ? (body.connector as Record<string, unknown>) : undefined;
    const mode = req.microversion.atLeast('3.54') ? optString(body, 'mode') : undefined;
    if (mode && mode !== 'rw' && mode !== 'ro' && mode !== 'null')
      throw invalidField('mode', mode, "'" + mode + "' is not one of ['rw', 'ro']");
    const a = await db.transaction().execute(async (trx) => {
      const v = await visibleVolume(trx, caller, volumeId);
      const row = await reserveAttachment(trx, v, {
        instanceUuid: instance,
        mode: mode && mode !== 'null' ? mode : 'rw',
      });
      return connector ? connect(trx, row, connector) : row;
    });
    return { attachment: detail(cloud, a) };
  });

  app.put('/attachments/:id', async (req) => {
    const caller = ctx(req, 'member', 'update');
    const body = member(req.body, 'attachment');
    const connector = body.connector;
    if (!connector || typeof connector !== 'object')
      throw invalidField('attachment', body, "'connector' is a required property");
    const a = await db.transaction().execute(async (trx) => {
      const { a } = await visibleAttachment(trx, caller, id(req));
      return connect(trx, a, connector as Record<string, unknown>);
    });
    return { attachment: detail(cloud, a) };
  });

  app.delete('/attachments/:id', async (req) => {
    const caller = ctx(req, 'member', 'delete');
    const left = await db.transaction().execute(async (trx) => {
      const { a, v } = await visibleAttachment(trx, caller, id(req));
      await removeAttachment(trx, v, a.id);
      return trx.selectFrom('volume_attachments').selectAll().where('volume_id', '=', v.id).execute();
    });
    return { attachments: left.map(summary) };
  });

  app.post('/attachments/:id/action', async (req, reply) => {
    const caller = ctx(req, 'member', 'complete');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!req.microversion.atLeast('3.44') || !('os-complete' in body))
      throw invalidField('body', body, "'os-complete' is a required property");
    await db.transaction().execute(async (trx) => {
      const { a, v } = await visibleAttachment(trx, caller, id(req));
      const at = new Date().toISOString();
      await trx
        .updateTable('volume_attachments')
        .set({ attach_status: 'attached', attach_time: a.attach_time ?? at, updated_at: at })
        .where('id', '=', a.id)
        .execute();
      await setVolumeStatus(trx, v.id, 'in-use');
    });
    reply.code(204);
    return '';
  });
}

/** Records the connector (host, mountpoint) on the attachment: it is `attaching`, the volume too. */
async function connect(trx: VolumeTrx, a: AttachmentRow, connector: Record<string, unknown>): Promise<AttachmentRow> {
  const at = new Date().toISOString();
  const set = {
    connector: toJson(connector),
    attached_host: typeof connector.host === 'string' ? connector.host : '',
    mountpoint: typeof connector.mountpoint === 'string' ? connector.mountpoint : 'na',
    attach_status: a.attach_status === 'attached' ? 'attached' : 'attaching',
    attach_time: a.attach_time ?? at,
    updated_at: at,
  };
  await trx.updateTable('volume_attachments').set(set).where('id', '=', a.id).execute();
  const v = await trx.selectFrom('volumes').select('status').where('id', '=', a.volume_id).executeTakeFirstOrThrow();
  if (v.status === 'reserved') await setVolumeStatus(trx, a.volume_id, 'attaching');
  return { ...a, ...set };
}
