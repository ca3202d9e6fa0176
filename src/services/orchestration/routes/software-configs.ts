import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { HeatError } from '../errors.js';
import { checkTenant } from '../lookup.js';
import {
  configFrom,
  createSoftwareConfig,
  deleteSoftwareConfig,
  getSoftwareConfig,
  softwareConfigView,
} from '../software-configs.js';
import { hdb } from '../store.js';
import { isMap } from '../template/scope.js';
import { intQuery, one, type Query } from './common.js';

// /v1/{tenant}/software_configs (`openstack software config ...`). Software
// deployments (the agents on servers that apply configs) are not served.

export async function softwareConfigRoutes(app: FastifyInstance, cloud: Cloud) {
  const P = '/v1/:tenant/software_configs';
  const tenant = (req: { params: unknown }) => (req.params as { tenant: string }).tenant;
  const scope = (req: any) => (req.auth.isAdmin ? null : req.auth.projectId);

  app.get(P, async (req) => {
    checkTenant(req, tenant(req));
    const q = req.query as Query;
    let query = hdb(cloud).selectFrom('heat_software_configs').selectAll().orderBy('created_at').orderBy('id');
    if (!req.auth.isAdmin || one(q, 'tenant_safe') !== 'false')
      query = query.where('project_id', '=', req.auth.projectId!);
    let rows = await query.execute();
    const marker = one(q, 'marker');
    if (marker) rows = rows.slice(rows.findIndex((r) => r.id === marker) + 1);
    const limit = intQuery(q, 'limit');
    if (limit !== undefined) rows = rows.slice(0, limit);
    return { software_configs: rows.map((r) => softwareConfigView(r, false, req.auth.isAdmin)) };
  });

  app.post(P, async (req, reply) => {
    checkTenant(req, tenant(req), true);
    if (!isMap(req.body)) throw new BadRequest('The request body must be a map.');
    const row = await createSoftwareConfig(cloud, req.auth.projectId!, configFrom(req.body, ''));
    return reply.code(200).send({ software_config: softwareConfigView(row) });
  });

  app.get(`${P}/:config`, async (req) => {
    checkTenant(req, tenant(req));
    const row = await getSoftwareConfig(cloud, scope(req), (req.params as { config: string }).config);
    return { software_config: softwareConfigView(row) };
  });

  app.delete(`${P}/:config`, async (req, reply) => {
    checkTenant(req, tenant(req), true);
    await deleteSoftwareConfig(cloud, scope(req), (req.params as { config: string }).config);
    return reply.code(204).send();
  });

  const noDeployments = async () => {
    throw new HeatError(501, 'Software deployments are not supported by pocketstack yet.', 'NotSupported');
  };
  app.all('/v1/:tenant/software_deployments', noDeployments);
  app.all('/v1/:tenant/software_deployments/*', noDeployments);
}
