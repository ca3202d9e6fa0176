import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, NotFound } from '../../../server/errors.js';
import { computeBase, type NovaHandler, type NovaRequest } from '../api.js';
import { checkMetadataQuota } from '../quotas.js';
import { getServer, type Instance, updateInstance } from '../servers/model.js';
import { tag as tagSchema } from '../servers/schemas.js';
import { checkAction, VmState } from '../states.js';
import { cdb } from '../store.js';
import { type Schema, types, validateBody, validateQuery } from '../validation.js';

// Server metadata (/servers/{id}/metadata) and tags (/servers/{id}/tags, 2.26).

const MAX_TAGS = 50;
const metadataBody = (key: 'metadata' | 'meta'): Schema => ({
  type: 'object',
  properties: { [key]: types.metadata },
  required: [key],
  additionalProperties: false,
});

/** Metadata changes need the server idle and in a running-ish state, as Nova's update_instance_metadata. */
async function changeMetadata(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  next: Record<string, string>,
): Promise<Record<string, string>> {
  checkAction(i, 'update_metadata', req.auth.isAdmin, 'update metadata');
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await checkMetadataQuota(trx, i.project_id, Object.keys(next).length);
      await updateInstance(trx, i.uuid, { meta: next });
    });
  return next;
}

const TAGGABLE: string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED];

function checkTaggable(i: Instance, action: string): void {
  if (!TAGGABLE.includes(i.vm_state))
    throw new Conflict(`Cannot '${action}' instance ${i.uuid} while it is in vm_state ${i.vm_state}`);
}

function requireTags(req: NovaRequest): void {
  if (!req.microversion.atLeast('2.26')) throw new NotFound('The resource could not be found.');
}

/** PUT /servers/{id}/metadata */
export const replaceMetadata: NovaHandler = async (cloud, req) => {
  const i = await getServer(cloud, req);
  const { metadata } = validateBody(metadataBody('metadata'), req.body);
  return { metadata: await changeMetadata(cloud, req, i, metadata) };
};

export async function serverDataRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  app.get('/servers/:id/metadata', async (req) => ({ metadata: (await getServer(cloud, req)).meta }));

  app.post('/servers/:id/metadata', async (req) => {
    const i = await getServer(cloud, req);
    const { metadata } = validateBody(metadataBody('metadata'), req.body);
    return { metadata: await changeMetadata(cloud, req, i, { ...i.meta, ...metadata }) };
  });

  app.put('/servers/:id/metadata', (req, reply) => replaceMetadata(cloud, req, reply));

  app.get('/servers/:id/metadata/:key', async (req) => {
    const { key } = req.params as { key: string };
    const i = await getServer(cloud, req);
    if (!(key in i.meta)) throw new NotFound('Metadata item was not found');
    return { meta: { [key]: i.meta[key] } };
  });

  app.put('/servers/:id/metadata/:key', async (req) => {
    const { key } = req.params as { key: string };
    const i = await getServer(cloud, req);
    const { meta } = validateBody(
      { ...metadataBody('meta'), properties: { meta: { ...types.metadata, minProperties: 1 } } },
      req.body,
    );
    if (Object.keys(meta).length > 1) throw new BadRequest('Request body contains too many items');
    if (!(key in meta)) throw new BadRequest('Request body and URI mismatch');
    await changeMetadata(cloud, req, i, { ...i.meta, [key]: meta[key] });
    return { meta };
  });

  app.delete('/servers/:id/metadata/:key', async (req, reply) => {
    const { key } = req.params as { key: string };
    const i = await getServer(cloud, req);
    if (!(key in i.meta)) throw new NotFound('Metadata item was not found');
    const { [key]: _gone, ...rest } = i.meta;
    await changeMetadata(cloud, req, i, rest);
    return reply.code(204).send();
  });

  // --- tags
  const tagsOf = async (uuid: string) =>
    (
      await db.selectFrom('nova_instance_tags').select('tag').where('instance_uuid', '=', uuid).orderBy('tag').execute()
    ).map((t) => t.tag);

  app.get('/servers/:id/tags', async (req) => {
    requireTags(req);
    const i = await getServer(cloud, req);
    return { tags: await tagsOf(i.uuid) };
  });

  app.get('/servers/:id/tags/:tag', async (req, reply: FastifyReply) => {
    requireTags(req);
    const { tag } = req.params as { tag: string };
    const i = await getServer(cloud, req);
    if (!(await tagsOf(i.uuid)).includes(tag)) throw new NotFound(`Server ${i.uuid} has no tag '${tag}'`);
    return reply.code(204).send();
  });

  app.put('/servers/:id/tags/:tag', async (req, reply) => {
    requireTags(req);
    const { tag } = req.params as { tag: string };
    const i = await getServer(cloud, req);
    checkTaggable(i, 'update tag');
    try {
      validateQuery('tag', tagSchema, tag);
    } catch (e) {
      throw new BadRequest(
        `Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: ${(e as Error).message}`,
      );
    }
    const tags = await tagsOf(i.uuid);
    if (tags.includes(tag)) return reply.code(204).send();
    if (tags.length >= MAX_TAGS) throw new BadRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    await db.insertInto('nova_instance_tags').values({ instance_uuid: i.uuid, tag }).execute();
    await updateInstance(db, i.uuid, {});
    reply.header('Location', `${computeBase(req)}/v2.1/servers/${i.uuid}/tags/${encodeURIComponent(tag)}`);
    return reply.code(201).send();
  });

  app.put('/servers/:id/tags', async (req) => {
    requireTags(req);
    const i = await getServer(cloud, req);
    checkTaggable(i, 'update tags');
    const body = validateBody(
      {
        type: 'object',
        properties: { tags: { type: 'array', items: tagSchema, maxItems: MAX_TAGS } },
        required: ['tags'],
        additionalProperties: false,
      },
      req.body,
    );
    const tags = [...new Set(body.tags as string[])];
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('nova_instance_tags').where('instance_uuid', '=', i.uuid).execute();
      if (tags.length)
        await trx
          .insertInto('nova_instance_tags')
          .values(tags.map((tag) => ({ instance_uuid: i.uuid, tag })))
          .execute();
      await updateInstance(trx, i.uuid, {});
    });
    return { tags: tags.sort() };
  });

  app.delete('/servers/:id/tags/:tag', async (req, reply) => {
    requireTags(req);
    const { tag } = req.params as { tag: string };
    const i = await getServer(cloud, req);
    checkTaggable(i, 'delete tag');
    const res = await db
      .deleteFrom('nova_instance_tags')
      .where('instance_uuid', '=', i.uuid)
      .where('tag', '=', tag)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFound(`Server ${i.uuid} has no tag '${tag}'`);
    await updateInstance(db, i.uuid, {});
    return reply.code(204).send();
  });

  app.delete('/servers/:id/tags', async (req, reply) => {
    requireTags(req);
    const i = await getServer(cloud, req);
    checkTaggable(i, 'delete tags');
    await db.deleteFrom('nova_instance_tags').where('instance_uuid', '=', i.uuid).execute();
    await updateInstance(db, i.uuid, {});
    return reply.code(204).send();
  });
}
