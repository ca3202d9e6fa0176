import type { FastifyInstance, FastifyRequest } from 'fastify';
import { computeBase, MICROVERSIONS } from '../api.js';

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

/**
 * Nova lists the legacy v2.0 API first (SUPPORTED, no microversions) and
 * v2.1. pocketstack serves only v2.1's API; /compute/v2 answers its version
 * document, so that every listed version's self link can be followed.
 */
function v20(req: FastifyRequest) {
  return {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: '2011-01-21T11:33:21Z',
    links: [{ rel: 'self', href: `${computeBase(req)}/v2/` }],
  };
}

function v21(req: FastifyRequest) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: MICROVERSIONS.max,
    min_version: MICROVERSIONS.min,
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${computeBase(req)}/v2.1/` }],
  };
}

function detail(v: ReturnType<typeof v21>, mediaVersion: string) {
  return {
    version: {
      ...v,
      links: [...v.links, DESCRIBED_BY],
      'media-types': [
        { base: 'application/json', type: `application/vnd.openstack.compute+json;version=${mediaVersion}` },
      ],
    },
  };
}

/** Version discovery at /compute, /compute/v2 and /compute/v2.1 (these two with their media types). */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req) => ({ versions: [v20(req), v21(req)] }));
  app.get('/v2', { config: { public: true } }, async (req) => detail(v20(req), '2'));
  app.get('/v2.1', { config: { public: true } }, async (req) => detail(v21(req), '2.1'));
}
