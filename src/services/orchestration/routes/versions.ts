import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBaseUrl } from '../../../server/root.js';

// Version discovery: Heat answers its root with 300 and the one version, v1.
export async function versionRoutes(app: FastifyInstance) {
  const versions = (req: FastifyRequest) => ({
    versions: [
      { id: 'v1.0', status: 'CURRENT', links: [{ href: `${requestBaseUrl(req)}/heat-api/v1/`, rel: 'self' }] },
    ],
  });
  app.get('/', { config: { public: true } }, async (req, reply) => reply.code(300).send(versions(req)));
  app.get('/v1', { config: { public: true } }, async (req, reply) => reply.code(300).send(versions(req)));
}
