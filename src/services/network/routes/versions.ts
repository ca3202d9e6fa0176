import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { EXTENSIONS } from '../extensions.js';

const root = (req: FastifyRequest) => `${requestBaseUrl(req)}/networking`;

/** The resources /v2.0/ lists: Neutron's core collections this service serves. */
const CORE = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
];

/** Version discovery at /networking and /networking/v2.0, and the extension list. */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${root(req)}/v2.0/` }] }],
  }));

  app.get('/v2.0', async (req) => ({
    resources: CORE.map(([name, collection]) => ({
      name,
      collection,
      links: [{ rel: 'self', href: `${root(req)}/v2.0/${collection}` }],
    })),
  }));

  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS }));

  app.get('/v2.0/extensions/:alias', async (req) => {
    const { alias } = req.params as { alias: string };
    const found = EXTENSIONS.find((e) => e.alias === alias);
    if (!found) throw new NotFound(`Extension with alias ${alias} does not exist`, 'HTTPNotFound');
    return { extension: found };
  });
}
