import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { type IdentityTables, idb } from '../store.js';
import { boolean, name, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink } from './common.js';

type ServiceRow = IdentityTables['services'];

const properties = {
  enabled: boolean,
  name,
  type: { type: 'string', minLength: 1, maxLength: 255 },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties, required: ['type'] };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['type', 'enabled'] as const;

export function serviceView(req: FastifyRequest, s: ServiceRow) {
  // `pocketstack` marks the entries pocketstack registers itself (catalog.ts); it is ours, not the API's.
  const { pocketstack: _ours, ...extra } = extraOf(s.extra);
  return {
    name: '',
    ...extra,
    id: s.id,
    type: s.type,
    enabled: s.enabled === 1,
    links: selfLink(req, `/services/${s.id}`),
  };
}

export function getService(cloud: Cloud, serviceId: string) {
  return idb(cloud).selectFrom('services').selectAll().where('id', '=', serviceId).executeTakeFirst();
}

async function requireService(cloud: Cloud, serviceId: string): Promise<ServiceRow> {
  const s = await getService(cloud, serviceId);
  if (!s) throw new NotFound(`Could not find service: ${serviceId}.`);
  return s;
}

/** /v3/services */
export async function serviceRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/services', async (req) => {
    enforce(req, 'identity:list_services');
    const q = query(req);
    let rows = await idb(cloud).selectFrom('services').selectAll().orderBy('type').execute();
    if (q.type !== undefined) rows = rows.filter((s) => s.type === q.type);
    let out = rows.map((s) => serviceView(req, s));
    if (q.name !== undefined) out = out.filter((s) => s.name === q.name);
    return listBody(req, 'services', out);
  });

  app.get('/v3/services/:service_id', async (req) => {
    enforce(req, 'identity:get_service');
    return { service: serviceView(req, await requireService(cloud, params(req).service_id)) };
  });

  app.post('/v3/services', async (req, reply) => {
    enforce(req, 'identity:create_service');
    const body = validate(member(req, 'service'), createSchema);
    const row: ServiceRow = {
      id: hexId(),
      type: String(body.type),
      enabled: body.enabled === false ? 0 : 1,
      extra: splitExtra(body, KNOWN).extra,
    };
    await write(cloud, (trx) => trx.insertInto('services').values(row).execute(), { catalog: true });
    return created(reply, { service: serviceView(req, row) });
  });

  app.patch('/v3/services/:service_id', async (req) => {
    enforce(req, 'identity:update_service');
    const body = validate(member(req, 'service'), updateSchema);
    const s = await requireService(cloud, params(req).service_id);
    if (body.id !== undefined && body.id !== s.id) throw new BadRequest('Cannot change ID');
    const row: ServiceRow = {
      ...s,
      type: body.type !== undefined ? String(body.type) : s.type,
      enabled: body.enabled === undefined ? s.enabled : body.enabled ? 1 : 0,
      extra: splitExtra(body, KNOWN, s.extra).extra,
    };
    await write(cloud, (trx) => trx.updateTable('services').set(row).where('id', '=', s.id).execute(), {
      catalog: true,
    });
    return { service: serviceView(req, row) };
  });

  app.delete('/v3/services/:service_id', async (req, reply) => {
    enforce(req, 'identity:delete_service');
    const s = await requireService(cloud, params(req).service_id);
    await write(
      cloud,
      async (trx) => {
        await trx.deleteFrom('endpoints').where('service_id', '=', s.id).execute();
        await trx.deleteFrom('services').where('id', '=', s.id).execute();
      },
      { catalog: true },
    );
    return noContent(reply);
  });
}
