import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// Cross-origin requests from browsers, as oslo.middleware's CORS filter
// answers them for the origins an operator allows (`--cors-origin`, `*` for
// any): a preflight (OPTIONS with Access-Control-Request-Method) is answered
// here, 200, before authentication, with the Allow headers only when origin,
// method and every requested header are allowed; an actual request gets
// Allow-Origin (the origin itself, as oslo echoes it), credentials and the
// headers a client may read. The header lists are the union of what the
// OpenStack services set as their CORS defaults.

const ALLOW_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'];

const ALLOW_HEADERS = [
  'X-Auth-Token',
  'X-Subject-Token',
  'X-Service-Token',
  'X-Openstack-Request-Id',
  'X-Project-Id',
  'X-Project-Name',
  'X-Project-Domain-Id',
  'X-Project-Domain-Name',
  'X-Domain-Id',
  'X-Domain-Name',
  'X-Identity-Status',
  'X-Roles',
  'X-Service-Catalog',
  'X-User-Id',
  'X-Tenant-Id',
  'X-OpenStack-Nova-API-Version',
  'OpenStack-API-Version',
  'OpenStack-Volume-microversion',
  'Content-MD5',
  'X-Image-Meta-Checksum',
  'X-Storage-Token',
  'Accept-Encoding',
  'If-Match',
];

const EXPOSE_HEADERS = [
  'X-Auth-Token',
  'X-Subject-Token',
  'X-Service-Token',
  'X-Openstack-Request-Id',
  'X-Compute-Request-Id',
  'X-OpenStack-Nova-API-Version',
  'OpenStack-API-Version',
  'Location',
];

/** What the CORS specification counts as simple headers, always allowed (oslo's list). */
const SIMPLE_HEADERS = [
  'Accept',
  'Accept-Language',
  'Content-Type',
  'Cache-Control',
  'Content-Language',
  'Expires',
  'Last-Modified',
  'Pragma',
];

const PERMITTED = new Set([...ALLOW_HEADERS, ...SIMPLE_HEADERS].map((h) => h.toLowerCase()));

const MAX_AGE = 3600;

function allowedOrigin(origins: string[], req: FastifyRequest): string | undefined {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return undefined;
  return origins.includes('*') || origins.includes(origin) ? origin : undefined;
}

function preflight(origins: string[], req: FastifyRequest, reply: FastifyReply): void {
  const origin = allowedOrigin(origins, req);
  const method = String(req.headers['access-control-request-method'] ?? '');
  const asked = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  reply.code(200);
  if (origin && ALLOW_METHODS.includes(method) && asked.every((h) => PERMITTED.has(h.toLowerCase()))) {
    reply.header('Vary', 'Origin');
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Access-Control-Max-Age', String(MAX_AGE));
    reply.header('Access-Control-Allow-Methods', method);
    if (asked.length) reply.header('Access-Control-Allow-Headers', asked.join(','));
  }
  reply.send();
}

/** Adds CORS to every route of the app when origins are configured; nothing otherwise. */
export function installCors(app: FastifyInstance, origins: string[]): void {
  if (origins.length === 0) return;
  const isPreflight = (req: FastifyRequest) =>
    req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  app.addHook('onRequest', async (req, reply) => {
    if (isPreflight(req)) {
      preflight(origins, req, reply);
      return reply;
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const origin = allowedOrigin(origins, req);
    if (origin && !isPreflight(req)) {
      reply.header('Vary', 'Origin');
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Credentials', 'true');
      reply.header('Access-Control-Expose-Headers', EXPOSE_HEADERS.join(','));
    }
    return payload;
  });
}
