import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import { one, type Query } from '../pagination.js';
import { authorize, callerOf } from '../policy.js';
import { type VolumeTrx, vdb } from '../store.js';
import { invalidField, member, metadataDict } from '../validate.js';
import { links } from '../views.js';

// QoS specs (cinder/api/contrib/qos_specs_manage.py), admin only. They are
// recorded and associated with types; the file backend does not throttle.

const CONSUMERS = ['front-end', 'back-end', 'both'];
type QosRow = { id: string; name: string; consumer: string; specs: string };

function view(q: QosRow) {
  return { id: q.id, name: q.name, consumer: q.consumer, specs: fromJson<Record<string, string>>(q.specs, {}) };
}

async function getQos(trx: VolumeTrx, id: string): Promise<QosRow> {
  const q = await trx.selectFrom('volume_qos_specs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!q) throw new NotFound(`No such QoS spec ${id}.`);
  return q;
}

export async function qosRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const id = (req: FastifyRequest) => (req.params as { id: string }).id;
  const admin = (req: FastifyRequest, action: string) => {
    const caller = callerOf(req);
    authorize(caller, 'admin', `volume_extension:qos_specs_manage:${action}`);
    return caller;
  };
  const typeParam = (req: FastifyRequest) => {
    const t = one(req.query as Query, 'vol_type_id');
    if (!t) throw new BadRequest('Volume Type id must not be None.');
    return t;
  };

  app.get('/qos-specs', async (req) => {
    admin(req, 'get_all');
    const rows = await db.selectFrom('volume_qos_specs').selectAll().orderBy('created_at', 'desc').execute();
    return { qos_specs: rows.map((q) => view(q)) };
  });

  app.get('/qos-specs/:id', async (req) => {
    const caller = admin(req, 'get');
    const q = await db.transaction().execute((trx) => getQos(trx, id(req)));
    return { qos_specs: view(q), links: links(req, caller, 'qos-specs', q.id) };
  });

  app.post('/qos-specs', async (req) => {
    const caller = admin(req, 'create');
    const body = { ...member(req.body, 'qos_specs') };
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 255)
      throw invalidField('qos_specs/name', body.name ?? null, "'name' is a required property");
    delete body.name;
    const consumer = body.consumer === undefined ? 'back-end' : String(body.consumer);
    delete body.consumer;
    if (!CONSUMERS.includes(consumer))
      throw new BadRequest(`Invalid qos specs: Valid consumer of QoS specs are: ${CONSUMERS.join(', ')}`);
    const specs = metadataDict(body, 'qos_specs');
    const row = { id: uuid(), name, consumer, specs: toJson(specs), created_at: now(), updated_at: null };
    await db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('volume_qos_specs').select('id').where('name', '=', name).executeTakeFirst())
        throw new Conflict(`QoS Specs ${name} already exists.`);
      await trx.insertInto('volume_qos_specs').values(row).execute();
    });
    return { qos_specs: view(row), links: links(req, caller, 'qos-specs', row.id) };
  });

  app.put('/qos-specs/:id', async (req) => {
    admin(req, 'update');
    const body = member(req.body, 'qos_specs');
    const consumer = body.consumer;
    if (consumer !== undefined && !CONSUMERS.includes(String(consumer)))
      throw new BadRequest(`Invalid qos specs: Valid consumer of QoS specs are: ${CONSUMERS.join(', ')}`);
    const specs = metadataDict(Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'consumer')), 'qos_specs');
    await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      const merged = { ...fromJson<Record<string, string>>(q.specs, {}), ...specs };
      await trx
        .updateTable('volume_qos_specs')
        .set({
          specs: toJson(merged),
          consumer: consumer === undefined ? q.consumer : String(consumer),
          updated_at: now(),
        })
        .where('id', '=', q.id)
        .execute();
    });
    return { qos_specs: body };
  });

  app.delete('/qos-specs/:id', async (req, reply) => {
    admin(req, 'delete');
    const q = req.query as Query;
    const force = ['1', 'true', 'True', 'yes'].includes(one(q, 'force') ?? '');
    await db.transaction().execute(async (trx) => {
      const spec = await getQos(trx, id(req));
      const used = await trx
        .selectFrom('volume_types')
        .select('id')
        .where('qos_specs_id', '=', spec.id)
        .executeTakeFirst();
      if (used && !force) throw new BadRequest('Qos specs still in use.');
      await trx.updateTable('volume_types').set({ qos_specs_id: null }).where('qos_specs_id', '=', spec.id).execute();
      await trx.deleteFrom('volume_qos_specs').where('id', '=', spec.id).execute();
    });
    reply.code(202);
    return '';
  });

  app.put('/qos-specs/:id/delete_keys', async (req, reply) => {
    admin(req, 'delete');
    const keys = (req.body as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
      throw invalidField('keys', keys ?? null, "'keys' is a required property");
    await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      const specs = fromJson<Record<string, string>>(q.specs, {});
      for (const k of keys as string[]) {
        if (!(k in specs)) throw new NotFound(`QoS spec ${q.id} has no spec with key ${k}.`);
        delete specs[k];
      }
      await trx
        .updateTable('volume_qos_specs')
        .set({ specs: toJson(specs), updated_at: now() })
        .where('id', '=', q.id)
        .execute();
    });
    reply.code(202);
    return '';
  });

  app.get('/qos-specs/:id/associations', async (req) => {
    admin(req, 'get');
    const types = await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      return trx.selectFrom('volume_types').select(['id', 'name']).where('qos_specs_id', '=', q.id).execute();
    });
    return { qos_associations: types.map((t) => ({ association_type: 'volume_type', name: t.name, id: t.id })) };
  });

  app.get('/qos-specs/:id/associate', async (req, reply) => {
    admin(req, 'update');
    const typeId = typeParam(req);
    await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      const t = await trx
        .selectFrom('volume_types')
        .select(['id', 'qos_specs_id'])
        .where('id', '=', typeId)
        .executeTakeFirst();
      if (!t) throw new NotFound(`Volume type ${typeId} could not be found.`);
      if (t.qos_specs_id && t.qos_specs_id !== q.id)
        throw new BadRequest(`Type ${typeId} is already associated with another qos specs: ${t.qos_specs_id}`);
      await trx.updateTable('volume_types').set({ qos_specs_id: q.id }).where('id', '=', typeId).execute();
    });
    reply.code(202);
    return '';
  });

  app.get('/qos-specs/:id/disassociate', async (req, reply) => {
    admin(req, 'update');
    const typeId = typeParam(req);
    await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      const t = await trx.selectFrom('volume_types').select('id').where('id', '=', typeId).executeTakeFirst();
      if (!t) throw new NotFound(`Volume type ${typeId} could not be found.`);
      await trx
        .updateTable('volume_types')
        .set({ qos_specs_id: null })
        .where('id', '=', typeId)
        .where('qos_specs_id', '=', q.id)
        .execute();
    });
    reply.code(202);
    return '';
  });

  app.get('/qos-specs/:id/disassociate_all', async (req, reply) => {
    admin(req, 'update');
    await db.transaction().execute(async (trx) => {
      const q = await getQos(trx, id(req));
      await trx.updateTable('volume_types').set({ qos_specs_id: null }).where('qos_specs_id', '=', q.id).execute();
    });
    reply.code(202);
    return '';
  });
}
