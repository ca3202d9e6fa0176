import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { one, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { type MessageRow, type VolumeDb, vdb } from '../store.js';
import { links, listBody, t } from '../views.js';

// User messages (3.3; filters, sorting and pages 3.5): a project's own,
// read by its readers, deleted by its members; expired ones are not shown.

const FILTERS = ['resource_type', 'resource_uuid', 'event_id', 'message_level', 'request_id'] as const;

const messageNotFound = (id: string) => new NotFound(`Message ${id} could not be found.`);

function view(req: FastifyRequest, caller: Caller, m: MessageRow) {
  return {
    id: m.id,
    event_id: m.event_id,
    user_message: m.user_message,
    message_level: m.message_level,
    resource_type: m.resource_type,
    resource_uuid: m.resource_uuid,
    created_at: t(m.created_at),
    guaranteed_until: t(m.expires_at),
    request_id: m.request_id,
    links: links(req, caller, 'messages', m.id),
  };
}

/** The caller's live messages (admins: every project's). */
function visible(db: VolumeDb, caller: Caller) {
  let q = db.selectFrom('volume_messages').selectAll().where('expires_at', '>', now());
  if (!caller.admin) q = q.where('project_id', '=', caller.projectId);
  return q;
}

export async function messageRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const ctx = (req: FastifyRequest, rule: 'reader' | 'member', action: string) => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast('3.3')) throw new NotFound('The resource could not be found.');
    authorize(caller, rule, `message:${action}`);
    return caller;
  };
  const find = async (caller: Caller, id: string) => {
    const m = await visible(db, caller).where('id', '=', id).executeTakeFirst();
    if (!m) throw messageNotFound(id);
    return m;
  };

  app.get('/messages', async (req) => {
    const caller = ctx(req, 'reader', 'get_all');
    const q = req.query as Query;
    const paged = req.microversion.atLeast('3.5');
    const pq = pageQuery(paged ? q : {}, {
      id: 'id',
      created_at: 'created_at',
      event_id: 'event_id',
      resource_type: 'resource_type',
      resource_uuid: 'resource_uuid',
      message_level: 'message_level',
      request_id: 'request_id',
    });
    let query = visible(db, caller);
    if (paged)
      for (const key of FILTERS) {
        const value = one(q, key);
        if (value !== undefined) query = query.where(key, '=', value);
      }
    const all = await sorted(query, pq).execute();
    const rows = page(all, pq, messageNotFound);
    const items = rows.map((m) => view(req, caller, m));
    return listBody(req, caller, 'messages', 'messages', rows, items, all.length, pq);
  });

  app.get('/messages/:id', async (req) => {
    const caller = ctx(req, 'reader', 'get');
    return { message: view(req, caller, await find(caller, (req.params as { id: string }).id)) };
  });

  app.delete('/messages/:id', async (req, reply) => {
    const caller = ctx(req, 'member', 'delete');
    const m = await find(caller, (req.params as { id: string }).id);
    await db.deleteFrom('volume_messages').where('id', '=', m.id).execute();
    reply.code(204);
    return '';
  });
}
