import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { policyForbidden } from '../errors.js';
import { boolFilter } from '../filters.js';
import { one, type Query } from '../pagination.js';
import { authorize, callerOf } from '../policy.js';
import { CLASS_DEFAULT, quotaDefaults, quotaLimits, quotaUsage } from '../quotas.js';
import { type VolumeTrx, vdb } from '../store.js';
import { member } from '../validate.js';

/** Validates a quota_set / quota_class_set body: known keys, integers >= -1. */
function quotaValues(body: Record<string, unknown>, known: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const bad = Object.keys(body).filter((k) => !(k in known) && k !== 'id' && k !== 'tenant_id' && k !== 'class_name');
  if (bad.length > 0) throw new BadRequest(`Bad key(s) in quota set: ${bad.join(', ')}`);
  for (const [k, v] of Object.entries(body)) {
    if (!(k in known)) continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n))
      throw new BadRequest(
        `Invalid input for field/attribute ${k}. Value: ${String(v)}. ${JSON.stringify(v)} is not of type 'integer', 'string'`,
      );
    if (n < -1)
      throw new BadRequest(`Invalid input for field/attribute ${k}. Value: ${n}. ${n} is less than the minimum of -1`);
    out[k] = n;
  }
  return out;
}

async function saveLimits(trx: VolumeTrx, projectId: string, values: Record<string, number>): Promise<void> {
  for (const [resource, hard_limit] of Object.entries(values))
    await trx
      .insertInto('volume_quotas')
      .values({ project_id: projectId, resource, hard_limit })
      .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit }))
      .execute();
}

/** os-quota-sets and os-quota-class-sets (cinder/api/contrib/quotas.py, quota_classes.py). */
export async function quotaRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);
  const target = (req: FastifyRequest) => (req.params as { target: string }).target;
  const mayRead = (req: FastifyRequest) => {
    const caller = callerOf(req);
    if (!caller.admin && caller.projectId !== target(req)) throw policyForbidden('volume_extension:quotas:show');
    return caller;
  };

  app.get('/os-quota-sets/:target', async (req) => {
    mayRead(req);
    const q = req.query as Query;
    const usage = q.usage !== undefined && boolFilter(one(q, 'usage') ?? 'true', 'usage');
    const limits = await quotaLimits(db, target(req));
    if (!usage) return { quota_set: { ...limits, id: target(req) } };
    const used = await quotaUsage(db, target(req));
    const out: Record<string, unknown> = {};
    for (const [k, limit] of Object.entries(limits)) out[k] = { limit, in_use: used[k] ?? 0, reserved: 0 };
    return { quota_set: { ...out, id: target(req) } };
  });

  app.get('/os-quota-sets/:target/defaults', async (req) => {
    mayRead(req);
    return { quota_set: { ...(await quotaDefaults(db)), id: target(req) } };
  });

  app.put('/os-quota-sets/:target', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:quotas:update');
    const body = member(req.body, 'quota_set');
    if (target(req).length > 255) throw new BadRequest('quota_set_name has a maximum length of 255 characters.');
    return db.transaction().execute(async (trx) => {
      const values = quotaValues(body, await quotaLimits(trx, target(req)));
      const used = await quotaUsage(trx, target(req));
      for (const [k, v] of Object.entries(values))
        if (k !== 'per_volume_gigabytes' && v !== -1 && v < (used[k] ?? 0))
          throw new BadRequest(
            `Quota ${k} limit must be equal or greater than existing resources. Current usage is ${used[k]} and the requested limit is ${v}.`,
          );
      await saveLimits(trx, target(req), values);
      return { quota_set: await quotaLimits(trx, target(req)) };
    });
  });

  app.delete('/os-quota-sets/:target', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:quotas:delete');
    await db.deleteFrom('volume_quotas').where('project_id', '=', target(req)).execute();
    return '';
  });

  const className = (req: FastifyRequest) => (req.params as { class_name: string }).class_name;
  app.get('/os-quota-class-sets/:class_name', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:quota_classes');
    return { quota_class_set: { ...(await quotaDefaults(db)), id: className(req) } };
  });

  app.put('/os-quota-class-sets/:class_name', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:quota_classes');
    if (className(req) !== 'default') throw new NotFound(`Quota class ${className(req)} could not be found.`);
    const body = member(req.body, 'quota_class_set');
    return db.transaction().execute(async (trx) => {
      await saveLimits(trx, CLASS_DEFAULT, quotaValues(body, await quotaDefaults(trx)));
      return { quota_class_set: await quotaDefaults(trx) };
    });
  });
}
