import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';

// Glance with a multi-store (file) backend and no image cache lists these,
// newest first; every one points at the same /v2/.
const VERSIONS: [string, string][] = [
  ['v2.15', 'CURRENT'],
  ...['2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map(
    (v): [string, string] => [`v${v}`, 'SUPPORTED'],
  ),
];

export function versionsDoc(req: FastifyRequest) {
  const href = `${requestBaseUrl(req)}/image/v2/`;
  return { versions: VERSIONS.map(([id, status]) => ({ id, status, links: [{ rel: 'self', href }] })) };
}

/** Version discovery: 300 at the root, 200 at /versions; /v2 redirects to /v2/, which Glance does not serve. */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req, reply) => reply.code(300).send(versionsDoc(req)));
  app.get('/versions', { config: { public: true } }, async (req) => versionsDoc(req));
  app.get('/v2', async (req, reply) => {
    if (req.originalUrl.split('?')[0].endsWith('/')) throw new NotFound('The resource could not be found.');
    return reply
      .code(302)
      .header('Location', `${requestBaseUrl(req)}/image/v2/`)
      .type('text/plain; charset=utf8')
      .send('');
  });
}
