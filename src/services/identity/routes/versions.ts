import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBaseUrl } from '../../../server/root.js';

function v3(req: FastifyRequest) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${requestBaseUrl(req)}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Version discovery, as keystoneauth does it before anything else. */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req, reply) => {
    const doc = v3(req);
    reply.code(300).header('Location', doc.links[0].href);
    return { versions: { values: [doc] } };
  });
  app.get('/v3', { config: { public: true } }, async (req) => ({ version: v3(req) }));
}
