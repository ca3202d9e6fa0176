import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { hexId } from '../../../server/ids.js';
import { write } from '../cascade.js';
import { extraOf, splitExtra } from '../extra.js';
import { enforce } from '../policy.js';
import { type IdentityTables, idb } from '../store.js';
import { description, type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query, selfLink } from './common.js';

type RegionRow = IdentityTables['regions'];

const properties = {
  description,
  id: { type: 'string' },
  parent_region_id: { type: ['string', 'null'] },
} satisfies Record<string, Schema>;
const createSchema: Schema = { type: 'object', properties };
const updateSchema: Schema = { type: 'object', properties, minProperties: 1 };
const KNOWN = ['id', 'description', 'parent_region_id'] as const;

export function regionView(req: FastifyRequest, r: RegionRow) {
  return {
    ...extraOf(r.extra),
    id: r.id,
    description: r.description,
    parent_region_id: r.parent_region_id,
    links: selfLink(req, `/regions/${r.id}`),
  };
}

export function getRegion(cloud: Cloud, regionId: string) {
  return idb(cloud).selectFrom('regions').selectAll().where('id', '=', regionId).executeTakeFirst();
}

async function requireRegion(cloud: Cloud, regionId: string): Promise<RegionRow> {
  const r = await getRegion(cloud, regionId);
  if (!r) throw new NotFound(`Could not find region: ${regionId}.`);
  return r;
}

/** A parent must exist and must not be the region itself or one of its descendants. */
async function checkParent(cloud: Cloud, regionId: string, parentId: string | null | undefined) {
  if (!parentId) return;
  const all = await idb(cloud).selectFrom('regions').select(['id', 'parent_region_id']).execute();
  const byId = new Map(all.map((r) => [r.id, r.parent_region_id]));
  if (!byId.has(parentId)) throw new NotFound(`Could not find region: ${parentId}.`);
  let cursor: string | null | undefined = parentId;
  for (let i = 0; cursor && i < 1000; i++) {
    if (cursor === regionId)
      throw new BadRequest(`Circular reference or a repeated entry found in region tree - ${parentId}.`);
    cursor = byId.get(cursor);
  }
}

async function create(req: FastifyRequest, cloud: Cloud, regionId: string | undefined) {
  enforce(req, 'identity:create_region');
  const body = validate(member(req, 'region'), createSchema);
  if (regionId && body.id !== undefined && body.id !== regionId)
    throw new BadRequest(`Conflicting region IDs specified: "${regionId}" != "${body.id}"`);
  const id = regionId ?? (typeof body.id === 'string' && body.id ? body.id : hexId());
  if (await getRegion(cloud, id))
    throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`);
  await checkParent(cloud, id, body.parent_region_id as string | null);
  const row: RegionRow = {
    id,
    description: (body.description as string | null) ?? '',
    parent_region_id: (body.parent_region_id as string | null) ?? null,
    extra: splitExtra(body, KNOWN).extra,
  };
  await write(cloud, (trx) => trx.insertInto('regions').values(row).execute(), { catalog: true });
  return { region: regionView(req, row) };
}

/** /v3/regions */
export async function regionRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/regions', async (req) => {
    enforce(req, 'identity:list_regions');
    const q = query(req);
    let sql = idb(cloud).selectFrom('regions').selectAll().orderBy('id');
    if (q.parent_region_id !== undefined) sql = sql.where('parent_region_id', '=', q.parent_region_id);
    return listBody(
      req,
      'regions',
      (await sql.execute()).map((r) => regionView(req, r)),
    );
  });

  app.get('/v3/regions/:region_id', async (req) => {
    enforce(req, 'identity:get_region');
    return { region: regionView(req, await requireRegion(cloud, params(req).region_id)) };
  });

  app.post('/v3/regions', async (req, reply) => created(reply, await create(req, cloud, undefined)));

  app.put('/v3/regions/:region_id', async (req, reply) =>
    created(reply, await create(req, cloud, params(req).region_id)),
  );

  app.patch('/v3/regions/:region_id', async (req) => {
    enforce(req, 'identity:update_region');
    const body = validate(member(req, 'region'), updateSchema);
    const r = await requireRegion(cloud, params(req).region_id);
    if (body.id !== undefined && body.id !== r.id) throw new BadRequest('Cannot change ID');
    if (body.parent_region_id !== undefined) await checkParent(cloud, r.id, body.parent_region_id as string | null);
    const row: RegionRow = {
      ...r,
      description: body.description !== undefined ? ((body.description as string | null) ?? '') : r.description,
      parent_region_id:
        body.parent_region_id !== undefined ? ((body.parent_region_id as string | null) ?? null) : r.parent_region_id,
      extra: splitExtra(body, KNOWN, r.extra).extra,
    };
    await write(cloud, (trx) => trx.updateTable('regions').set(row).where('id', '=', r.id).execute(), {
      catalog: true,
    });
    return { region: regionView(req, row) };
  });

  app.delete('/v3/regions/:region_id', async (req, reply) => {
    enforce(req, 'identity:delete_region');
    const r = await requireRegion(cloud, params(req).region_id);
    const all = await idb(cloud).selectFrom('regions').select(['id', 'parent_region_id']).execute();
    const tree = [r.id];
    for (let i = 0; i < tree.length; i++)
      for (const c of all) if (c.parent_region_id === tree[i] && !tree.includes(c.id)) tree.push(c.id);
    const used = await idb(cloud)
      .selectFrom('endpoints')
      .select('id')
      .where('region_id', 'in', tree)
      .executeTakeFirst();
    if (used)
      throw new Forbidden(`Unable to delete region ${r.id} because it or its child regions have associated endpoints.`);
    await write(
      cloud,
      async (trx) => {
        // child regions go with their parent, as in Keystone
        await trx.deleteFrom('regions').where('id', 'in', tree).execute();
      },
      { catalog: true },
    );
    return noContent(reply);
  });
}
