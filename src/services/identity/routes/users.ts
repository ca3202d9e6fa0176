import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound, Unauthorized } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { isoMicros } from '../../../server/time.js';
import { toJson } from '../../../store/json.js';
import { projectsOfUser } from '../assignments.js';
import { deleteUser, write } from '../cascade.js';
import { forgetUser } from '../credential-cache.js';
import { extraOf, splitExtra } from '../extra.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { enforce } from '../policy.js';
import { getDomain, getProject, getUser, idb, type UserRow } from '../store.js';
import { boolean, description, id, name, nullableId, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink, textFilter, truthy } from './common.js';
import { groupView } from './groups.js';
import { projectView } from './projects.js';

const properties = {
  default_project_id: nullableId,
  description,
  domain_id: id,
  enabled: boolean,
  name,
  password: { type: ['string', 'null'] },
  options: { type: 'object' },
  federated: { type: 'array' },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['name'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const passwordChange: Schema = {
  type: 'object',
  properties: { original_password: { type: 'string' }, password: { type: 'string' } },
  required: ['original_password', 'password'],
  additionalProperties: false,
};
// Columns of ours; `description` and the rest live in `extra`, as in Keystone.
const KNOWN = ['name', 'domain_id', 'enabled', 'password', 'default_project_id', 'options', 'federated'] as const;

export function userView(req: FastifyRequest, u: UserRow) {
  const view: Record<string, unknown> = {
    ...extraOf(u.extra),
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled === 1,
    password_expires_at: u.password_expires_at ? isoMicros(u.password_expires_at) : null,
    options: extraOf(u.options),
    links: selfLink(req, `/users/${u.id}`),
  };
  if (u.default_project_id) view.default_project_id = u.default_project_id;
  return view;
}

export async function requireUser(cloud: Cloud, userId: string): Promise<UserRow> {
  const u = await getUser(cloud, userId);
  if (!u) throw new NotFound(`Could not find user: ${userId}.`);
  return u;
}

/** Looks the user up, enforces `action` with it as the target, then insists it exists (Keystone's order). */
export async function userFor(req: FastifyRequest, cloud: Cloud, action: string): Promise<UserRow> {
  const { user_id } = params(req);
  const u = await getUser(cloud, user_id);
  enforce(req, action, { target: { user: u ? { id: u.id, domain_id: u.domain_id } : {} } });
  return u ?? requireUser(cloud, user_id);
}

async function assertNameFree(cloud: Cloud, domainId: string, userName: string, except?: string) {
  const other = await idb(cloud)
    .selectFrom('users')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('name', '=', userName)
    .executeTakeFirst();
  if (other && other.id !== except)
    throw new Conflict(
      `Conflict occurred attempting to store user - Duplicate entry found with name ${userName} at domain ID ${domainId}.`,
    );
}

async function checkDefaultProject(cloud: Cloud, projectId: unknown) {
  if (typeof projectId !== 'string') return;
  if (!(await getProject(cloud, projectId)) && (await getDomain(cloud, projectId)))
    throw new BadRequest('User cannot have a domain as a default project.');
}

/** /v3/users, /v3/users/{id}/password, /projects and /groups */
export async function userRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/users', async (req) => {
    const q = query(req);
    enforce(req, 'identity:list_users', req.auth.domainId ? { domain_id: req.auth.domainId } : {});
    let sql = idb(cloud).selectFrom('users').selectAll().orderBy('name');
    const domainId = req.auth.domainId ?? q.domain_id;
    if (domainId !== undefined) sql = sql.where('domain_id', '=', domainId);
    let rows = await sql.execute();
    const byName = textFilter(q, 'name');
    if (byName) rows = rows.filter((u) => byName(u.name));
    if (q.enabled !== undefined) rows = rows.filter((u) => (u.enabled === 1) === truthy(q.enabled!));
    // Federated users do not exist here: a filter on their attributes matches nobody.
    if (q.idp_id !== undefined || q.protocol_id !== undefined || q.unique_id !== undefined) rows = [];
    return listBody(
      req,
      'users',
      rows.map((u) => userView(req, u)),
    );
  });

  app.get('/v3/users/:user_id', async (req) => ({
    user: userView(req, await userFor(req, cloud, 'identity:get_user')),
  }));

  app.post('/v3/users', async (req, reply) => {
    const input = member(req, 'user');
    enforce(req, 'identity:create_user', { target: { user: input } });
    const body = validate(input, createSchema);
    const domainId = (body.domain_id as string | undefined) ?? req.auth.domainId ?? 'default';
    if (!(await getDomain(cloud, domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    const userName = String(body.name);
    await assertNameFree(cloud, domainId, userName);
    await checkDefaultProject(cloud, body.default_project_id);
    const at = new Date().toISOString();
    const row: UserRow = {
      id: hexId(),
      name: userName,
      domain_id: domainId,
      enabled: body.enabled === false ? 0 : 1,
      password_hash:
        typeof body.password === 'string' ? await hashPassword(body.password, cloud.config.passwordHashCost) : null,
      password_expires_at: null,
      password_changed_at: typeof body.password === 'string' ? at : null,
      default_project_id: (body.default_project_id as string | null) ?? null,
      description: null,
      options: toJson(body.options ?? {}),
      extra: splitExtra(body, KNOWN).extra,
      created_at: at,
    };
    await write(cloud, (trx) => trx.insertInto('users').values(row).execute());
    return created(reply, { user: userView(req, row) });
  });

  app.patch('/v3/users/:user_id', async (req) => {
    const u = await userFor(req, cloud, 'identity:update_user');
    const body = validate(member(req, 'user'), updateSchema);
    if (body.id !== undefined && body.id !== u.id) throw new BadRequest('Cannot change ID');
    if (body.domain_id !== undefined && body.domain_id !== u.domain_id) throw new BadRequest('Cannot change Domain ID');
    const userName = body.name !== undefined ? String(body.name) : u.name;
    if (userName !== u.name) await assertNameFree(cloud, u.domain_id, userName, u.id);
    await checkDefaultProject(cloud, body.default_project_id);
    const newPassword = body.password !== undefined;
    const row: UserRow = {
      ...u,
      name: userName,
      enabled: body.enabled === undefined ? u.enabled : body.enabled ? 1 : 0,
      default_project_id:
        body.default_project_id !== undefined
          ? ((body.default_project_id as string | null) ?? null)
          : u.default_project_id,
      options: body.options !== undefined ? toJson({ ...extraOf(u.options), ...(body.options as object) }) : u.options,
      extra: splitExtra(body, KNOWN, u.extra).extra,
    };
    if (newPassword) {
      row.password_hash =
        typeof body.password === 'string' ? await hashPassword(body.password, cloud.config.passwordHashCost) : null;
      row.password_changed_at = new Date().toISOString();
    }
    await write(cloud, async (trx) => {
      await trx.updateTable('users').set(row).where('id', '=', u.id).execute();
      // A disabled user, or one whose password changed, keeps no token.
      if ((u.enabled && !row.enabled) || newPassword)
        await trx.updateTable('tokens').set({ revoked: 1 }).where('user_id', '=', u.id).execute();
    });
    if (!row.enabled || newPassword) forgetUser(cloud, u.id);
    return { user: userView(req, row) };
  });

  app.delete('/v3/users/:user_id', async (req, reply) => {
    const u = await userFor(req, cloud, 'identity:delete_user');
    await write(cloud, (trx) => deleteUser(trx, u.id));
    forgetUser(cloud, u.id);
    return noContent(reply);
  });

  // Keystone answers this without a token (a user with an expired password must be able to change it).
  app.post('/v3/users/:user_id/password', { config: { public: true } }, async (req, reply) => {
    const body = validate<{ original_password: string; password: string }>(member(req, 'user'), passwordChange);
    const u = await getUser(cloud, params(req).user_id);
    if (!u?.enabled || !(await verifyPassword(body.original_password, u.password_hash)))
      throw new Unauthorized('The request you have made requires authentication.');
    const hash = await hashPassword(body.password, cloud.config.passwordHashCost);
    await write(cloud, async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: hash, password_changed_at: new Date().toISOString() })
        .where('id', '=', u.id)
        .execute();
      await trx.updateTable('tokens').set({ revoked: 1 }).where('user_id', '=', u.id).execute();
    });
    forgetUser(cloud, u.id);
    return noContent(reply);
  });

  app.get('/v3/users/:user_id/projects', async (req) => {
    const u = await userFor(req, cloud, 'identity:list_user_projects');
    const q = query(req);
    let rows = await projectsOfUser(cloud, u.id);
    if (q.domain_id !== undefined) rows = rows.filter((p) => p.domain_id === q.domain_id);
    if (q.enabled !== undefined) rows = rows.filter((p) => (p.enabled === 1) === truthy(q.enabled!));
    const byName = textFilter(q, 'name');
    if (byName) rows = rows.filter((p) => byName(p.name));
    return listBody(
      req,
      'projects',
      rows.map((p) => projectView(req, p)),
    );
  });

  app.get('/v3/users/:user_id/groups', async (req) => {
    const u = await userFor(req, cloud, 'identity:list_groups_for_user');
    let rows = await idb(cloud)
      .selectFrom('groups')
      .innerJoin('group_members', 'group_members.group_id', 'groups.id')
      .selectAll('groups')
      .where('group_members.user_id', '=', u.id)
      .orderBy('groups.name')
      .execute();
    if (req.auth.domainId) rows = rows.filter((g) => g.domain_id === req.auth.domainId);
    const byName = textFilter(query(req), 'name');
    if (byName) rows = rows.filter((g) => byName(g.name));
    return listBody(
      req,
      'groups',
      rows.map((g) => groupView(req, g)),
    );
  });
}
