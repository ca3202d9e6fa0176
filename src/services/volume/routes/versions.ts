import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBaseUrl } from '../../../server/root.js';
import { MICROVERSIONS } from '../microversion.js';

/** The v3.0 version document (cinder/api/versions.py _KNOWN_VERSIONS). */
function v3(req: FastifyRequest) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: MICROVERSIONS.max,
    min_version: MICROVERSIONS.min,
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${requestBaseUrl(req)}/volume/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

/** /volume answers 300 with every version; /volume/v3 answers the same list with 200, as Cinder does. */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req, reply) => {
    reply.code(300);
    return { versions: [v3(req)] };
  });
}

/** Behind keystonemiddleware like the rest of /v3, so it needs a token (the unversioned root does not). */
export async function v3RootRoute(app: FastifyInstance) {
  app.get('/', async (req) => ({ versions: [v3(req)] }));
}
