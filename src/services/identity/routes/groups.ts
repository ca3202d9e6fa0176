import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { deleteGroup, write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { getDomain, getUser, type IdentityTables, idb } from '../store.js';
import { description, id, name, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink, textFilter } from './common.js';
import { userView } from './users.js';

type GroupRow = IdentityTables['groups'];

const properties = { description, domain_id: id, name } satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['name'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['name', 'domain_id', 'description'] as const;

export function groupView(req: FastifyRequest, g: GroupRow) {
  return {
    ...extraOf(g.extra),
    id: g.id,
    name: g.name,
    domain_id: g.domain_id,
    description: g.description ?? '',
    links: selfLink(req, `/groups/${g.id}`),
  };
}

export function getGroup(cloud: Cloud, groupId: string) {
  return idb(cloud).selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst();
}

export async function requireGroup(cloud: Cloud, groupId: string): Promise<GroupRow> {
  const g = await getGroup(cloud, groupId);
  if (!g) throw new NotFound(`Could not find group: ${groupId}.`);
  return g;
}

async function groupFor(req: FastifyRequest, cloud: Cloud, action: string, extra: Record<string, unknown> = {}) {
  const { group_id } = params(req);
  const g = await getGroup(cloud, group_id);
  enforce(req, action, { target: { group: g ?? {}, ...extra } });
  return g ?? requireGroup(cloud, group_id);
}

async function assertNameFree(cloud: Cloud, domainId: string, groupName: string, except?: string) {
  const other = await idb(cloud)
    .selectFrom('groups')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('name', '=', groupName)
    .executeTakeFirst();
  if (other && other.id !== except)
    throw new Conflict(
      `Conflict occurred attempting to store group - Duplicate entry found with name ${groupName} at domain ID ${domainId}.`,
    );
}

/** Membership routes look both up, enforce with both as targets, then insist both exist. */
async function membership(req: FastifyRequest, cloud: Cloud, action: string) {
  const { group_id, user_id } = params(req);
  const [g, u] = await Promise.all([getGroup(cloud, group_id), getUser(cloud, user_id)]);
  enforce(req, action, { target: { group: g ?? {}, user: u ? { id: u.id, domain_id: u.domain_id } : {} } });
  if (!g) throw new NotFound(`Could not find group: ${group_id}.`);
  if (!u) throw new NotFound(`Could not find user: ${user_id}.`);
  return { g, u };
}

/** /v3/groups and membership */
export async function groupRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/groups', async (req) => {
    const q = query(req);
    enforce(
      req,
      'identity:list_groups',
      req.auth.domainId ? { target: { group: { domain_id: req.auth.domainId } } } : {},
    );
    let sql = idb(cloud).selectFrom('groups').selectAll().orderBy('name');
    const domainId = req.auth.domainId ?? q.domain_id;
    if (domainId !== undefined) sql = sql.where('domain_id', '=', domainId);
    let rows = await sql.execute();
    const byName = textFilter(q, 'name');
    if (byName) rows = rows.filter((g) => byName(g.name));
    return listBody(
      req,
      'groups',
      rows.map((g) => groupView(req, g)),
    );
  });

  app.get('/v3/groups/:group_id', async (req) => ({
    group: groupView(req, await groupFor(req, cloud, 'identity:get_group')),
  }));

  app.post('/v3/groups', async (req, reply) => {
    const input = member(req, 'group');
    enforce(req, 'identity:create_group', { target: { group: input } });
    const body = validate(input, createSchema);
    const domainId = (body.domain_id as string | undefined) ?? req.auth.domainId ?? 'default';
    if (!(await getDomain(cloud, domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    await assertNameFree(cloud, domainId, String(body.name));
    const row: GroupRow = {
      id: hexId(),
      name: String(body.name),
      domain_id: domainId,
      description: (body.description as string | null) ?? '',
      extra: splitExtra(body, KNOWN).extra,
      created_at: new Date().toISOString(),
    };
    await write(cloud, (trx) => trx.insertInto('groups').values(row).execute());
    return created(reply, { group: groupView(req, row) });
  });

  app.patch('/v3/groups/:group_id', async (req) => {
    const g = await groupFor(req, cloud, 'identity:update_group');
    const body = validate(member(req, 'group'), updateSchema);
    if (body.id !== undefined && body.id !== g.id) throw new BadRequest('Cannot change ID');
    if (body.domain_id !== undefined && body.domain_id !== g.domain_id) throw new BadRequest('Cannot change Domain ID');
    const groupName = body.name !== undefined ? String(body.name) : g.name;
    if (groupName !== g.name) await assertNameFree(cloud, g.domain_id, groupName, g.id);
    const row: GroupRow = {
      ...g,
      name: groupName,
      description: body.description !== undefined ? ((body.description as string | null) ?? '') : g.description,
      extra: splitExtra(body, KNOWN, g.extra).extra,
    };
    await write(cloud, (trx) => trx.updateTable('groups').set(row).where('id', '=', g.id).execute());
    return { group: groupView(req, row) };
  });

  app.delete('/v3/groups/:group_id', async (req, reply) => {
    const g = await groupFor(req, cloud, 'identity:delete_group');
    await write(cloud, (trx) => deleteGroup(trx, g.id));
    return noContent(reply);
  });

  app.get('/v3/groups/:group_id/users', async (req) => {
    const g = await groupFor(req, cloud, 'identity:list_users_in_group');
    const q = query(req);
    let rows = await idb(cloud)
      .selectFrom('users')
      .innerJoin('group_members', 'group_members.user_id', 'users.id')
      .selectAll('users')
      .where('group_members.group_id', '=', g.id)
      .orderBy('users.name')
      .execute();
    const byName = textFilter(q, 'name');
    if (byName) rows = rows.filter((u) => byName(u.name));
    if (q.domain_id !== undefined) rows = rows.filter((u) => u.domain_id === q.domain_id);
    return listBody(
      req,
      'users',
      rows.map((u) => userView(req, u)),
    );
  });

  app.put('/v3/groups/:group_id/users/:user_id', async (req, reply) => {
    const { g, u } = await membership(req, cloud, 'identity:add_user_to_group');
    await write(cloud, (trx) =>
      trx
        .insertInto('group_members')
        .values({ group_id: g.id, user_id: u.id })
        .onConflict((oc) => oc.doNothing())
        .execute(),
    );
    return noContent(reply);
  });

  app.get('/v3/groups/:group_id/users/:user_id', async (req, reply) => {
    const { g, u } = await membership(req, cloud, 'identity:check_user_in_group');
    const row = await idb(cloud)
      .selectFrom('group_members')
      .select('user_id')
      .where('group_id', '=', g.id)
      .where('user_id', '=', u.id)
      .executeTakeFirst();
    if (!row) throw new NotFound(`User '${u.id}' not found in group '${g.id}'`);
    return noContent(reply);
  });

  app.delete('/v3/groups/:group_id/users/:user_id', async (req, reply) => {
    const { g, u } = await membership(req, cloud, 'identity:remove_user_from_group');
    const res = await write(cloud, (trx) =>
      trx.deleteFrom('group_members').where('group_id', '=', g.id).where('user_id', '=', u.id).executeTakeFirst(),
    );
    if (Number(res.numDeletedRows) === 0) throw new NotFound(`User '${u.id}' not found in group '${g.id}'`);
    return noContent(reply);
  });
}
