import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Forbidden, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import { type NovaHandler, type NovaRequest, pagination, policyDenied, projectOf, qparam } from '../api.js';
import { limitsFor, usageOf } from '../quotas.js';
import { cdb, type ServerGroupRow } from '../store.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

// /os-server-groups: affinity policies. With one compute host, affinity
// always holds and anti-affinity admits one member (the scheduler in
// servers/build.ts refuses a second).

function policies(req: NovaRequest): string[] {
  return req.microversion.atLeast('2.15')
    ? ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']
    : ['anti-affinity', 'affinity'];
}

function createSchema(req: NovaRequest): Schema {
  const inner: Schema = req.microversion.atLeast('2.64')
    ? {
        type: 'object',
        properties: {
          name: types.name,
          policy: { type: 'string', enum: policies(req) },
          rules: {
            type: 'object',
            properties: { max_server_per_host: types.positiveInteger },
            additionalProperties: false,
          },
        },
        required: ['name', 'policy'],
        additionalProperties: false,
      }
    : {
        type: 'object',
        properties: {
          name: types.name,
          policies: {
            type: 'array',
            items: { type: 'string', enum: policies(req) },
            uniqueItems: true,
            minItems: 1,
            maxItems: 1,
          },
        },
        required: ['name', 'policies'],
        additionalProperties: false,
      };
  return {
    type: 'object',
    properties: { server_group: inner },
    required: ['server_group'],
    additionalProperties: false,
  };
}

function view(req: NovaRequest, g: ServerGroupRow, members: string[]) {
  const out: Record<string, unknown> = { id: g.uuid, name: g.name };
  if (req.microversion.atLeast('2.64')) {
    out.policy = g.policy;
    out.rules = fromJson(g.rules, {});
  } else {
    out.policies = [g.policy];
    out.metadata = {};
  }
  out.members = members;
  if (req.microversion.atLeast('2.13')) {
    out.project_id = g.project_id;
    out.user_id = g.user_id;
  }
  return out;
}

async function membersOf(cloud: Cloud, ids: string[]) {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await cdb(cloud)
    .selectFrom('nova_instances')
    .select(['uuid', 'server_group_id'])
    .where('server_group_id', 'in', ids)
    .where('deleted', '=', 0)
    .orderBy('id')
    .execute();
  for (const r of rows) out.get(r.server_group_id as string)?.push(r.uuid);
  return out;
}

async function findGroup(cloud: Cloud, req: NovaRequest) {
  const { id } = req.params as { id: string };
  const g = await cdb(cloud).selectFrom('nova_server_groups').selectAll().where('uuid', '=', id).executeTakeFirst();
  if (!g || (!req.auth.isAdmin && g.project_id !== req.auth.projectId))
    throw new NotFound(`Instance group ${id} could not be found.`);
  return g;
}

/** POST /os-server-groups */
export const createServerGroup: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  const project = projectOf(req);
  const body = validateBody(createSchema(req), req.body).server_group;
  const policy = req.microversion.atLeast('2.64') ? body.policy : body.policies[0];
  const rules = body.rules ?? {};
  if (Object.keys(rules).length && policy !== 'anti-affinity')
    throw new BadRequest(`Only anti-affinity policy supports rules.`);
  const row: ServerGroupRow = {
    uuid: uuid(),
    name: body.name,
    project_id: project,
    user_id: req.auth.userId,
    policy,
    rules: toJson(rules.max_server_per_host ? { max_server_per_host: Number(rules.max_server_per_host) } : {}),
    created_at: now(),
  };
  await db.transaction().execute(async (trx) => {
    const limit = (await limitsFor(trx, project, req.auth.userId)).server_groups;
    const used = (await usageOf(trx, project)).server_groups;
    if (limit >= 0 && used + 1 > limit) throw new Forbidden('Quota exceeded, too many server groups.');
    await trx.insertInto('nova_server_groups').values(row).execute();
  });
  return { server_group: view(req, row, []) };
};

/** GET /os-server-groups/{id} */
export const showServerGroup: NovaHandler = async (cloud, req) => {
  const g = await findGroup(cloud, req);
  return { server_group: view(req, g, (await membersOf(cloud, [g.uuid])).get(g.uuid) ?? []) };
};

/** DELETE /os-server-groups/{id} */
export const deleteServerGroup: NovaHandler = async (cloud, req, reply) => {
  const db = cdb(cloud);
  const g = await findGroup(cloud, req);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('nova_instances')
      .set({ server_group_id: null })
      .where('server_group_id', '=', g.uuid)
      .execute();
    await trx.deleteFrom('nova_server_groups').where('uuid', '=', g.uuid).execute();
  });
  return reply.code(204).send();
};

export async function serverGroupRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  app.post('/os-server-groups', (req, reply) => createServerGroup(cloud, req, reply));

  app.get('/os-server-groups', async (req) => {
    const all = qparam(req, 'all_projects') !== undefined && toBool(qparam(req, 'all_projects') || 'true');
    if (all && !req.auth.isAdmin) throw policyDenied('os_compute_api:os-server-groups:index:all_projects');
    const { limit, offset } = pagination(req);
    let q = db.selectFrom('nova_server_groups').selectAll().orderBy('created_at').orderBy('uuid');
    if (!all) q = q.where('project_id', '=', projectOf(req));
    const rows = (await q.execute()).slice(offset, offset + limit);
    const members = await membersOf(
      cloud,
      rows.map((r) => r.uuid),
    );
    return { server_groups: rows.map((g) => view(req, g, members.get(g.uuid) ?? [])) };
  });

  app.get('/os-server-groups/:id', (req, reply) => showServerGroup(cloud, req, reply));

  app.delete('/os-server-groups/:id', (req, reply) => deleteServerGroup(cloud, req, reply));
}
