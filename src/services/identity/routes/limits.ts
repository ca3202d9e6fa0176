import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { write } from '../cascade.js';
import { allowed, enforce } from '../policy.js';
import { getDomain, getProject, type IdentityTables, idb } from '../store.js';
import { description, id, type Schema, validate } from '../validate.js';
import { created, listBody, noContent, params, query, selfLink } from './common.js';
import { getRegion } from './regions.js';
import { getService } from './services.js';

// Unified limits: registered (default) limits per service, region and
// resource, and project or domain limits that override them ("flat" model).
// Kept and served for clients such as oslo.limit; pocketstack's own quotas
// are each service's business.

type LimitRow = IdentityTables['limits'];
const MAX = 0x7fffffff;
const resourceName: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const registeredItem: Schema = {
  type: 'object',
  properties: {
    service_id: id,
    region_id: { type: ['null', 'string'] },
    resource_name: resourceName,
    default_limit: { type: 'integer', minimum: -1, maximum: MAX },
    description,
  },
  required: ['service_id', 'resource_name', 'default_limit'],
  additionalProperties: false,
};
const limitItem: Schema = {
  type: 'object',
  properties: {
    project_id: id,
    domain_id: id,
    service_id: id,
    region_id: { type: 'string' },
    resource_name: resourceName,
    resource_limit: { type: 'integer', minimum: -1, maximum: MAX },
    description,
  },
  required: ['service_id', 'resource_name', 'resource_limit'],
  additionalProperties: false,
};

function expecting(attribute: string, target: string) {
  return new BadRequest(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}

function registeredView(req: FastifyRequest, l: LimitRow) {
  return {
    id: l.id,
    service_id: l.service_id,
    region_id: l.region_id,
    resource_name: l.resource_name,
    default_limit: l.limit_value,
    description: l.description,
    links: selfLink(req, `/registered_limits/${l.id}`),
  };
}

function limitView(req: FastifyRequest, l: LimitRow) {
  return {
    id: l.id,
    project_id: l.project_id,
    domain_id: l.domain_id,
    service_id: l.service_id,
    region_id: l.region_id,
    resource_name: l.resource_name,
    resource_limit: l.limit_value,
    description: l.description,
    links: selfLink(req, `/limits/${l.id}`),
  };
}

/** What Keystone's get_limit rule looks at: the limit, its domain, its project's domain. */
function limitTarget(l: LimitRow, projectDomain: Map<string, string>) {
  return {
    target: {
      limit: {
        ...l,
        ...(l.project_id ? { project: { domain_id: projectDomain.get(l.project_id) } } : {}),
        ...(l.domain_id ? { domain: { id: l.domain_id } } : {}),
      },
    },
  };
}

export async function limitRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = () => idb(cloud);
  const projectDomains = async () =>
    new Map((await db().selectFrom('projects').select(['id', 'domain_id']).execute()).map((p) => [p.id, p.domain_id]));
  const same = (a: Partial<LimitRow>, b: Partial<LimitRow>) =>
    a.service_id === b.service_id &&
    (a.region_id ?? null) === (b.region_id ?? null) &&
    a.resource_name === b.resource_name;
  const find = async (registered: number, limitId: string) => {
    const l = await db()
      .selectFrom('limits')
      .selectAll()
      .where('id', '=', limitId)
      .where('registered', '=', registered)
      .executeTakeFirst();
    if (!l) throw new NotFound(`Could not find ${registered ? 'registered limit' : 'limit'} for ${limitId}.`);
    return l;
  };
  const checkRefs = async (l: Record<string, unknown>, target: string) => {
    if (!(await getService(cloud, String(l.service_id)))) throw expecting('service_id', target);
    if (l.region_id != null && !(await getRegion(cloud, String(l.region_id)))) throw expecting('region_id', target);
    if (l.project_id !== undefined && !(await getProject(cloud, String(l.project_id))))
      throw expecting('project_id', target);
    if (l.domain_id !== undefined && !(await getDomain(cloud, String(l.domain_id))))
      throw expecting('domain_id', target);
  };

  app.get('/v3/limits/model', async (req) => {
    enforce(req, 'identity:get_limit_model');
    return {
      model: {
        name: 'flat',
        description: 'Limit enforcement and validation does not take project hierarchy into consideration.',
      },
    };
  });

  // Registered limits
  app.get('/v3/registered_limits', async (req) => {
    enforce(req, 'identity:list_registered_limits');
    const q = query(req);
    let sql = db().selectFrom('limits').selectAll().where('registered', '=', 1);
    for (const f of ['service_id', 'region_id', 'resource_name'] as const) if (q[f]) sql = sql.where(f, '=', q[f]);
    return listBody(
      req,
      'registered_limits',
      (await sql.execute()).map((l) => registeredView(req, l)),
    );
  });

  app.get('/v3/registered_limits/:registered_limit_id', async (req) => {
    enforce(req, 'identity:get_registered_limit');
    return { registered_limit: registeredView(req, await find(1, params(req).registered_limit_id)) };
  });

  app.post('/v3/registered_limits', async (req, reply) => {
    enforce(req, 'identity:create_registered_limits');
    const items = validate<Record<string, unknown>[]>((req.body as any)?.registered_limits, {
      type: 'array',
      items: registeredItem,
      minItems: 1,
    });
    const existing = await db().selectFrom('limits').selectAll().where('registered', '=', 1).execute();
    const rows: LimitRow[] = [];
    for (const item of items) {
      await checkRefs(item, 'registered_limits');
      const row: LimitRow = {
        id: hexId(),
        registered: 1,
        service_id: String(item.service_id),
        region_id: (item.region_id as string | null | undefined) ?? null,
        resource_name: String(item.resource_name),
        project_id: null,
        domain_id: null,
        limit_value: Number(item.default_limit),
        description: (item.description as string | null | undefined) ?? null,
      };
      if ([...existing, ...rows].some((e) => same(e, row)))
        throw new Conflict(`Conflict occurred attempting to store registered_limit - Duplicate entry.`);
      rows.push(row);
    }
    await write(cloud, (trx) => trx.insertInto('limits').values(rows).execute());
    return created(reply, { registered_limits: rows.map((l) => registeredView(req, l)) });
  });

  app.patch('/v3/registered_limits/:registered_limit_id', async (req) => {
    enforce(req, 'identity:update_registered_limit');
    const body = validate((req.body as any)?.registered_limit ?? {}, {
      ...registeredItem,
      required: [],
    });
    const l = await find(1, params(req).registered_limit_id);
    const used = await db()
      .selectFrom('limits')
      .select('id')
      .where('registered', '=', 0)
      .where('service_id', '=', l.service_id)
      .where('resource_name', '=', l.resource_name)
      .executeTakeFirst();
    const identityChange = ['service_id', 'region_id', 'resource_name'].some((k) => k in body);
    if (used && identityChange)
      throw new Forbidden(
        `Unable to update or delete registered limit ${l.id} because there are project limits associated with it.`,
      );
    const row: LimitRow = {
      ...l,
      service_id: body.service_id ?? l.service_id,
      region_id: body.region_id !== undefined ? body.region_id : l.region_id,
      resource_name: body.resource_name ?? l.resource_name,
      limit_value: body.default_limit ?? l.limit_value,
      description: body.description !== undefined ? body.description : l.description,
    };
    await checkRefs(row, 'registered_limits');
    await write(cloud, (trx) => trx.updateTable('limits').set(row).where('id', '=', l.id).execute());
    return { registered_limit: registeredView(req, row) };
  });

  app.delete('/v3/registered_limits/:registered_limit_id', async (req, reply) => {
    enforce(req, 'identity:delete_registered_limit');
    const l = await find(1, params(req).registered_limit_id);
    const limits = await db().selectFrom('limits').selectAll().where('registered', '=', 0).execute();
    if (limits.some((x) => same(x, l)))
      throw new Forbidden(
        `Unable to update or delete registered limit ${l.id} because there are project limits associated with it.`,
      );
    await write(cloud, (trx) => trx.deleteFrom('limits').where('id', '=', l.id).execute());
    return noContent(reply);
  });

  // Project and domain limits
  app.get('/v3/limits', async (req) => {
    enforce(req, 'identity:list_limits');
    const q = query(req);
    let sql = db().selectFrom('limits').selectAll().where('registered', '=', 0);
    for (const f of ['service_id', 'region_id', 'resource_name', 'project_id', 'domain_id'] as const)
      if (q[f]) sql = sql.where(f, '=', q[f]);
    // everyone may list; each sees the limits they may get
    const domains = await projectDomains();
    const rows = (await sql.execute()).filter((l) => allowed(req.auth, 'identity:get_limit', limitTarget(l, domains)));
    return listBody(
      req,
      'limits',
      rows.map((l) => limitView(req, l)),
    );
  });

  app.get('/v3/limits/:limit_id', async (req) => {
    const l = await find(0, params(req).limit_id);
    enforce(req, 'identity:get_limit', limitTarget(l, await projectDomains()));
    return { limit: limitView(req, l) };
  });

  app.post('/v3/limits', async (req, reply) => {
    enforce(req, 'identity:create_limits');
    const items = validate<Record<string, unknown>[]>((req.body as any)?.limits, {
      type: 'array',
      items: limitItem,
      minItems: 1,
    });
    const all = await db().selectFrom('limits').selectAll().execute();
    const rows: LimitRow[] = [];
    for (const item of items) {
      if ((item.project_id === undefined) === (item.domain_id === undefined))
        throw new BadRequest('A limit is for either a project_id or a domain_id.');
      await checkRefs(item, 'limits');
      const row: LimitRow = {
        id: hexId(),
        registered: 0,
        service_id: String(item.service_id),
        region_id: (item.region_id as string | undefined) ?? null,
        resource_name: String(item.resource_name),
        project_id: (item.project_id as string | undefined) ?? null,
        domain_id: (item.domain_id as string | undefined) ?? null,
        limit_value: Number(item.resource_limit),
        description: (item.description as string | null | undefined) ?? null,
      };
      if (!all.some((r) => r.registered === 1 && same(r, row)))
        throw new Forbidden('Unable to create a limit that has no corresponding registered limit.');
      if (
        [...all, ...rows].some(
          (r) => !r.registered && same(r, row) && r.project_id === row.project_id && r.domain_id === row.domain_id,
        )
      )
        throw new Conflict('Conflict occurred attempting to store limit - Duplicate entry.');
      rows.push(row);
    }
    await write(cloud, (trx) => trx.insertInto('limits').values(rows).execute());
    return created(reply, { limits: rows.map((l) => limitView(req, l)) });
  });

  app.patch('/v3/limits/:limit_id', async (req) => {
    enforce(req, 'identity:update_limit');
    const body = validate((req.body as any)?.limit ?? {}, {
      type: 'object',
      properties: { resource_limit: { type: 'integer', minimum: -1, maximum: MAX }, description },
      additionalProperties: false,
    });
    const l = await find(0, params(req).limit_id);
    const row: LimitRow = {
      ...l,
      limit_value: body.resource_limit ?? l.limit_value,
      description: body.description !== undefined ? body.description : l.description,
    };
    await write(cloud, (trx) => trx.updateTable('limits').set(row).where('id', '=', l.id).execute());
    return { limit: limitView(req, row) };
  });

  app.delete('/v3/limits/:limit_id', async (req, reply) => {
    enforce(req, 'identity:delete_limit');
    const l = await find(0, params(req).limit_id);
    await write(cloud, (trx) => trx.deleteFrom('limits').where('id', '=', l.id).execute());
    return noContent(reply);
  });
}
