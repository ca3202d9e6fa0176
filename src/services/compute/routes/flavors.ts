import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import {
  links,
  type NovaHandler,
  type NovaRequest,
  nextLink,
  pagination,
  qparam,
  requireComputeAdmin,
} from '../api.js';
import { getFlavor } from '../flavors.js';
import { cdb, type FlavorRow } from '../store.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

const INT_MAX = 2147483647;
const positive: Schema = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, maximum: INT_MAX };
const nonNegative: Schema = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, maximum: INT_MAX };
const description: Schema = { type: ['string', 'null'], minLength: 0, maxLength: 65535 };

function createSchema(withDescription: boolean): Schema {
  return {
    type: 'object',
    properties: {
      flavor: {
        type: 'object',
        properties: {
          name: types.name,
          id: {
            type: ['string', 'number', 'null'],
            minLength: 1,
            maxLength: 255,
            pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
          },
          ram: positive,
          vcpus: positive,
          disk: nonNegative,
          'OS-FLV-EXT-DATA:ephemeral': nonNegative,
          swap: nonNegative,
          rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', maximum: 3.40282e38 },
          'os-flavor-access:is_public': types.boolean,
          ...(withDescription ? { description } : {}),
        },
        required: ['name', 'ram', 'vcpus', 'disk'],
        additionalProperties: false,
      },
    },
    required: ['flavor'],
    additionalProperties: false,
  };
}

const updateSchema: Schema = {
  type: 'object',
  properties: {
    flavor: {
      type: 'object',
      properties: { description },
      required: ['description'],
      additionalProperties: false,
    },
  },
  required: ['flavor'],
  additionalProperties: false,
};

export function flavorView(req: NovaRequest, f: FlavorRow) {
  const mv = req.microversion;
  return {
    id: f.flavorid,
    name: f.name,
    ram: f.memory_mb,
    disk: f.root_gb,
    swap: mv.atLeast('2.75') ? f.swap : f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled === 1,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.is_public === 1,
    rxtx_factor: f.rxtx_factor || '',
    links: links(req, 'flavors', f.flavorid),
    ...(mv.atLeast('2.55') ? { description: f.description } : {}),
    ...(mv.atLeast('2.61') ? { extra_specs: fromJson<Record<string, string>>(f.extra_specs, {}) } : {}),
  };
}

function briefView(req: NovaRequest, f: FlavorRow) {
  return {
    id: f.flavorid,
    name: f.name,
    links: links(req, 'flavors', f.flavorid),
    ...(req.microversion.atLeast('2.55') ? { description: f.description } : {}),
  };
}

const SORT_KEYS: Record<string, keyof FlavorRow> = {
  created_at: 'created_at',
  description: 'description',
  disabled: 'disabled',
  ephemeral_gb: 'ephemeral_gb',
  flavorid: 'flavorid',
  id: 'flavorid',
  is_public: 'is_public',
  memory_mb: 'memory_mb',
  name: 'name',
  root_gb: 'root_gb',
  rxtx_factor: 'rxtx_factor',
  swap: 'swap',
  updated_at: 'updated_at',
  vcpus: 'vcpus',
};

function intFilter(req: NovaRequest, name: string): number | undefined {
  const v = qparam(req, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequest(`Invalid ${name} filter [${v}]`);
  return Number(v);
}

async function listFlavors(cloud: Cloud, req: NovaRequest): Promise<FlavorRow[]> {
  const db = cdb(cloud);
  const sortKey = SORT_KEYS[qparam(req, 'sort_key') || 'flavorid'];
  if (!sortKey) throw new BadRequest(`Invalid input for query parameters sort_key. Value: ${qparam(req, 'sort_key')}.`);
  const sortDir = (qparam(req, 'sort_dir') || 'asc') === 'desc' ? 'desc' : 'asc';
  const { limit, marker } = pagination(req);
  let q = db.selectFrom('nova_flavors').selectAll();
  if (req.auth.isAdmin) {
    const raw = qparam(req, 'is_public');
    if (raw === undefined) q = q.where('is_public', '=', 1);
    else if (raw.toLowerCase() !== 'none') {
      if (!/^(true|false|1|0|yes|no|on|off|t|f|y|n)$/i.test(raw))
        throw new BadRequest(`Invalid is_public filter [${raw}]`);
      q = q.where('is_public', '=', toBool(raw) ? 1 : 0);
    }
  } else {
    const project = req.auth.projectId ?? '';
    q = q
      .where('disabled', '=', 0)
      .where((eb) =>
        eb.or([
          eb('is_public', '=', 1),
          eb.exists(
            eb
              .selectFrom('nova_flavor_projects as fp')
              .select('fp.project_id')
              .whereRef('fp.flavorid', '=', 'nova_flavors.flavorid')
              .where('fp.project_id', '=', project),
          ),
        ]),
      );
  }
  const minRam = intFilter(req, 'minRam');
  if (minRam !== undefined) q = q.where('memory_mb', '>=', minRam);
  const minDisk = intFilter(req, 'minDisk');
  if (minDisk !== undefined) q = q.where('root_gb', '>=', minDisk);
  let rows = await q.orderBy(sortKey, sortDir).orderBy('flavorid', 'asc').execute();
  if (marker !== undefined) {
    const i = rows.findIndex((r) => r.flavorid === marker);
    if (i < 0) throw new BadRequest(`marker [${marker}] not found`);
    rows = rows.slice(i + 1);
  }
  return rows.slice(0, limit);
}

/** POST /flavors */
export const createFlavor: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  requireComputeAdmin(req, 'os_compute_api:os-flavor-manage:create');
  const body = validateBody(createSchema(req.microversion.atLeast('2.55')), req.body).flavor;
  const name = String(body.name).trim();
  const flavorid = body.id === undefined || body.id === null ? uuid() : String(body.id);
  const row: FlavorRow = {
    flavorid,
    name,
    memory_mb: Number(body.ram),
    vcpus: Number(body.vcpus),
    root_gb: Number(body.disk),
    ephemeral_gb: Number(body['OS-FLV-EXT-DATA:ephemeral'] ?? 0),
    swap: Number(body.swap ?? 0),
    rxtx_factor: Number(body.rxtx_factor ?? 1),
    is_public: body['os-flavor-access:is_public'] === undefined || toBool(body['os-flavor-access:is_public']) ? 1 : 0,
    disabled: 0,
    description: body.description ?? null,
    extra_specs: '{}',
    created_at: now(),
    updated_at: null,
  };
  await db.transaction().execute(async (trx) => {
    const clash = await trx
      .selectFrom('nova_flavors')
      .select(['flavorid', 'name'])
      .where((eb) => eb.or([eb('flavorid', '=', flavorid), eb('name', '=', name)]))
      .executeTakeFirst();
    if (clash?.name === name) throw new Conflict(`Flavor with name ${name} already exists.`);
    if (clash) throw new Conflict(`Flavor with ID ${flavorid} already exists.`);
    await trx.insertInto('nova_flavors').values(row).execute();
  });
  return { flavor: flavorView(req, row) };
};

/** PUT /flavors/{id} (2.55) */
export const updateFlavor: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  if (!req.microversion.atLeast('2.55')) throw new NotFound('The resource could not be found.');
  requireComputeAdmin(req, 'os_compute_api:os-flavor-manage:update');
  const { id } = req.params as { id: string };
  const body = validateBody(updateSchema, req.body).flavor;
  const res = await db
    .updateTable('nova_flavors')
    .set({ description: body.description, updated_at: now() })
    .where('flavorid', '=', id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new NotFound(`Flavor ${id} could not be found.`);
  return { flavor: flavorView(req, await getFlavor(cloud, req.auth, id)) };
};

/** DELETE /flavors/{id} */
export const deleteFlavor: NovaHandler = async (cloud, req, reply) => {
  const db = cdb(cloud);
  requireComputeAdmin(req, 'os_compute_api:os-flavor-manage:delete');
  const { id } = req.params as { id: string };
  const res = await db.deleteFrom('nova_flavors').where('flavorid', '=', id).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new NotFound(`Flavor ${id} could not be found.`);
  return reply.code(202).send();
};

/** GET /flavors/{id} */
export const showFlavor: NovaHandler = async (cloud, req) => {
  const { id } = req.params as { id: string };
  return { flavor: flavorView(req, await getFlavor(cloud, req.auth, id)) };
};

/** GET /flavors/detail */
export const listFlavorDetails: NovaHandler = async (cloud, req) => {
  const rows = await listFlavors(cloud, req);
  const next = nextLink(req, 'flavors/detail', rows, pagination(req).limit, (f: FlavorRow) => f.flavorid);
  return { flavors: rows.map((f) => flavorView(req, f)), ...(next ? { flavors_links: next } : {}) };
};

/** /flavors: list, show, create, update (2.55), delete. */
export async function flavorRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/flavors', async (req) => {
    const rows = await listFlavors(cloud, req);
    const next = nextLink(req, 'flavors', rows, pagination(req).limit, (f: FlavorRow) => f.flavorid);
    return { flavors: rows.map((f) => briefView(req, f)), ...(next ? { flavors_links: next } : {}) };
  });

  app.get('/flavors/detail', (req, reply) => listFlavorDetails(cloud, req, reply));

  app.get('/flavors/:id', (req, reply) => showFlavor(cloud, req, reply));

  app.post('/flavors', (req, reply) => createFlavor(cloud, req, reply));

  app.put('/flavors/:id', (req, reply) => updateFlavor(cloud, req, reply));

  app.delete('/flavors/:id', (req, reply) => deleteFlavor(cloud, req, reply));
}

/** Re-reads a flavor's extra specs inside a transaction and writes them back changed. */
export async function changeExtraSpecs(
  cloud: Cloud,
  flavorid: string,
  change: (specs: Record<string, string>) => void,
): Promise<Record<string, string>> {
  return cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const f = await trx
        .selectFrom('nova_flavors')
        .select('extra_specs')
        .where('flavorid', '=', flavorid)
        .executeTakeFirst();
      if (!f) throw new NotFound(`Flavor ${flavorid} could not be found.`);
      const specs = fromJson<Record<string, string>>(f.extra_specs, {});
      change(specs);
      await trx
        .updateTable('nova_flavors')
        .set({ extra_specs: toJson(specs), updated_at: now() })
        .where('flavorid', '=', flavorid)
        .execute();
      return specs;
    });
}
