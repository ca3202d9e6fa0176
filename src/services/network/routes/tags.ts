import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { bumpRevision, type Op, type Resource, readOp, writeOp } from '../common.js';
import { requireOwner } from '../policy.js';
import { addTag, removeTag, setTags, tagsOf } from '../tags.js';

const MAX_TAG_LEN = 255;
const MAX_TAGS = 50;

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '' || tag.length > MAX_TAG_LEN || tag.includes(',') || tag.includes('/'))
    throw new BadRequest(`Invalid input for operation: '${tag}' is not a valid tag.`, 'InvalidInput');
  return tag;
}

/** /v2.0/{collection}/{id}/tags[/{tag}] for every taggable resource (standard-attr-tag). */
export function tagRoutes(app: FastifyInstance, cloud: Cloud, r: Resource): void {
  const base = `/v2.0/${r.collection}/:id/tags`;
  // The resource must be visible (404 otherwise) and, to change its tags, the caller's.
  const target = async (op: Op, id: string, write: boolean) => {
    const view = await r.show(op, id);
    if (!write) return;
    requireOwner(op.ctx, view.project_id as string, `update_${r.member}:tags`);
    // a tag change is a change of the resource (revision_number, updated_at)
    if (r.table) await bumpRevision(op.db, r.table, id);
  };

  app.get(base, async (req) => {
    const { id } = req.params as { id: string };
    const op = readOp(cloud, req.auth);
    await target(op, id, false);
    return { tags: (await tagsOf(op.db, [id])).get(id) ?? [] };
  });

  app.put(base, async (req) => {
    const { id } = req.params as { id: string };
    const body = req.body as { tags?: unknown } | undefined;
    if (!body || !Array.isArray(body.tags))
      throw new BadRequest("Invalid input for operation: 'tags' must be a list.", 'InvalidInput');
    const tags = body.tags.map(checkTag);
    if (tags.length > MAX_TAGS)
      throw new BadRequest(`Invalid input for operation: more than ${MAX_TAGS} tags.`, 'InvalidInput');
    await writeOp(cloud, req.auth, async (op) => {
      await target(op, id, true);
      await setTags(op.db, id, tags);
    });
    return { tags: [...new Set(tags)] };
  });

  app.delete(base, async (req, reply) => {
    const { id } = req.params as { id: string };
    await writeOp(cloud, req.auth, async (op) => {
      await target(op, id, true);
      await setTags(op.db, id, []);
    });
    return reply.code(204).send();
  });

  app.get(`${base}/:tag`, async (req, reply) => {
    const { id, tag } = req.params as { id: string; tag: string };
    const op = readOp(cloud, req.auth);
    await target(op, id, false);
    if (!((await tagsOf(op.db, [id])).get(id) ?? []).includes(tag))
      throw new NotFound(`Tag ${tag} could not be found.`, 'TagNotFound');
    return reply.code(204).send();
  });

  app.put(`${base}/:tag`, async (req, reply) => {
    const { id, tag } = req.params as { id: string; tag: string };
    checkTag(tag);
    await writeOp(cloud, req.auth, async (op) => {
      await target(op, id, true);
      await addTag(op.db, id, tag);
    });
    return reply.code(201).send();
  });

  app.delete(`${base}/:tag`, async (req, reply) => {
    const { id, tag } = req.params as { id: string; tag: string };
    await writeOp(cloud, req.auth, async (op) => {
      await target(op, id, true);
      if (!(await removeTag(op.db, id, tag))) throw new NotFound(`Tag ${tag} could not be found.`, 'TagNotFound');
    });
    return reply.code(204).send();
  });
}
