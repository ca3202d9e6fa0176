import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Forbidden, NotFound } from '../../../server/errors.js';
import { invalidAttr, policyRefused } from '../errors.js';
import { QUOTA_DEFAULTS, quotaLimits, usage } from '../quotas.js';
import { inTransaction, ndb } from '../store.js';

function checkQuotaBody(body: unknown): Record<string, number> {
  const q = (body as { quota?: unknown } | undefined)?.quota;
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    throw new BadRequest("Unable to find 'quota' in request body");
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(q)) {
    if (!(k in QUOTA_DEFAULTS)) throw new BadRequest(`Unrecognized attribute(s) '${k}'`);
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1)
      throw invalidAttr(k, `'${v}' is not an integer greater or equal to -1`);
    out[k] = n;
  }
  return out;
}

/** /v2.0/quotas: per-project limits (admin sets them, a member reads its own project's). */
export async function quotaRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = ndb(cloud);
  const mayRead = (projectId: string, auth: { isAdmin: boolean; projectId?: string }) => {
    if (!auth.isAdmin && auth.projectId !== projectId) throw new Forbidden('Not authorized.', 'NotAuthorized');
  };

  app.get('/v2.0/quotas', async (req) => {
    if (!req.auth.isAdmin) throw policyRefused('rule:get_quota');
    const rows = await db.selectFrom('neutron_quotas').select('project_id').distinct().execute();
    const quotas = [];
    for (const r of rows)
      quotas.push({ ...(await quotaLimits(db, r.project_id)), project_id: r.project_id, tenant_id: r.project_id });
    return { quotas };
  });

  app.get('/v2.0/quotas/:project', async (req) => {
    const { project } = req.params as { project: string };
    mayRead(project, req.auth);
    return { quota: await quotaLimits(db, project) };
  });

  app.get('/v2.0/quotas/:project/default', async (req) => {
    const { project } = req.params as { project: string };
    mayRead(project, req.auth);
    return { quota: { ...QUOTA_DEFAULTS } };
  });

  // Tempest asks for details.json: Neutron still honours the old format suffix there.
  for (const path of ['/v2.0/quotas/:project/details', '/v2.0/quotas/:project/details.json'])
    app.get(path, async (req) => {
      const { project } = req.params as { project: string };
      mayRead(project, req.auth);
      const limits = await quotaLimits(db, project);
      const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
      for (const [k, limit] of Object.entries(limits))
        quota[k] = { limit, used: await usage(db, k, project), reserved: 0 };
      return { quota };
    });

  app.put('/v2.0/quotas/:project', async (req) => {
    const { project } = req.params as { project: string };
    if (!req.auth.isAdmin) throw policyRefused('rule:update_quota');
    const changes = checkQuotaBody(req.body);
    await inTransaction(cloud, async (trx) => {
      for (const [resource, hard_limit] of Object.entries(changes))
        await trx
          .insertInto('neutron_quotas')
          .values({ project_id: project, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit }))
          .execute();
    });
    return { quota: await quotaLimits(db, project) };
  });

  app.delete('/v2.0/quotas/:project', async (req, reply) => {
    const { project } = req.params as { project: string };
    if (!req.auth.isAdmin) throw policyRefused('rule:delete_quota');
    const r = await db.deleteFrom('neutron_quotas').where('project_id', '=', project).executeTakeFirst();
    if (!Number(r.numDeletedRows))
      throw new NotFound(`Quota for tenant ${project} could not be found.`, 'TenantQuotaNotFound');
    return reply.code(204).send();
  });
}
