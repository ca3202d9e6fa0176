import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { one, type Query } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { type VolumeTrx, vdb } from '../store.js';
import {
  BUILTIN_DEFAULT_TYPE,
  canUseType,
  DEFAULT_TYPE_NAME,
  defaultType,
  extraSpecsOf,
  USER_VISIBLE_EXTRA_SPECS,
  type VolumeType,
} from '../types.js';
import { invalidField, isPublicFilter, member, metadataDict, optString, parseBool } from '../validate.js';

/** A type as Cinder's v3 view shows it to this caller (cinder/api/v3/views/types.py). */
function typeView(caller: Caller, t: VolumeType, opts: { qos: boolean; access?: boolean }) {
  const specs = caller.admin
    ? t.extra_specs
    : Object.fromEntries(Object.entries(t.extra_specs).filter(([k]) => USER_VISIBLE_EXTRA_SPECS.includes(k)));
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    is_public: !!t.is_public,
    description: t.description,
    extra_specs: specs,
  };
  if (opts.qos && caller.admin) out.qos_specs_id = t.qos_specs_id;
  // the type-access extension decorates show, list and create, not update
  if (opts.access !== false) out['os-volume-type-access:is_public'] = !!t.is_public;
  return out;
}

/** A type by id the caller may see (private types need access), or Cinder's 404. */
async function visibleType(trx: VolumeTrx, caller: Caller, id: string): Promise<VolumeType> {
  const row =
    id === 'default'
      ? await defaultType(trx)
      : await trx.selectFrom('volume_types').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !(await canUseType(trx, caller, row))) throw new NotFound(`Volume type ${id} could not be found.`);
  const specs = await extraSpecsOf(trx, [row.id]);
  return { ...row, extra_specs: specs.get(row.id) ?? {} };
}

const SPEC_KEY = /^[a-zA-Z0-9\-_:. /]{1,255}$/;

function specsOf(v: unknown, key: string): Record<string, string> {
  const d = metadataDict(v, key);
  for (const k of Object.keys(d))
    if (!SPEC_KEY.test(k))
      throw invalidField(key, v, `'${k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{1,255}$'`);
  return d;
}

export async function typeRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const ctx = (req: FastifyRequest, rule: 'reader' | 'admin', action: string) => {
    const caller = callerOf(req);
    authorize(caller, rule, action);
    return caller;
  };
  const typeId = (req: FastifyRequest) => (req.params as { type_id: string }).type_id;

  app.get('/types', async (req) => {
    const caller = ctx(req, 'reader', 'volume_extension:type_get_all');
    const q = req.query as Query;
    const isPublic = isPublicFilter(caller.admin ? one(q, 'is_public') : undefined);
    const rows = await db.selectFrom('volume_types').selectAll().orderBy('created_at').orderBy('name').execute();
    const access = new Set(
      (
        await db
          .selectFrom('volume_type_projects')
          .select('volume_type_id')
          .where('project_id', '=', caller.projectId)
          .execute()
      ).map((r) => r.volume_type_id),
    );
    const shown = rows.filter((t) =>
      isPublic === null ? true : isPublic ? t.is_public || access.has(t.id) : !t.is_public,
    );
    const specs = await extraSpecsOf(
      db,
      shown.map((t) => t.id),
    );
    return {
      volume_types: shown.map((t) => typeView(caller, { ...t, extra_specs: specs.get(t.id) ?? {} }, { qos: true })),
    };
  });

  app.get('/types/:type_id', async (req) => {
    const caller = ctx(req, 'reader', 'volume_extension:type_get');
    return db.transaction().execute(async (trx) => ({
      volume_type: typeView(caller, await visibleType(trx, caller, typeId(req)), { qos: true }),
    }));
  });

  app.post('/types', async (req) => {
    const caller = ctx(req, 'admin', 'volume_extension:types_manage');
    const body = member(req.body, 'volume_type');
    const name = optString(body, 'name', 255, true);
    if (!name) throw invalidField('name', body.name ?? null, "'name' is a required property");
    const description = optString(body, 'description', 255);
    const pub = body['os-volume-type-access:is_public'];
    const isPublic = pub === undefined || pub === null ? true : parseBool(pub, 'os-volume-type-access:is_public');
    const specs =
      body.extra_specs === undefined || body.extra_specs === null ? {} : specsOf(body.extra_specs, 'extra_specs');
    const t = await db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('volume_types').select('id').where('name', '=', name).executeTakeFirst())
        throw new Conflict(`Volume Type ${name} already exists.`);
      const row = {
        id: uuid(),
        name,
        description: description ?? null,
        is_public: isPublic ? 1 : 0,
        qos_specs_id: null,
        created_at: now(),
        updated_at: null,
      };
      await trx.insertInto('volume_types').values(row).execute();
      const entries = Object.entries(specs);
      if (entries.length > 0)
        await trx
          .insertInto('volume_type_extra_specs')
          .values(entries.map(([key, value]) => ({ volume_type_id: row.id, key, value })))
          .execute();
      return { ...row, extra_specs: specs };
    });
    return { volume_type: typeView(caller, t, { qos: false }) };
  });

  app.put('/types/:type_id', async (req) => {
    const caller = ctx(req, 'admin', 'volume_extension:types_manage');
    const body = member(req.body, 'volume_type');
    const name = optString(body, 'name', 255, true);
    const description = optString(body, 'description', 255);
    const isPublic =
      body.is_public === undefined || body.is_public === null ? undefined : parseBool(body.is_public, 'is_public');
    if (name !== undefined && name !== null && name.length === 0)
      throw new BadRequest('Volume type name can not be empty.');
    if (
      (name === undefined || name === null) &&
      (description === undefined || description === null) &&
      isPublic === undefined
    )
      throw new BadRequest('Specify volume type name, description, is_public or a combination thereof.');
    const t = await db.transaction().execute(async (trx) => {
      const cur = await visibleType(trx, caller, typeId(req));
      if (name && name !== cur.name) {
        if (await trx.selectFrom('volume_types').select('id').where('name', '=', name).executeTakeFirst())
          throw new Conflict(`Volume Type ${name} already exists.`);
        if (cur.name === BUILTIN_DEFAULT_TYPE || cur.name === DEFAULT_TYPE_NAME)
          throw new BadRequest(`The volume type ${cur.id} is a default volume type and cannot be renamed.`);
      }
      const set: Record<string, unknown> = { updated_at: now() };
      if (name) set.name = name;
      if (description !== undefined && description !== null) set.description = description;
      if (isPublic !== undefined) set.is_public = isPublic ? 1 : 0;
      await trx.updateTable('volume_types').set(set).where('id', '=', cur.id).execute();
      return { ...cur, ...(set as object) } as VolumeType;
    });
    return { volume_type: typeView(caller, t, { qos: false, access: false }) };
  });

  app.delete('/types/:type_id', async (req, reply) => {
    const caller = ctx(req, 'admin', 'volume_extension:types_manage');
    await db.transaction().execute(async (trx) => {
      const t = await visibleType(trx, caller, typeId(req));
      const def = await defaultType(trx);
      if (t.id === def.id || t.name === BUILTIN_DEFAULT_TYPE)
        throw new BadRequest(`The volume type ${t.id} is a default volume type and cannot be deleted.`);
      const used = await trx.selectFrom('volumes').select('id').where('volume_type_id', '=', t.id).executeTakeFirst();
      if (used) throw new BadRequest('Target volume type is still in use.');
      await trx.deleteFrom('volume_types').where('id', '=', t.id).execute();
    });
    reply.code(202);
    return '';
  });

  // extra specs (cinder/api/contrib/types_extra_specs.py)
  const inUse = async (trx: VolumeTrx, id: string) => {
    if (await trx.selectFrom('volumes').select('id').where('volume_type_id', '=', id).executeTakeFirst())
      throw new BadRequest('Volume Type is currently in use.');
  };
  const byId = async (trx: VolumeTrx, id: string) => {
    const t = await trx.selectFrom('volume_types').select('id').where('id', '=', id).executeTakeFirst();
    if (!t) throw new NotFound(`Volume type ${id} could not be found.`);
  };
  const specsFor = async (caller: Caller, id: string) => {
    const all = (await extraSpecsOf(db, [id])).get(id) ?? {};
    return caller.admin
      ? all
      : Object.fromEntries(Object.entries(all).filter(([k]) => USER_VISIBLE_EXTRA_SPECS.includes(k)));
  };
  const upsert = (trx: VolumeTrx, id: string, specs: Record<string, string>) =>
    trx
      .insertInto('volume_type_extra_specs')
      .values(Object.entries(specs).map(([key, value]) => ({ volume_type_id: id, key, value })))
      .onConflict((oc) =>
        oc.columns(['volume_type_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();

  app.get('/types/:type_id/extra_specs', async (req) => {
    const caller = ctx(req, 'reader', 'volume_extension:types_extra_specs:index');
    await db.transaction().execute((trx) => byId(trx, typeId(req)));
    return { extra_specs: await specsFor(caller, typeId(req)) };
  });

  app.post('/types/:type_id/extra_specs', async (req) => {
    ctx(req, 'admin', 'volume_extension:types_extra_specs:create');
    const specs = specsOf(member(req.body, 'extra_specs'), 'extra_specs');
    await db.transaction().execute(async (trx) => {
      await inUse(trx, typeId(req));
      await byId(trx, typeId(req));
      if (Object.keys(specs).length > 0) await upsert(trx, typeId(req), specs);
    });
    return { extra_specs: specs };
  });

  app.get('/types/:type_id/extra_specs/:key', async (req) => {
    const caller = ctx(req, 'reader', 'volume_extension:types_extra_specs:show');
    const key = (req.params as { key: string }).key;
    await db.transaction().execute((trx) => byId(trx, typeId(req)));
    const specs = await specsFor(caller, typeId(req));
    if (!(key in specs)) throw new NotFound(`Volume Type ${typeId(req)} has no extra specs with key ${key}.`);
    return { [key]: specs[key] };
  });

  app.put('/types/:type_id/extra_specs/:key', async (req) => {
    ctx(req, 'admin', 'volume_extension:types_extra_specs:update');
    const key = (req.params as { key: string }).key;
    const body = specsOf(req.body ?? null, 'body');
    if (Object.keys(body).length > 1)
      throw invalidField('body', req.body, `${JSON.stringify(req.body)} has too many properties`);
    await db.transaction().execute(async (trx) => {
      await inUse(trx, typeId(req));
      await byId(trx, typeId(req));
      if (!(key in body)) throw new BadRequest('Request body and URI mismatch');
      await upsert(trx, typeId(req), body);
    });
    return body;
  });

  app.delete('/types/:type_id/extra_specs/:key', async (req, reply) => {
    ctx(req, 'admin', 'volume_extension:types_extra_specs:delete');
    const key = (req.params as { key: string }).key;
    await db.transaction().execute(async (trx) => {
      await byId(trx, typeId(req));
      await inUse(trx, typeId(req));
      const res = await trx
        .deleteFrom('volume_type_extra_specs')
        .where('volume_type_id', '=', typeId(req))
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0)
        throw new NotFound(`Volume Type ${typeId(req)} has no extra specs with key ${key}.`);
    });
    reply.code(202);
    return '';
  });

  // type access (cinder/api/contrib/volume_type_access.py)
  app.get('/types/:type_id/os-volume-type-access', async (req) => {
    ctx(req, 'admin', 'volume_extension:volume_type_access');
    const t = await db.selectFrom('volume_types').selectAll().where('id', '=', typeId(req)).executeTakeFirst();
    if (!t) throw new NotFound(`Volume type ${typeId(req)} could not be found.`);
    if (t.is_public) throw new NotFound('Access list not available for public volume types.');
    const rows = await db.selectFrom('volume_type_projects').selectAll().where('volume_type_id', '=', t.id).execute();
    return { volume_type_access: rows.map((r) => ({ volume_type_id: r.volume_type_id, project_id: r.project_id })) };
  });

  app.post('/types/:type_id/action', async (req, reply) => {
    const caller = callerOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = Object.keys(body)[0];
    if (name !== 'addProjectAccess' && name !== 'removeProjectAccess')
      throw new BadRequest(`There is no such action: ${name ?? 'None'}`);
    authorize(caller, 'admin', `volume_extension:volume_type_access:${name}`);
    const project = optString(member(body, name), 'project');
    if (!project) throw invalidField(name, body[name], "'project' is a required property");
    await db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('volume_types').selectAll().where('id', '=', typeId(req)).executeTakeFirst();
      if (!t) throw new NotFound(`Volume type ${typeId(req)} could not be found.`);
      if (t.is_public)
        throw new BadRequest('Invalid volume type: Type access modification is not applicable to public volume type.');
      const has = await trx
        .selectFrom('volume_type_projects')
        .select('project_id')
        .where('volume_type_id', '=', t.id)
        .where('project_id', '=', project)
        .executeTakeFirst();
      if (name === 'addProjectAccess') {
        if (has) throw new Conflict(`Volume type access for ${t.id} / ${project} combination already exists.`);
        await trx.insertInto('volume_type_projects').values({ volume_type_id: t.id, project_id: project }).execute();
      } else {
        if (!has) throw new NotFound(`Volume type access not found for ${t.id} / ${project} combination.`);
        await trx
          .deleteFrom('volume_type_projects')
          .where('volume_type_id', '=', t.id)
          .where('project_id', '=', project)
          .execute();
      }
    });
    reply.code(202);
    return '';
  });
}
