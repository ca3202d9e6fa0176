import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { groupTypeNotFound, specsOfGroupTypes, visibleGroupType } from '../groups.js';
import { one, page, pageQuery, type Query, sorted } from '../pagination.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { type GroupTypeRow, vdb } from '../store.js';
import { invalidField, isPublicFilter, member, optString, parseBool, rejectUnexpected } from '../validate.js';
import { collectionLinks } from '../views.js';

// Group types and their group specs (3.11; cinder/api/v3/group_types.py,
// group_specs.py). Admins manage them; readers list and show public ones,
// without the specs (policy group:access_group_types_specs).

const SORT = { id: 'id', name: 'name', created_at: 'created_at', updated_at: 'updated_at', is_public: 'is_public' };
const SPEC_KEY = /^[a-zA-Z0-9\-_:.]{1,255}$/;

function view(caller: Caller, g: GroupTypeRow, specs: Record<string, string | null>) {
  const out: Record<string, unknown> = {
    id: g.id,
    name: g.name,
    description: g.description,
    is_public: !!g.is_public,
  };
  if (caller.admin) out.group_specs = specs;
  return out;
}

/** group_specs: keys of Cinder's spec alphabet, string (or null) values up to 255. */
function groupSpecs(v: unknown, path: string, allowNull = true): Record<string, string | null> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalidField(path, v, `${JSON.stringify(v)} is not of type 'object'`);
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!SPEC_KEY.test(k)) throw invalidField(path, v, `Additional properties are not allowed ('${k}' was unexpected)`);
    if (val === null && allowNull) out[k] = null;
    else if (typeof val !== 'string')
      throw invalidField(`${path}/${k}`, val, `${JSON.stringify(val)} is not of type 'string', 'null'`);
    else if (val.length > 255) throw invalidField(`${path}/${k}`, val, `'${val}' is too long`);
    else out[k] = val;
  }
  return out;
}

export async function groupTypeRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const ctx = (req: FastifyRequest, rule: 'reader' | 'admin', action: string) => {
    const caller = callerOf(req);
    if (!req.microversion.atLeast('3.11')) throw new NotFound('The resource could not be found.');
    authorize(caller, rule, action);
    return caller;
  };
  const params = (req: FastifyRequest) => req.params as { id: string; key: string };
  const putSpecs = async (id: string, specs: Record<string, string | null>) => {
    const entries = Object.entries(specs);
    if (entries.length === 0) return;
    await db
      .insertInto('volume_group_type_specs')
      .values(entries.map(([key, value]) => ({ group_type_id: id, key, value: value as string })))
      .onConflict((oc) =>
        oc.columns(['group_type_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  };

  app.get('/group_types', async (req) => {
    const caller = ctx(req, 'reader', 'group:group_types:get');
    const q = req.query as Query;
    const pq = pageQuery(q, SORT);
    const isPublic = isPublicFilter(caller.admin ? one(q, 'is_public') : undefined);
    let query = db.selectFrom('volume_group_types').selectAll();
    if (isPublic !== null) query = query.where('is_public', '=', isPublic ? 1 : 0);
    const rows = page(await sorted(query, pq).execute(), pq, (m) => groupTypeNotFound(m));
    const specs = await specsOfGroupTypes(
      db,
      rows.map((r) => r.id),
    );
    const out: Record<string, unknown> = {
      group_types: rows.map((r) => view(caller, r, specs.get(r.id) ?? {})),
    };
    const next = collectionLinks(req, caller, 'group_types', rows, pq.limitGiven ? pq.limit : undefined);
    if (next) out.group_type_links = next;
    return out;
  });

  app.get('/group_types/:id', async (req) => {
    const caller = ctx(req, 'reader', 'group:group_types:get');
    // no default_group_type is configured, as on DevStack
    if (params(req).id === 'default') throw new NotFound('Default group type can not be found.');
    const g = await visibleGroupType(db, caller, params(req).id);
    return { group_type: view(caller, g, (await specsOfGroupTypes(db, [g.id])).get(g.id) ?? {}) };
  });

  app.post('/group_types', async (req, reply) => {
    const caller = ctx(req, 'admin', 'group:group_types:create');
    const body = member(req.body, 'group_type');
    const name = optString(body, 'name', 255);
    if (name === undefined || name === null) throw invalidField('group_type', body, "'name' is a required property");
    if (name.trim() === '') throw invalidField('name', name, `'${name}' is too short`);
    const description = optString(body, 'description', 255) ?? null;
    const isPublic = body.is_public === undefined ? true : parseBool(body.is_public, 'is_public');
    const specs =
      body.group_specs === undefined || body.group_specs === null ? {} : groupSpecs(body.group_specs, 'group_specs');
    const row: GroupTypeRow = {
      id: uuid(),
      name,
      description,
      is_public: isPublic ? 1 : 0,
      created_at: now(),
      updated_at: null,
    };
    await db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('volume_group_types').select('id').where('name', '=', name).executeTakeFirst())
        throw new Conflict(`Group Type ${name} already exists.`);
      await trx.insertInto('volume_group_types').values(row).execute();
    });
    await putSpecs(row.id, specs);
    reply.code(202);
    return { group_type: view(caller, row, specs) };
  });

  app.put('/group_types/:id', async (req) => {
    const caller = ctx(req, 'admin', 'group:group_types:update');
    const body = member(req.body, 'group_type');
    rejectUnexpected('group_type', body, ['name', 'description', 'is_public']);
    const name = optString(body, 'name', 255);
    const description = optString(body, 'description', 255);
    const isPublic =
      body.is_public === undefined || body.is_public === null ? undefined : parseBool(body.is_public, 'is_public');
    if (name && name.trim() === '') throw new BadRequest('Group type name can not be empty.');
    if (name == null && description == null && isPublic === undefined)
      throw new BadRequest('Specify group type name, description or a combination thereof.');
    const g = await db.transaction().execute(async (trx) => {
      const cur = await visibleGroupType(trx, caller, params(req).id);
      if (name && name !== cur.name) {
        if (await trx.selectFrom('volume_group_types').select('id').where('name', '=', name).executeTakeFirst())
          throw new Conflict(`Group Type ${name} already exists.`);
      }
      const set: Partial<GroupTypeRow> = { updated_at: now() };
      if (name) set.name = name;
      if (description != null) set.description = description;
      if (isPublic !== undefined) set.is_public = isPublic ? 1 : 0;
      await trx.updateTable('volume_group_types').set(set).where('id', '=', cur.id).execute();
      return { ...cur, ...set };
    });
    return { group_type: view(caller, g, (await specsOfGroupTypes(db, [g.id])).get(g.id) ?? {}) };
  });

  app.delete('/group_types/:id', async (req, reply) => {
    const caller = ctx(req, 'admin', 'group:group_types:delete');
    await db.transaction().execute(async (trx) => {
      const g = await visibleGroupType(trx, caller, params(req).id);
      const used = await trx
        .selectFrom('volume_groups')
        .select('id')
        .where('group_type_id', '=', g.id)
        .executeTakeFirst();
      if (used) throw new BadRequest('Target group type is still in use.');
      await trx.deleteFrom('volume_group_types').where('id', '=', g.id).execute();
    });
    reply.code(202);
    return '';
  });

  // group specs
  const specsOf = async (caller: Caller, id: string) => {
    const g = await visibleGroupType(db, caller, id);
    return (await specsOfGroupTypes(db, [g.id])).get(g.id) ?? {};
  };

  app.get('/group_types/:id/group_specs', async (req) => {
    const caller = ctx(req, 'admin', 'group:group_types_specs:get_all');
    return { group_specs: await specsOf(caller, params(req).id) };
  });

  app.post('/group_types/:id/group_specs', async (req, reply) => {
    const caller = ctx(req, 'admin', 'group:group_types_specs:create');
    const body = req.body as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object' || body.group_specs === undefined)
      throw invalidField('body', body, "'group_specs' is a required property");
    const specs = groupSpecs(body.group_specs, 'group_specs');
    await visibleGroupType(db, caller, params(req).id);
    await putSpecs(params(req).id, specs);
    reply.code(202);
    return { group_specs: specs };
  });

  app.get('/group_types/:id/group_specs/:key', async (req) => {
    const caller = ctx(req, 'admin', 'group:group_types_specs:get');
    const { id, key } = params(req);
    const specs = await specsOf(caller, id);
    if (!(key in specs)) throw new NotFound(`Group Type ${id} has no extra spec with key ${key}.`);
    return { [key]: specs[key] };
  });

  app.put('/group_types/:id/group_specs/:key', async (req) => {
    const caller = ctx(req, 'admin', 'group:group_types_specs:update');
    const { id, key } = params(req);
    const specs = groupSpecs(req.body ?? null, 'body');
    if (Object.keys(specs).length !== 1) throw invalidField('body', req.body, 'must have exactly one property');
    await visibleGroupType(db, caller, id);
    if (!(key in specs)) throw new BadRequest('Request body and URI mismatch');
    await putSpecs(id, specs);
    return specs;
  });

  app.delete('/group_types/:id/group_specs/:key', async (req, reply) => {
    const caller = ctx(req, 'admin', 'group:group_types_specs:delete');
    const { id, key } = params(req);
    await visibleGroupType(db, caller, id);
    const res = await db
      .deleteFrom('volume_group_type_specs')
      .where('group_type_id', '=', id)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFound(`Group Type ${id} has no specs with key ${key}.`);
    reply.code(202);
    return '';
  });
}
