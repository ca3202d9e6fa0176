import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { createBodies, parseCreate, parseUpdate } from '../attributes.js';
import { type Op, type Resource, readOp, sqlPage, writeOp } from '../common.js';
import { collectionKey, listResponse, type Query, selectFields, type View } from '../query.js';
import { enforceRevision, revisionConstraint } from '../revision-if-match.js';

/**
 * The five calls of a Neutron collection, alike for every resource: list
 * (filters, sorting, pagination, fields), show, create (single or bulk, one
 * transaction), update and delete. Any of them refuses a malformed
 * `If-Match: revision_number=N` (as Neutron does); update and delete enforce it.
 */
export function crudRoutes(app: FastifyInstance, cloud: Cloud, r: Resource): void {
  const base = `/v2.0/${r.collection}`;

  app.get(base, async (req) => {
    revisionConstraint(req.headers['if-match']);
    const q = req.query as Query;
    const page = sqlPage(r, q);
    return listResponse(req, r.collection, await r.list(readOp(cloud, req.auth), q, page), r.extraFilters, !!page);
  });

  app.get(`${base}/:id`, async (req) => {
    const { id } = req.params as { id: string };
    revisionConstraint(req.headers['if-match']);
    return { [r.member]: selectFields(await r.show(readOp(cloud, req.auth), id), req.query as Query) };
  });

  app.post(base, async (req, reply) => {
    const { items, bulk } = createBodies(req.body, r.member, collectionKey(r.collection));
    revisionConstraint(req.headers['if-match']);
    const ids = await writeOp(cloud, req.auth, async (op) => {
      const out: string[] = [];
      for (const item of items) out.push(await r.create(op, parseCreate(req.auth, item, r.attrs)));
      return out;
    });
    const op = readOp(cloud, req.auth);
    const views: View[] = [];
    for (const id of ids) views.push(await r.show(op, id));
    reply.code(201);
    return bulk ? { [collectionKey(r.collection)]: views } : { [r.member]: views[0] };
  });

  app.put(`${base}/:id`, async (req) => {
    const { id } = req.params as { id: string };
    const body = parseUpdate(req.auth, req.body, r.member, r.attrs);
    const wanted = revisionConstraint(req.headers['if-match']);
    await writeOp(cloud, req.auth, (op) => constrained(r, op, id, wanted, () => r.update(op, id, body)));
    return { [r.member]: await r.show(readOp(cloud, req.auth), id) };
  });

  app.delete(`${base}/:id`, async (req, reply) => {
    const { id } = req.params as { id: string };
    const wanted = revisionConstraint(req.headers['if-match']);
    await writeOp(cloud, req.auth, (op) => constrained(r, op, id, wanted, () => r.remove(op, id)));
    return reply.code(204).send();
  });
}

/**
 * Runs an update or delete under an If-Match revision constraint: the
 * revision is read first (an invisible resource is its NotFound), the change
 * runs (so policy answers first, as in Neutron), and a mismatch then fails
 * the transaction, leaving nothing changed.
 */
async function constrained(
  r: Resource,
  op: Op,
  id: string,
  wanted: number | undefined,
  change: () => Promise<void>,
): Promise<void> {
  const before = wanted === undefined ? undefined : await r.show(op, id);
  await change();
  if (before) enforceRevision(collectionKey(r.collection), before, wanted as number);
}
