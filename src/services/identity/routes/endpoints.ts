import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { type IdentityTables, idb } from '../store.js';
import { boolean, type Schema, url, validate } from '../validate.js';
import { created, listBody, noContent, params, query, selfLink } from './common.js';
import { getRegion } from './regions.js';
import { getService } from './services.js';

type EndpointRow = IdentityTables['endpoints'];

const properties = {
  enabled: boolean,
  interface: { type: 'string', enum: ['admin', 'internal', 'public'] },
  region_id: { type: 'string' },
  region: { type: 'string' },
  service_id: { type: 'string' },
  url,
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['interface', 'service_id', 'url'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['interface', 'region_id', 'region', 'service_id', 'url', 'enabled', 'legacy_endpoint_id'] as const;
/** The substitutions Keystone allows in endpoint URLs ($(project_id)s and the like). */
const SUBSTITUTIONS = [
  'tenant_id',
  'project_id',
  'user_id',
  'public_bind_host',
  'admin_bind_host',
  'compute_host',
  'compute_port',
  'admin_port',
  'public_port',
];

export function endpointView(req: FastifyRequest, e: EndpointRow) {
  return {
    ...extraOf(e.extra),
    id: e.id,
    interface: e.interface,
    region_id: e.region_id,
    service_id: e.service_id,
    url: e.url,
    enabled: e.enabled === 1,
    region: e.region_id,
    links: selfLink(req, `/endpoints/${e.id}`),
  };
}

export function getEndpoint(cloud: Cloud, endpointId: string) {
  return idb(cloud).selectFrom('endpoints').selectAll().where('id', '=', endpointId).executeTakeFirst();
}

export async function requireEndpoint(cloud: Cloud, endpointId: string): Promise<EndpointRow> {
  const e = await getEndpoint(cloud, endpointId);
  if (!e) throw new NotFound(`Could not find endpoint: ${endpointId}.`);
  return e;
}

function checkUrl(u: string) {
  for (const m of u.matchAll(/[$%]\(([^)]*)\)s?/g))
    if (!SUBSTITUTIONS.includes(m[1])) throw new BadRequest(`Cannot create an endpoint with an invalid URL: ${u}.`);
}

/** `region` (legacy) names a region that is made when missing; `region_id` must exist; the service must exist. */
async function checkRefs(cloud: Cloud, body: Record<string, unknown>): Promise<string | null | undefined> {
  let regionId = body.region_id as string | undefined;
  let autoRegion: string | undefined;
  if (regionId === undefined && typeof body.region === 'string') {
    regionId = body.region;
    if (!(await getRegion(cloud, regionId))) autoRegion = regionId;
  } else if (regionId !== undefined && regionId !== null && !(await getRegion(cloud, regionId)))
    throw new BadRequest(
      'Expecting to find endpoint region_id in region table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
  if (body.service_id !== undefined && !(await getService(cloud, String(body.service_id))))
    throw new BadRequest(
      'Expecting to find endpoint service_id in service table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
  return autoRegion ?? (regionId === undefined ? undefined : regionId);
}

/** /v3/endpoints */
export async function endpointRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/endpoints', async (req) => {
    enforce(req, 'identity:list_endpoints');
    const q = query(req);
    let sql = idb(cloud).selectFrom('endpoints').selectAll();
    if (q.interface !== undefined) sql = sql.where('interface', '=', q.interface);
    if (q.service_id !== undefined) sql = sql.where('service_id', '=', q.service_id);
    if (q.region_id !== undefined) sql = sql.where('region_id', '=', q.region_id);
    return listBody(
      req,
      'endpoints',
      (await sql.execute()).map((e) => endpointView(req, e)),
    );
  });

  app.get('/v3/endpoints/:endpoint_id', async (req) => {
    enforce(req, 'identity:get_endpoint');
    return { endpoint: endpointView(req, await requireEndpoint(cloud, params(req).endpoint_id)) };
  });

  app.post('/v3/endpoints', async (req, reply) => {
    enforce(req, 'identity:create_endpoint');
    const body = validate((req.body as Record<string, unknown> | undefined)?.endpoint ?? null, createSchema);
    checkUrl(String(body.url));
    const regionId = await checkRefs(cloud, body);
    const row: EndpointRow = {
      id: hexId(),
      service_id: String(body.service_id),
      interface: String(body.interface),
      url: String(body.url),
      region_id: regionId ?? null,
      enabled: body.enabled === false ? 0 : 1,
      extra: splitExtra(body, KNOWN).extra,
    };
    await write(
      cloud,
      async (trx) => {
        if (regionId && !(await trx.selectFrom('regions').select('id').where('id', '=', regionId).executeTakeFirst()))
          await trx
            .insertInto('regions')
            .values({ id: regionId, description: '', parent_region_id: null, extra: '{}' })
            .execute();
        await trx.insertInto('endpoints').values(row).execute();
      },
      { catalog: true },
    );
    return created(reply, { endpoint: endpointView(req, row) });
  });

  app.patch('/v3/endpoints/:endpoint_id', async (req) => {
    enforce(req, 'identity:update_endpoint');
    const body = validate((req.body as Record<string, unknown> | undefined)?.endpoint ?? null, updateSchema);
    const e = await requireEndpoint(cloud, params(req).endpoint_id);
    if (body.id !== undefined && body.id !== e.id) throw new BadRequest('Cannot change ID');
    if (body.url !== undefined) checkUrl(String(body.url));
    const regionId = await checkRefs(cloud, body);
    const row: EndpointRow = {
      ...e,
      service_id: body.service_id !== undefined ? String(body.service_id) : e.service_id,
      interface: body.interface !== undefined ? String(body.interface) : e.interface,
      url: body.url !== undefined ? String(body.url) : e.url,
      region_id: regionId !== undefined ? regionId : e.region_id,
      enabled: body.enabled === undefined ? e.enabled : body.enabled ? 1 : 0,
      extra: splitExtra(body, KNOWN, e.extra).extra,
    };
    await write(
      cloud,
      async (trx) => {
        if (
          row.region_id &&
          !(await trx.selectFrom('regions').select('id').where('id', '=', row.region_id).executeTakeFirst())
        )
          await trx
            .insertInto('regions')
            .values({ id: row.region_id, description: '', parent_region_id: null, extra: '{}' })
            .execute();
        await trx.updateTable('endpoints').set(row).where('id', '=', e.id).execute();
      },
      { catalog: true },
    );
    return { endpoint: endpointView(req, row) };
  });

  app.delete('/v3/endpoints/:endpoint_id', async (req, reply) => {
    enforce(req, 'identity:delete_endpoint');
    const e = await requireEndpoint(cloud, params(req).endpoint_id);
    await write(
      cloud,
      async (trx) => {
        await trx.deleteFrom('project_endpoints').where('endpoint_id', '=', e.id).execute();
        await trx.deleteFrom('policy_associations').where('endpoint_id', '=', e.id).execute();
        await trx.deleteFrom('endpoints').where('id', '=', e.id).execute();
      },
      { catalog: true },
    );
    return noContent(reply);
  });
}
