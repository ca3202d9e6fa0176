import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { rejectOtherMethods } from '../routes/reject.js';
import {
  createDefinition,
  createTag,
  createTags,
  deleteAllDefinitions,
  deleteDefinition,
  listDefinitions,
  showDefinition,
  updateDefinition,
} from './contents.js';
import {
  addAssociation,
  createNamespace,
  deleteNamespace,
  listAssociations,
  listNamespaces,
  listResourceTypes,
  removeAssociation,
  showNamespace,
  updateNamespace,
} from './namespaces.js';
import schemas from './schemas.json' with { type: 'json' };

type P = { ns: string; name: string };
const NS = '/v2/metadefs/namespaces/:ns';

/** /v2/metadefs and /v2/schemas/metadefs/*: the metadata definitions catalog. */
export async function metadefRoutes(app: FastifyInstance, cloud: Cloud) {
  for (const [name, doc] of Object.entries(schemas)) {
    app.get(`/v2/schemas/metadefs/${name}`, async () => doc);
    rejectOtherMethods(app, `/v2/schemas/metadefs/${name}`, ['GET']);
  }

  app.get('/v2/metadefs/resource_types', async () => listResourceTypes(cloud));
  app.get('/v2/metadefs/namespaces', async (req) =>
    listNamespaces(cloud, req.auth, req.query as Record<string, string>),
  );
  app.post('/v2/metadefs/namespaces', async (req, reply) =>
    reply.code(201).send(await createNamespace(cloud, req.auth, req.body)),
  );
  rejectOtherMethods(app, '/v2/metadefs/namespaces', ['GET', 'POST']);
  app.get(NS, async (req) => showNamespace(cloud, req.auth, (req.params as P).ns));
  app.put(NS, async (req) => updateNamespace(cloud, req.auth, (req.params as P).ns, req.body));
  app.delete(NS, async (req, reply) => {
    await deleteNamespace(cloud, req.auth, (req.params as P).ns);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, NS, ['GET', 'PUT', 'DELETE']);

  app.get(`${NS}/resource_types`, async (req) => listAssociations(cloud, req.auth, (req.params as P).ns));
  app.post(`${NS}/resource_types`, async (req, reply) =>
    reply.code(201).send(await addAssociation(cloud, req.auth, (req.params as P).ns, req.body)),
  );
  app.delete(`${NS}/resource_types/:name`, async (req, reply) => {
    const { ns, name } = req.params as P;
    await removeAssociation(cloud, req.auth, ns, name);
    return reply.code(204).send();
  });

  for (const kind of ['objects', 'properties', 'tags'] as const) {
    app.get(`${NS}/${kind}`, async (req) => listDefinitions(cloud, req.auth, (req.params as P).ns, kind));
    app.post(`${NS}/${kind}`, async (req, reply) => {
      const ns = (req.params as P).ns;
      const body =
        kind === 'tags'
          ? await createTags(cloud, req.auth, ns, req.body, /^true$/i.test(String(req.headers['x-openstack-append'])))
          : await createDefinition(cloud, req.auth, ns, kind, req.body);
      return reply.code(201).send(body);
    });
    app.delete(`${NS}/${kind}`, async (req, reply) => {
      await deleteAllDefinitions(cloud, req.auth, (req.params as P).ns, kind);
      return reply.code(204).send();
    });
    app.get(`${NS}/${kind}/:name`, async (req) => {
      const { ns, name } = req.params as P;
      return showDefinition(cloud, req.auth, ns, kind, name);
    });
    app.put(`${NS}/${kind}/:name`, async (req) => {
      const { ns, name } = req.params as P;
      return updateDefinition(cloud, req.auth, ns, kind, name, req.body);
    });
    app.delete(`${NS}/${kind}/:name`, async (req, reply) => {
      const { ns, name } = req.params as P;
      await deleteDefinition(cloud, req.auth, ns, kind, name);
      return reply.code(204).send();
    });
  }
  app.post(`${NS}/tags/:name`, async (req, reply) => {
    const { ns, name } = req.params as P;
    return reply.code(201).send(await createTag(cloud, req.auth, ns, name));
  });
}
