import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { idb } from '../store.js';
import type { Schema } from '../validate.js';
import { listBody, noContent, params, selfLink } from './common.js';
import { endpointView, requireEndpoint } from './endpoints.js';
import { getRegion } from './regions.js';
import { getService } from './services.js';
import { simpleCrud } from './simple-crud.js';

// /v3/policies: opaque policy blobs Keystone stores for other services, and
// OS-ENDPOINT-POLICY, which ties them to endpoints, services and regions.
// pocketstack's services do not read them; they are kept and served.

const properties = { blob: { type: 'string' }, type: { type: 'string' } } satisfies Record<string, Schema>;

type PolicyRow = { id: string; type: unknown; blob: unknown; extra: unknown };
const policyView = (req: FastifyRequest, p: PolicyRow) => ({
  ...extraOf(p.extra as string),
  id: p.id,
  type: p.type,
  blob: p.blob,
  links: selfLink(req, `/policies/${p.id}`),
});

type Target = { endpoint_id: string | null; service_id: string | null; region_id: string | null };
/** Narrows a query on policy_associations to exactly one endpoint / service / service-and-region. */
function byTarget<Q extends { where: (...a: any[]) => Q }>(q: Q, t: Target): Q {
  for (const k of ['endpoint_id', 'service_id', 'region_id'] as const)
    q = t[k] === null ? q.where(k, 'is', null) : q.where(k, '=', t[k]);
  return q;
}

export async function policyRoutes(app: FastifyInstance, cloud: Cloud) {
  simpleCrud(app, cloud, {
    path: '/v3/policies',
    idParam: 'policy_id',
    member: 'policy',
    collection: 'policies',
    table: 'policies',
    actions: {
      get: 'identity:get_policy',
      list: 'identity:list_policies',
      create: 'identity:create_policy',
      update: 'identity:update_policy',
      delete: 'identity:delete_policy',
    },
    createSchema: { type: 'object', properties, required: ['blob', 'type'] },
    updateSchema: { type: 'object', properties, minProperties: 1 },
    notFound: (id) => `Could not find policy: ${id}.`,
    filters: ['type'],
    toRow: (body, existing) => ({
      type: body.type ?? existing?.type,
      blob: body.blob ?? existing?.blob,
      extra: splitExtra(body, ['type', 'blob'], existing?.extra as string | undefined).extra,
    }),
    view: (req, p) => policyView(req, p as PolicyRow),
    onDelete: (trx, p) => trx.deleteFrom('policy_associations').where('policy_id', '=', p.id).execute(),
  });

  const requirePolicy = async (policyId: string) => {
    const p = await idb(cloud).selectFrom('policies').select('id').where('id', '=', policyId).executeTakeFirst();
    if (!p) throw new NotFound(`Could not find policy: ${policyId}.`);
  };
  /** Resolves the association a path names, 404 for any part that does not exist. */
  const target = async (req: FastifyRequest): Promise<Target> => {
    const { policy_id, endpoint_id, service_id, region_id } = params(req);
    await requirePolicy(policy_id);
    if (endpoint_id) await requireEndpoint(cloud, endpoint_id);
    if (service_id && !(await getService(cloud, service_id)))
      throw new NotFound(`Could not find service: ${service_id}.`);
    if (region_id && !(await getRegion(cloud, region_id))) throw new NotFound(`Could not find region: ${region_id}.`);
    return { endpoint_id: endpoint_id ?? null, service_id: service_id ?? null, region_id: region_id ?? null };
  };
  const matching = (policyId: string, t: Target) =>
    byTarget(idb(cloud).selectFrom('policy_associations').selectAll().where('policy_id', '=', policyId), t);

  const kinds = [
    { suffix: 'endpoints/:endpoint_id', name: 'endpoint' },
    { suffix: 'services/:service_id', name: 'service' },
    { suffix: 'services/:service_id/regions/:region_id', name: 'region_and_service' },
  ];
  for (const k of kinds) {
    const url = `/v3/policies/:policy_id/OS-ENDPOINT-POLICY/${k.suffix}`;
    app.put(url, async (req, reply) => {
      enforce(req, `identity:create_policy_association_for_${k.name}`);
      const t = await target(req);
      const { policy_id } = params(req);
      await write(cloud, async (trx) => {
        // one policy per endpoint, service or region-and-service: a new association replaces the old
        await byTarget(trx.deleteFrom('policy_associations'), t).execute();
        await trx
          .insertInto('policy_associations')
          .values({ policy_id, ...t })
          .execute();
      });
      return noContent(reply);
    });
    app.get(url, async (req, reply) => {
      enforce(req, `identity:check_policy_association_for_${k.name}`);
      const t = await target(req);
      if (!(await matching(params(req).policy_id, t).executeTakeFirst()))
        throw new NotFound('Could not find policy association.');
      return noContent(reply);
    });
    app.delete(url, async (req, reply) => {
      enforce(req, `identity:delete_policy_association_for_${k.name}`);
      const t = await target(req);
      if (!(await matching(params(req).policy_id, t).executeTakeFirst()))
        throw new NotFound('Could not find policy association.');
      await write(cloud, (trx) =>
        byTarget(trx.deleteFrom('policy_associations').where('policy_id', '=', params(req).policy_id), t).execute(),
      );
      return noContent(reply);
    });
  }

  /** The endpoints a policy applies to: directly, through their service, or their service in their region. */
  app.get('/v3/policies/:policy_id/OS-ENDPOINT-POLICY/endpoints', async (req) => {
    enforce(req, 'identity:list_endpoints_for_policy');
    const { policy_id } = params(req);
    await requirePolicy(policy_id);
    const assoc = await idb(cloud)
      .selectFrom('policy_associations')
      .selectAll()
      .where('policy_id', '=', policy_id)
      .execute();
    const endpoints = await idb(cloud).selectFrom('endpoints').selectAll().execute();
    const hit = endpoints.filter((e) =>
      assoc.some(
        (a) =>
          a.endpoint_id === e.id ||
          (a.service_id === e.service_id && (a.region_id === null || a.region_id === e.region_id) && !a.endpoint_id),
      ),
    );
    return listBody(
      req,
      'endpoints',
      hit.map((e) => endpointView(req, e)),
    );
  });

  app.get('/v3/endpoints/:endpoint_id/OS-ENDPOINT-POLICY/policy', async (req) => {
    enforce(req, 'identity:get_policy_for_endpoint');
    const e = await requireEndpoint(cloud, params(req).endpoint_id);
    const assoc = await idb(cloud).selectFrom('policy_associations').selectAll().execute();
    // the most specific association wins: endpoint, then service in region, then service
    const pick =
      assoc.find((a) => a.endpoint_id === e.id) ??
      assoc.find((a) => a.service_id === e.service_id && a.region_id !== null && a.region_id === e.region_id) ??
      assoc.find((a) => a.service_id === e.service_id && a.region_id === null && !a.endpoint_id);
    if (!pick) throw new NotFound(`No policy is associated with endpoint ${e.id}.`);
    const p = await idb(cloud)
      .selectFrom('policies')
      .selectAll()
      .where('id', '=', pick.policy_id)
      .executeTakeFirstOrThrow();
    return { policy: policyView(req, p) };
  });
}
