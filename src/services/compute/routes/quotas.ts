import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { getProject } from '../../identity/store.js';
import { type NovaRequest, policyDenied, qparam, requireComputeAdmin } from '../api.js';
import { defaultLimits, limitsFor, QUOTA_DEFAULTS, quotaResources, usageOf } from '../quotas.js';
import { cdb } from '../store.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

const limitValue: Schema = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };

function updateSchema(req: NovaRequest, wrapper: string, withForce: boolean): Schema {
  const props: Record<string, Schema> = Object.fromEntries(
    quotaResources(req.microversion).map((r) => [r, limitValue]),
  );
  if (withForce) props.force = types.boolean;
  return {
    type: 'object',
    properties: { [wrapper]: { type: 'object', properties: props, additionalProperties: false } },
    required: [wrapper],
    additionalProperties: false,
  };
}

function pick(req: NovaRequest, values: Record<string, unknown>, id?: string) {
  const out: Record<string, unknown> = id === undefined ? {} : { id };
  for (const r of quotaResources(req.microversion)) out[r] = values[r];
  return out;
}

/** Nova lets a member read their own project's quotas; everything else is admin's. */
function mayRead(req: NovaRequest, projectId: string, rule: string): void {
  if (!req.auth.isAdmin && req.auth.projectId !== projectId) throw policyDenied(`os_compute_api:os-quota-sets:${rule}`);
}

async function verifyProject(cloud: Cloud, id: string): Promise<void> {
  if (!(await getProject(cloud, id))) throw new BadRequest(`Project ID ${id} is not a valid project.`);
}

/** /os-quota-sets, /os-quota-class-sets and /limits */
export async function quotaRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  app.get('/os-quota-sets/:id', async (req) => {
    const { id } = req.params as { id: string };
    mayRead(req, id, 'show');
    await verifyProject(cloud, id);
    return { quota_set: pick(req, await limitsFor(db, id, qparam(req, 'user_id')), id) };
  });

  app.get('/os-quota-sets/:id/defaults', async (req) => {
    const { id } = req.params as { id: string };
    mayRead(req, id, 'defaults');
    await verifyProject(cloud, id);
    return { quota_set: pick(req, await defaultLimits(db), id) };
  });

  app.get('/os-quota-sets/:id/detail', async (req) => {
    const { id } = req.params as { id: string };
    mayRead(req, id, 'detail');
    await verifyProject(cloud, id);
    const userId = qparam(req, 'user_id');
    const limits = await limitsFor(db, id, userId);
    const used = await usageOf(db, id, userId);
    const detail = Object.fromEntries(
      Object.keys(QUOTA_DEFAULTS).map((r) => [r, { in_use: used[r] ?? 0, limit: limits[r], reserved: 0 }]),
    );
    return { quota_set: pick(req, detail, id) };
  });

  app.put('/os-quota-sets/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-quota-sets:update');
    const { id } = req.params as { id: string };
    await verifyProject(cloud, id);
    const userId = qparam(req, 'user_id');
    const body = validateBody(updateSchema(req, 'quota_set', true), req.body).quota_set as Record<string, unknown>;
    const force = body.force !== undefined && toBool(body.force);
    await db.transaction().execute(async (trx) => {
      const used = await usageOf(trx, id, userId);
      const projectLimits = await limitsFor(trx, id);
      for (const [resource, raw] of Object.entries(body)) {
        if (resource === 'force') continue;
        const limit = Number(raw);
        if (!force) {
          const inf = (v: number) => (v === -1 ? Number.POSITIVE_INFINITY : v);
          if (inf(limit) < inf(used[resource] ?? 0))
            throw new BadRequest(
              `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${used[resource]}.`,
            );
          if (userId && inf(limit) > inf(projectLimits[resource]))
            throw new BadRequest(
              `Quota limit ${limit} for ${resource} must be less than or equal to ${projectLimits[resource]}.`,
            );
        }
        await trx
          .insertInto('nova_quotas')
          .values({ project_id: id, user_id: userId ?? '', resource, hard_limit: limit })
          .onConflict((oc) => oc.columns(['project_id', 'user_id', 'resource']).doUpdateSet({ hard_limit: limit }))
          .execute();
      }
    });
    return { quota_set: pick(req, await limitsFor(db, id, userId)) };
  });

  app.delete('/os-quota-sets/:id', async (req, reply) => {
    requireComputeAdmin(req, 'os_compute_api:os-quota-sets:delete');
    const { id } = req.params as { id: string };
    const userId = qparam(req, 'user_id');
    let q = db.deleteFrom('nova_quotas').where('project_id', '=', id);
    if (userId) q = q.where('user_id', '=', userId);
    await q.execute();
    return reply.code(202).send();
  });

  app.get('/os-quota-class-sets/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-quota-class-sets:show');
    const { id } = req.params as { id: string };
    return { quota_class_set: pick(req, await classLimits(id), id) };
  });

  app.put('/os-quota-class-sets/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-quota-class-sets:update');
    const { id } = req.params as { id: string };
    const body = validateBody(updateSchema(req, 'quota_class_set', false), req.body).quota_class_set;
    await db.transaction().execute(async (trx) => {
      for (const [resource, raw] of Object.entries(body as Record<string, unknown>)) {
        const hard_limit = Number(raw);
        await trx
          .insertInto('nova_quota_classes')
          .values({ class_name: id, resource, hard_limit })
          .onConflict((oc) => oc.columns(['class_name', 'resource']).doUpdateSet({ hard_limit }))
          .execute();
      }
    });
    return { quota_class_set: pick(req, await classLimits(id)) };
  });

  /** Only the "default" class means anything (Nova ignores the others), but each keeps what was set. */
  async function classLimits(name: string) {
    const out = await defaultLimits(db);
    const rows = await db.selectFrom('nova_quota_classes').selectAll().where('class_name', '=', name).execute();
    for (const r of rows) out[r.resource] = r.hard_limit;
    return out;
  }

  app.get('/limits', async (req) => {
    let projectId = req.auth.projectId ?? '';
    const asked = qparam(req, 'tenant_id');
    if (asked !== undefined && asked !== projectId) {
      if (!req.auth.isAdmin) throw policyDenied('os_compute_api:limits:other_project');
      projectId = asked;
    }
    const l = await limitsFor(db, projectId);
    const u = await usageOf(db, projectId);
    const mv = req.microversion;
    const absolute: Record<string, number> = {
      maxImageMeta: l.metadata_items,
      maxServerMeta: l.metadata_items,
      maxTotalCores: l.cores,
      maxTotalInstances: l.instances,
      maxTotalKeypairs: l.key_pairs,
      maxTotalRAMSize: l.ram,
      maxServerGroups: l.server_groups,
      maxServerGroupMembers: l.server_group_members,
      totalCoresUsed: u.cores,
      totalInstancesUsed: u.instances,
      totalRAMUsed: u.ram,
      totalServerGroupsUsed: u.server_groups,
    };
    if (!mv.atLeast('2.36')) {
      Object.assign(absolute, {
        maxSecurityGroups: l.security_groups,
        maxSecurityGroupRules: l.security_group_rules,
        maxTotalFloatingIps: l.floating_ips,
        totalFloatingIpsUsed: 0,
        totalSecurityGroupsUsed: 0,
      });
    }
    if (!mv.atLeast('2.57')) {
      absolute.maxPersonality = l.injected_files;
      absolute.maxPersonalitySize = l.injected_file_content_bytes;
    }
    return { limits: { rate: [], absolute } };
  });
}
