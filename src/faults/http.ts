import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';
import { ApiError, Forbidden, NotFound } from '../server/errors.js';
import { faultRegistry, sleep } from './faults.js';

/**
 * The onRequest hook of a service scope (installed only with faults on):
 * applies the first matching rule before the request reaches auth, as a
 * failing load balancer or service would.
 */
export function faultHook(cloud: Cloud, service: { name: string; path: string }) {
  const registry = faultRegistry(cloud.config);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!registry) return;
    const path = (req.raw.url ?? req.url).split('?')[0];
    const rule = registry.takeRequest(service.name, req.method, path, service.path);
    if (!rule) return;
    cloud.log.info({ fault: rule.id, method: req.method, url: req.url }, `injected fault: ${rule.action}`);
    if (rule.action === 'slow') return sleep(rule.delay_ms ?? 0);
    if (rule.action === 'hang') {
      // no answer at all: the client sees its own timeout, or the connection dropped after delay_ms
      await sleep(rule.delay_ms ?? 0);
      req.raw.socket?.destroy();
      return reply.hijack();
    }
    const err = new ApiError(rule.status ?? 500, rule.message ?? `Injected fault (pocketstack fault ${rule.id}).`);
    if (rule.status === 503 || rule.status === 429) err.headers['retry-after'] = '1';
    throw err;
  };
}

/** The admin-only API under /pocketstack/v1/faults. */
export async function faultRoutes(app: FastifyInstance, cloud: Cloud) {
  const registry = () => {
    const r = faultRegistry(cloud.config);
    if (!r)
      throw new NotFound(
        'Fault injection is off: start pocketstack with --faults (or POCKETSTACK_FAULTS=1) to use /pocketstack/v1/faults.',
      );
    return r;
  };
  // the rules kept in the store come back (a restart, a loaded snapshot)
  await faultRegistry(cloud.config)?.attach(cloud.db);
  // the hits of the last requests are written before the store closes
  app.addHook('onClose', async () => {
    await faultRegistry(cloud.config)
      ?.flush()
      .catch((err) => cloud.log.warn({ err }, 'fault rules: the last change was not kept'));
  });
  app.addHook('preHandler', async (req) => {
    if (!req.auth?.isAdmin) throw new Forbidden('Fault injection is for admins only.');
  });
  app.get('/v1/faults', async () => ({ faults: registry().list() }));
  app.post('/v1/faults', async (req, reply) => {
    const body = req.body as { fault?: unknown } | undefined;
    const fault = registry().add(body?.fault ?? body);
    await registry().flush();
    cloud.log.info({ fault }, 'fault added');
    reply.code(201);
    return { fault };
  });
  app.get('/v1/faults/:id', async (req) => {
    const f = registry().get((req.params as { id: string }).id);
    if (!f) throw new NotFound('No such fault.');
    return { fault: f };
  });
  app.delete('/v1/faults/:id', async (req, reply) => {
    if (!registry().remove((req.params as { id: string }).id)) throw new NotFound('No such fault.');
    await registry().flush();
    return reply.code(204).send();
  });
  app.delete('/v1/faults', async (_req, reply) => {
    registry().clear();
    await registry().flush();
    return reply.code(204).send();
  });
}
