import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import type { AccessRule } from '../../../server/auth.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId, randomToken } from '../../../server/ids.js';
import { fromJson, toJson } from '../../../store/json.js';
import { write } from '../cascade.js';
import { hashPassword } from '../passwords.js';
import { enforce } from '../policy.js';
import { type IdentityTables, idb, NULL_DOMAIN } from '../store.js';
import { boolean, description, id, name, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink, textFilter, v3Url } from './common.js';
import { expiresAt, pythonIsoformat } from './expiry.js';

// Application credentials: a secret a user makes for a program, bound to
// the project and (a subset of) the roles of the token that made it. The
// secret is shown once, at creation; the store keeps its hash.

type AppCredRow = IdentityTables['application_credentials'];

const roleRef: Schema = {
  type: 'object',
  properties: { id, name },
  minProperties: 1,
  additionalProperties: false,
};
const accessRule: Schema = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 0, maxLength: 225, pattern: '^\\/.*' },
    method: { type: 'string', pattern: '^(POST|GET|HEAD|PATCH|PUT|DELETE)$' },
    service: id,
    id,
  },
  additionalProperties: false,
};
const createSchema: Schema = {
  type: 'object',
  properties: {
    name,
    description,
    secret: { type: ['null', 'string'] },
    expires_at: { type: ['null', 'string'] },
    roles: { type: 'array', items: roleRef },
    unrestricted: boolean,
    access_rules: { type: 'array', items: accessRule },
  },
  required: ['name'],
};

async function view(req: FastifyRequest, cloud: Cloud, c: AppCredRow, secret?: string) {
  const roleIds = fromJson<{ id: string }[]>(c.roles, []).map((r) => r.id);
  const roles =
    roleIds.length === 0 ? [] : await idb(cloud).selectFrom('roles').selectAll().where('id', 'in', roleIds).execute();
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    project_id: c.project_id,
    expires_at: c.expires_at ? pythonIsoformat(c.expires_at) : null,
    unrestricted: c.unrestricted === 1,
    roles: roles.map((r) => ({
      id: r.id,
      name: r.name,
      domain_id: r.domain_id === NULL_DOMAIN ? null : r.domain_id,
      description: r.description,
      options: fromJson(r.options, {}),
    })),
    access_rules: fromJson<AccessRule[]>(c.access_rules, []),
    ...(secret !== undefined ? { secret } : {}),
    links: selfLink(req, `/users/${c.user_id}/application_credentials/${c.id}`),
  };
}

/** Keystone refuses app-credential tokens (unless unrestricted) the management of credentials and trusts. */
export async function assertUnrestricted(cloud: Cloud, req: FastifyRequest, what: string) {
  const credId = req.auth.applicationCredentialId;
  if (!credId) return;
  const c = await idb(cloud)
    .selectFrom('application_credentials')
    .select('unrestricted')
    .where('id', '=', credId)
    .executeTakeFirst();
  if (!c?.unrestricted)
    throw new Forbidden(
      `You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing ${what}.`,
    );
}

export async function applicationCredentialRoutes(app: FastifyInstance, cloud: Cloud) {
  const find = async (req: FastifyRequest, action: string) => {
    const { user_id, application_credential_id } = params(req);
    const c = await idb(cloud)
      .selectFrom('application_credentials')
      .selectAll()
      .where('id', '=', application_credential_id)
      .executeTakeFirst();
    // The owner is the credential's user, not the path's (Keystone closes that loophole the same way).
    enforce(req, action, { user_id: c?.user_id ?? user_id });
    if (!c || c.user_id !== user_id)
      throw new NotFound(`Could not find Application Credential: ${application_credential_id}.`);
    return c;
  };

  app.get('/v3/users/:user_id/application_credentials', async (req) => {
    enforce(req, 'identity:list_application_credentials');
    let rows = await idb(cloud)
      .selectFrom('application_credentials')
      .selectAll()
      .where('user_id', '=', params(req).user_id)
      .orderBy('created_at')
      .execute();
    const byName = textFilter(query(req), 'name');
    if (byName) rows = rows.filter((c) => byName(c.name));
    return listBody(req, 'application_credentials', await Promise.all(rows.map((c) => view(req, cloud, c))));
  });

  app.get('/v3/users/:user_id/application_credentials/:application_credential_id', async (req) => ({
    application_credential: await view(req, cloud, await find(req, 'identity:get_application_credential')),
  }));

  app.post('/v3/users/:user_id/application_credentials', async (req, reply) => {
    enforce(req, 'identity:create_application_credential');
    const body = validate(member(req, 'application_credential'), createSchema);
    await assertUnrestricted(cloud, req, 'additional application credentials');
    const { user_id } = params(req);
    if (req.auth.userId !== user_id)
      throw new Forbidden(
        'You are not authorized to perform the requested action: Cannot create an application credential for another user.',
      );
    const projectId = req.auth.projectId;
    if (!projectId)
      throw new BadRequest('Invalid application credential: a project-scoped token is needed to create one.');
    const tokenRoles = req.auth.roleIds.map((rid, i) => ({ id: rid, name: req.auth.roles[i] }));
    let roles = tokenRoles;
    if (Array.isArray(body.roles) && body.roles.length > 0) {
      roles = (body.roles as { id?: string; name?: string }[]).map((r) => {
        const match = tokenRoles.find((t) => (r.id ? t.id === r.id : t.name === r.name));
        if (!match)
          throw new BadRequest(
            'Invalid application credential: Cannot create an application credential with unassigned role',
          );
        return match;
      });
    }
    const secret = typeof body.secret === 'string' && body.secret ? body.secret : randomToken(64);
    const dup = await idb(cloud)
      .selectFrom('application_credentials')
      .select('id')
      .where('user_id', '=', user_id)
      .where('name', '=', String(body.name))
      .executeTakeFirst();
    if (dup)
      throw new Conflict(
        `Conflict occurred attempting to store application_credential - Duplicate name, ${body.name}.`,
      );
    const rules: AccessRule[] = ((body.access_rules as Partial<AccessRule>[] | undefined) ?? []).map((r) => ({
      id: r.id ?? hexId(),
      service: String(r.service),
      path: String(r.path),
      method: String(r.method),
    }));
    const row: AppCredRow = {
      id: hexId(),
      name: String(body.name),
      user_id,
      project_id: projectId,
      secret_hash: await hashPassword(secret, cloud.config.passwordHashCost),
      description: (body.description as string | null) ?? null,
      expires_at: expiresAt(body.expires_at),
      unrestricted: body.unrestricted === true ? 1 : 0,
      roles: toJson(roles.map((r) => ({ id: r.id }))),
      access_rules: toJson(rules),
      created_at: new Date().toISOString(),
    };
    await write(cloud, async (trx) => {
      await trx.insertInto('application_credentials').values(row).execute();
      for (const r of rules)
        await trx
          .insertInto('access_rules')
          .values({ ...r, user_id })
          .onConflict((oc) => oc.doNothing())
          .execute();
    });
    return created(reply, { application_credential: await view(req, cloud, row, secret) });
  });

  app.delete('/v3/users/:user_id/application_credentials/:application_credential_id', async (req, reply) => {
    const c = await find(req, 'identity:delete_application_credential');
    await assertUnrestricted(cloud, req, 'additional application credentials');
    await write(cloud, async (trx) => {
      await trx.deleteFrom('application_credentials').where('id', '=', c.id).execute();
      await trx.updateTable('tokens').set({ revoked: 1 }).where('application_credential_id', '=', c.id).execute();
    });
    return noContent(reply);
  });

  // Access rules: what application credentials of a user may call.
  const ruleView = (req: FastifyRequest, r: IdentityTables['access_rules']) => ({
    id: r.id,
    service: r.service,
    path: r.path,
    method: r.method,
    links: { self: v3Url(req, `/users/${r.user_id}/access_rules/${r.id}`) },
  });

  app.get('/v3/users/:user_id/access_rules', async (req) => {
    const { user_id } = params(req);
    enforce(req, 'identity:list_access_rules', { target: { user: { id: user_id } } });
    const rows = await idb(cloud).selectFrom('access_rules').selectAll().where('user_id', '=', user_id).execute();
    return listBody(
      req,
      'access_rules',
      rows.map((r) => ruleView(req, r)),
    );
  });

  const rule = async (req: FastifyRequest, action: string) => {
    const { user_id, access_rule_id } = params(req);
    enforce(req, action, { target: { user: { id: user_id } } });
    const r = await idb(cloud)
      .selectFrom('access_rules')
      .selectAll()
      .where('id', '=', access_rule_id)
      .where('user_id', '=', user_id)
      .executeTakeFirst();
    if (!r) throw new NotFound(`Could not find Access Rule: ${access_rule_id}.`);
    return r;
  };

  app.get('/v3/users/:user_id/access_rules/:access_rule_id', async (req) => ({
    access_rule: ruleView(req, await rule(req, 'identity:get_access_rule')),
  }));

  app.delete('/v3/users/:user_id/access_rules/:access_rule_id', async (req, reply) => {
    const r = await rule(req, 'identity:delete_access_rule');
    const users = await idb(cloud)
      .selectFrom('application_credentials')
      .select('access_rules')
      .where('user_id', '=', r.user_id)
      .execute();
    if (users.some((c) => fromJson<AccessRule[]>(c.access_rules, []).some((x) => x.id === r.id)))
      throw new Forbidden(`Cannot delete access rule ${r.id}: it is in use by an application credential.`);
    await write(cloud, (trx) => trx.deleteFrom('access_rules').where('id', '=', r.id).execute());
    return noContent(reply);
  });
}
