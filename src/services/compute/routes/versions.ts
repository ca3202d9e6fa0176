import type { FastifyInstance, FastifyRequest } from 'fastify';
import { computeBase, MICROVERSIONS } from '../api.js';

const MEDIA_V21 = [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }];

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

/**
 * Version discovery at /compute and /compute/v2.1. Nova also lists the
 * legacy v2.0 API; pocketstack serves only v2.1 and lists only it.
 * Version discovery at /compute and /compute/v2.1 (this one, with its media types). */
export async function versionRoutes(app: FastifyInstance) {
  app.get('/', { config: { public: true } }, async (req) => ({ versions: [v21(req)] }));
  app.get('/v2.1', { config: { public: true } }, async (req) => ({
    version: {
      ...v21(req),
      links: [
        { rel: 'self', href: `${computeBase(req)}/v2.1/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': MEDIA_V21,
    },
  }));
}
