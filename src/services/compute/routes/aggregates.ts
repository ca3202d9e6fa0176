import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { isoMicrosNoZone, now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import { type NovaRequest, requireComputeAdmin } from '../api.js';
import { INTERNAL_AZ, zoneOfHost } from '../host.js';
import { type AggregateRow, type ComputeDb, cdb } from '../store.js';
import { type Schema, strictObject, types, validateBody, wrapped } from '../validation.js';

// /os-aggregates: host aggregates (admin only). An aggregate's
// `availability_zone` metadata puts its hosts in that zone.

const azName: Schema = { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^[^:]*$' };
const aggregateProps = { name: types.name, availability_zone: azName };
const createSchema = wrapped('aggregate', strictObject(aggregateProps, ['name']));
const updateSchema = wrapped('aggregate', { ...strictObject(aggregateProps), minProperties: 1 });
const hostAction = (name: string) =>
  wrapped(name, strictObject({ host: { type: 'string', minLength: 1, maxLength: 255 } }, ['host']));
const metadataAction = wrapped(
  'set_metadata',
  strictObject(
    {
      metadata: {
        type: 'object',
        patternProperties: { '^[a-zA-Z0-9-_:. /]{1,255}$': { type: ['string', 'null'], maxLength: 255 } },
        additionalProperties: false,
      },
    },
    ['metadata'],
  ),
);

function checkZone(az: unknown): void {
  if (az === INTERNAL_AZ)
    throw new BadRequest(`Cannot create aggregate with the internal availability zone name ${INTERNAL_AZ}.`);
}

export async function aggregateRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  async function view(req: NovaRequest, a: AggregateRow, brief = false) {
    const meta = fromJson<Record<string, string>>(a.metadata, {});
    const hosts = (
      await db
        .selectFrom('nova_aggregate_hosts')
        .select('host')
        .where('aggregate_id', '=', a.id)
        .orderBy('host')
        .execute()
    ).map((h) => h.host);
    return {
      availability_zone: meta.availability_zone ?? null,
      created_at: isoMicrosNoZone(a.created_at),
      deleted: false,
      deleted_at: null,
      ...(brief ? {} : { hosts, metadata: meta }),
      id: a.id,
      name: a.name,
      updated_at: a.updated_at ? isoMicrosNoZone(a.updated_at) : null,
      ...(req.microversion.atLeast('2.41') ? { uuid: a.uuid } : {}),
    };
  }

  async function find(id: string, trx: ComputeDb = db): Promise<AggregateRow> {
    if (!/^-?\d+$/.test(id)) throw new BadRequest(`Invalid input received: id must be an integer`);
    const a = await trx.selectFrom('nova_aggregates').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    if (!a) throw new NotFound(`Aggregate ${id} could not be found.`);
    return a;
  }

  async function nameFree(name: string, except?: number) {
    const clash = await db.selectFrom('nova_aggregates').select('id').where('name', '=', name).executeTakeFirst();
    if (clash && clash.id !== except) throw new Conflict(`Aggregate ${name} already exists.`);
  }

  app.get('/os-aggregates', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-aggregates:index');
    const rows = await db.selectFrom('nova_aggregates').selectAll().orderBy('id').execute();
    return { aggregates: await Promise.all(rows.map((a) => view(req, a))) };
  });

  app.post('/os-aggregates', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-aggregates:create');
    const body = validateBody(createSchema, req.body).aggregate;
    const name = String(body.name).trim();
    checkZone(body.availability_zone);
    await nameFree(name);
    const at = now();
    const meta = body.availability_zone ? { availability_zone: String(body.availability_zone).trim() } : {};
    const values = { uuid: uuid(), name, metadata: toJson(meta), created_at: at, updated_at: null };
    const res = await db.insertInto('nova_aggregates').values(values).returning('id').executeTakeFirstOrThrow();
    return { aggregate: await view(req, { ...values, id: Number(res.id) }, true) };
  });

  // 2.81: pre-cache images on the aggregate's hosts. The one host keeps
  // every image it boots from on local disk already, so there is nothing to
  // fetch: the request is checked and accepted, as Nova's API casts it.
  app.post('/os-aggregates/:id/images', async (req, reply) => {
    if (!req.microversion.atLeast('2.81')) throw new NotFound('The resource could not be found.');
    requireComputeAdmin(req, 'compute:aggregates:images');
    const body = validateBody<{ cache: { id: string }[] }>(
      {
        type: 'object',
        properties: {
          cache: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', properties: { id: types.uuid }, required: ['id'], additionalProperties: false },
          },
        },
        required: ['cache'],
        additionalProperties: false,
      },
      req.body,
    );
    const ids = body.cache.map((c) => c.id);
    if (new Set(ids).size !== ids.length) throw new BadRequest('Duplicate images in request');
    await find((req.params as { id: string }).id);
    return reply.code(202).send();
  });

  app.get('/os-aggregates/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-aggregates:show');
    return { aggregate: await view(req, await find((req.params as { id: string }).id)) };
  });

  app.put('/os-aggregates/:id', async (req) => {
    requireComputeAdmin(req, 'os_compute_api:os-aggregates:update');
    const a = await find((req.params as { id: string }).id);
    const body = validateBody(updateSchema, req.body).aggregate;
    checkZone(body.availability_zone);
    if (body.name !== undefined) await nameFree(String(body.name).trim(), a.id);
    const meta = fromJson<Record<string, string>>(a.metadata, {});
    if (body.availability_zone !== undefined) {
      if (body.availability_zone === null) delete meta.availability_zone;
      else meta.availability_zone = body.availability_zone;
    }
    await db
      .updateTable('nova_aggregates')
      .set({
        ...(body.name !== undefined ? { name: String(body.name).trim() } : {}),
        metadata: toJson(meta),
        updated_at: now(),
      })
      .where('id', '=', a.id)
      .execute();
    return { aggregate: await view(req, await find(String(a.id))) };
  });

  app.delete('/os-aggregates/:id', async (req, reply) => {
    requireComputeAdmin(req, 'os_compute_api:os-aggregates:delete');
    const a = await find((req.params as { id: string }).id);
    const hosts = await db.selectFrom('nova_aggregate_hosts').select('host').where('aggregate_id', '=', a.id).execute();
    if (hosts.length)
      throw new BadRequest(`Cannot perform action 'delete' on aggregate ${a.id}. Reason: Host aggregate is not empty.`);
    await db.deleteFrom('nova_aggregates').where('id', '=', a.id).execute();
    return reply.code(200).send();
  });

  app.post('/os-aggregates/:id/action', async (req) => {
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if ('add_host' in body) {
      requireComputeAdmin(req, 'os_compute_api:os-aggregates:add_host');
      const { host } = validateBody(hostAction('add_host'), body).add_host;
      const a = await find(id);
      const svc = await db
        .selectFrom('nova_services')
        .select('host')
        .where('host', '=', host)
        .where('binary', '=', 'nova-compute')
        .executeTakeFirst();
      if (!svc) throw new NotFound(`Compute host ${host} could not be found.`);
      const has = await db
        .selectFrom('nova_aggregate_hosts')
        .select('host')
        .where('aggregate_id', '=', a.id)
        .where('host', '=', host)
        .executeTakeFirst();
      if (has) throw new Conflict(`Aggregate ${a.id} already has host ${host}.`);
      const az = fromJson<Record<string, string>>(a.metadata, {}).availability_zone;
      const current = await zoneOfHost(db, host);
      if (az && current !== az && current !== 'nova')
        throw new Conflict(
          `Cannot add host to aggregate ${a.id}. Reason: One or more hosts already in availability zone(s) ['${current}'].`,
        );
      await db.insertInto('nova_aggregate_hosts').values({ aggregate_id: a.id, host }).execute();
      return { aggregate: await view(req, a) };
    }
    if ('remove_host' in body) {
      requireComputeAdmin(req, 'os_compute_api:os-aggregates:remove_host');
      const { host } = validateBody(hostAction('remove_host'), body).remove_host;
      const a = await find(id);
      const res = await db
        .deleteFrom('nova_aggregate_hosts')
        .where('aggregate_id', '=', a.id)
        .where('host', '=', host)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFound(`Cannot remove host ${host} in aggregate ${id}`);
      return { aggregate: await view(req, a) };
    }
    if ('set_metadata' in body) {
      requireComputeAdmin(req, 'os_compute_api:os-aggregates:set_metadata');
      const { metadata } = validateBody(metadataAction, body).set_metadata;
      const a = await find(id);
      checkZone(metadata.availability_zone);
      const meta = fromJson<Record<string, string>>(a.metadata, {});
      for (const [k, v] of Object.entries(metadata as Record<string, string | null>)) {
        if (v === null) delete meta[k];
        else meta[k] = v;
      }
      await db
        .updateTable('nova_aggregates')
        .set({ metadata: toJson(meta), updated_at: now() })
        .where('id', '=', a.id)
        .execute();
      return { aggregate: await view(req, await find(id)) };
    }
    requireComputeAdmin(req, 'os_compute_api:os-aggregates');
    throw new BadRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
  });
}
