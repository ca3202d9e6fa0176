import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { toJson } from '../../../store/json.js';
import { deleteRole, write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { getDomain, idb, NULL_DOMAIN, type RoleRow } from '../store.js';
import { name, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink, textFilter, v3Url } from './common.js';

const properties = {
  name,
  description: { type: 'string' },
  options: { type: 'object' },
  domain_id: { type: ['string', 'null'] },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['name'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['name', 'description', 'options', 'domain_id'] as const;
/** Keystone's [assignment] prohibited_implied_role default. */
const PROHIBITED_IMPLIED = ['admin'];

export function roleView(req: FastifyRequest, r: RoleRow) {
  return {
    ...extraOf(r.extra),
    id: r.id,
    name: r.name,
    domain_id: r.domain_id === NULL_DOMAIN ? null : r.domain_id,
    description: r.description,
    options: extraOf(r.options),
    links: selfLink(req, `/roles/${r.id}`),
  };
}

export function getRole(cloud: Cloud, roleId: string) {
  return idb(cloud).selectFrom('roles').selectAll().where('id', '=', roleId).executeTakeFirst();
}

export async function requireRole(cloud: Cloud, roleId: string): Promise<RoleRow> {
  const r = await getRole(cloud, roleId);
  if (!r) throw new NotFound(`Could not find role: ${roleId}.`);
  return r;
}

/** Global roles answer to identity:<verb>_role, domain-specific ones to identity:<verb>_domain_role. */
async function roleFor(req: FastifyRequest, cloud: Cloud, verb: string): Promise<RoleRow> {
  const { role_id } = params(req);
  const r = await getRole(cloud, role_id);
  if (r && r.domain_id !== NULL_DOMAIN) enforce(req, `identity:${verb}_domain_role`, { target: { role: r } });
  else enforce(req, `identity:${verb}_role`);
  return r ?? requireRole(cloud, role_id);
}

async function assertNameFree(cloud: Cloud, domainId: string, roleName: string, except?: string) {
  const other = await idb(cloud)
    .selectFrom('roles')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('name', '=', roleName)
    .executeTakeFirst();
  if (other && other.id !== except)
    throw new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${roleName}.`);
}

function roleRef(req: FastifyRequest, r: RoleRow) {
  return { id: r.id, links: selfLink(req, `/roles/${r.id}`), name: r.name };
}

/** /v3/roles, implied roles and /v3/role_inferences */
export async function roleRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/roles', async (req) => {
    const q = query(req);
    enforce(req, q.domain_id ? 'identity:list_domain_roles' : 'identity:list_roles');
    let rows = await idb(cloud)
      .selectFrom('roles')
      .selectAll()
      .where('domain_id', '=', q.domain_id || NULL_DOMAIN)
      .orderBy('name')
      .execute();
    const byName = textFilter(q, 'name');
    if (byName) rows = rows.filter((r) => byName(r.name));
    return listBody(
      req,
      'roles',
      rows.map((r) => roleView(req, r)),
    );
  });

  app.get('/v3/roles/:role_id', async (req) => ({ role: roleView(req, await roleFor(req, cloud, 'get')) }));

  app.post('/v3/roles', async (req, reply) => {
    const input = member(req, 'role');
    enforce(req, input.domain_id ? 'identity:create_domain_role' : 'identity:create_role');
    const body = validate(input, createSchema);
    const domainId = (body.domain_id as string | null) || NULL_DOMAIN;
    if (domainId !== NULL_DOMAIN && !(await getDomain(cloud, domainId)))
      throw new NotFound(`Could not find domain: ${domainId}.`);
    await assertNameFree(cloud, domainId, String(body.name));
    const row: RoleRow = {
      id: hexId(),
      name: String(body.name),
      domain_id: domainId,
      description: (body.description as string | undefined) ?? null,
      options: toJson(body.options ?? {}),
      extra: splitExtra(body, KNOWN).extra,
    };
    await write(cloud, (trx) => trx.insertInto('roles').values(row).execute());
    return created(reply, { role: roleView(req, row) });
  });

  app.patch('/v3/roles/:role_id', async (req) => {
    const r = await roleFor(req, cloud, 'update');
    const body = validate(member(req, 'role'), updateSchema);
    if (body.id !== undefined && body.id !== r.id) throw new BadRequest('Cannot change ID');
    const current = r.domain_id === NULL_DOMAIN ? null : r.domain_id;
    if (body.domain_id !== undefined && body.domain_id !== current)
      throw new BadRequest('Update of `domain_id` is not allowed.');
    const roleName = body.name !== undefined ? String(body.name) : r.name;
    if (roleName !== r.name) await assertNameFree(cloud, r.domain_id, roleName, r.id);
    const row: RoleRow = {
      ...r,
      name: roleName,
      description: body.description !== undefined ? (body.description as string) : r.description,
      options: body.options !== undefined ? toJson(body.options) : r.options,
      extra: splitExtra(body, KNOWN, r.extra).extra,
    };
    await write(cloud, (trx) => trx.updateTable('roles').set(row).where('id', '=', r.id).execute());
    return { role: roleView(req, row) };
  });

  app.delete('/v3/roles/:role_id', async (req, reply) => {
    const r = await roleFor(req, cloud, 'delete');
    await write(cloud, (trx) => deleteRole(trx, r.id));
    return noContent(reply);
  });

  // Implied roles: the roles are looked up before policy, as Keystone builds its target from them.
  const pair = async (req: FastifyRequest, action: string) => {
    const { prior_role_id, implied_role_id } = params(req);
    const prior = await requireRole(cloud, prior_role_id);
    const implied = implied_role_id ? await requireRole(cloud, implied_role_id) : undefined;
    enforce(req, action, { target: { prior_role: prior, ...(implied ? { implied_role: implied } : {}) } });
    return { prior, implied: implied! };
  };
  const inference = async (req: FastifyRequest, prior: RoleRow, implied: RoleRow) => {
    const row = await idb(cloud)
      .selectFrom('implied_roles')
      .select('prior_role_id')
      .where('prior_role_id', '=', prior.id)
      .where('implied_role_id', '=', implied.id)
      .executeTakeFirst();
    if (!row) throw new NotFound(`${prior.id} does not imply ${implied.id}.`);
    return {
      role_inference: { prior_role: roleRef(req, prior), implies: roleRef(req, implied) },
      links: { self: v3Url(req, `/roles/${prior.id}/implies/${implied.id}`) },
    };
  };

  app.get('/v3/roles/:prior_role_id/implies', async (req) => {
    const { prior } = await pair(req, 'identity:list_implied_roles');
    const implied = await idb(cloud)
      .selectFrom('roles')
      .innerJoin('implied_roles', 'implied_roles.implied_role_id', 'roles.id')
      .selectAll('roles')
      .where('implied_roles.prior_role_id', '=', prior.id)
      .execute();
    return {
      role_inference: { prior_role: roleRef(req, prior), implies: implied.map((r) => roleRef(req, r)) },
      links: { self: v3Url(req, `/roles/${prior.id}/implies`) },
    };
  });

  app.route({
    method: 'HEAD',
    url: '/v3/roles/:prior_role_id/implies/:implied_role_id',
    handler: async (req, reply) => {
      const { prior, implied } = await pair(req, 'identity:check_implied_role');
      enforce(req, 'identity:get_implied_role', { target: { prior_role: prior, implied_role: implied } });
      await inference(req, prior, implied);
      return noContent(reply);
    },
  });

  app.get('/v3/roles/:prior_role_id/implies/:implied_role_id', { exposeHeadRoute: false }, async (req) => {
    const { prior, implied } = await pair(req, 'identity:get_implied_role');
    return inference(req, prior, implied);
  });

  app.put('/v3/roles/:prior_role_id/implies/:implied_role_id', async (req, reply) => {
    const { prior, implied } = await pair(req, 'identity:create_implied_role');
    if (PROHIBITED_IMPLIED.includes(implied.name)) throw new Forbidden(`${implied.id} cannot be an implied roles.`);
    if (prior.domain_id === NULL_DOMAIN && implied.domain_id !== NULL_DOMAIN)
      throw new Forbidden('Global role cannot imply a domain-specific role');
    await write(cloud, (trx) =>
      trx
        .insertInto('implied_roles')
        .values({ prior_role_id: prior.id, implied_role_id: implied.id })
        .onConflict((oc) => oc.doNothing())
        .execute(),
    );
    return created(reply, await inference(req, prior, implied));
  });

  app.delete('/v3/roles/:prior_role_id/implies/:implied_role_id', async (req, reply) => {
    const { prior, implied } = await pair(req, 'identity:delete_implied_role');
    const res = await write(cloud, (trx) =>
      trx
        .deleteFrom('implied_roles')
        .where('prior_role_id', '=', prior.id)
        .where('implied_role_id', '=', implied.id)
        .executeTakeFirst(),
    );
    if (Number(res.numDeletedRows) === 0) throw new NotFound(`${prior.id} does not imply ${implied.id}.`);
    return noContent(reply);
  });

  app.get('/v3/role_inferences', async (req) => {
    enforce(req, 'identity:list_role_inference_rules');
    const [rules, roles] = await Promise.all([
      idb(cloud).selectFrom('implied_roles').selectAll().execute(),
      idb(cloud).selectFrom('roles').selectAll().execute(),
    ]);
    const byId = new Map(roles.map((r) => [r.id, r]));
    const grouped = new Map<string, RoleRow[]>();
    for (const rule of rules) {
      const implied = byId.get(rule.implied_role_id);
      if (implied && byId.has(rule.prior_role_id))
        grouped.set(rule.prior_role_id, [...(grouped.get(rule.prior_role_id) ?? []), implied]);
    }
    return {
      role_inferences: [...grouped].map(([priorId, implied]) => ({
        prior_role: roleRef(req, byId.get(priorId)!),
        implies: implied.map((r) => roleRef(req, r)),
      })),
      links: { self: v3Url(req, '/role_inferences'), previous: null, next: null },
    };
  });
}
