import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Cloud } from '../cloud.js';
import { faultHook, faultRoutes } from '../faults/http.js';
import type { Service } from '../services/service.js';
import { writeGate } from '../snapshot/freeze.js';
import { snapshotRoutes } from '../snapshot/routes.js';
import { AuthRequired, authHook } from './auth.js';
import { installCors } from './cors.js';
import { dashboardRoutes } from './dashboard.js';
import { depthMessage, jsonTooDeep } from './depth.js';
import { type ApiError, BadRequest, NotFound, PayloadTooLarge, toApiError } from './errors.js';
import { healthRoute } from './healthz.js';
import { requestId } from './ids.js';
import { JSON_BODY_LIMIT } from './limits.js';
import { installRequestLog } from './request-log.js';
import { sendVersions } from './root.js';

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
  }
}

/** Bodies longer than this (characters) are sent as a Buffer. */
const LONG_BODY = 65536;

/** Builds the one HTTP app: every service mounted under its DevStack path. */
export async function buildApp(cloud: Cloud): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // every service scope sets its own (Service.bodyLimit); this bounds the rest
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: () => requestId(),
    // OpenStack clients call /v3/ and /v3 alike. One trailing slash is dropped
    // before routing rather than every route being registered twice
    // (find-my-way's ignoreTrailingSlash): start-up time is route count.
    // Services that 404 on it, as Glance and Cinder do, read req.originalUrl.
    rewriteUrl: (req) => withoutTrailingSlash(req.url ?? '/'),
    routerOptions: { caseSensitive: true, maxParamLength: 1000 },
    // HEAD is answered only where the real service answers it (Service.headLikeGet).
    exposeHeadRoutes: false,
    // No route declares a Fastify schema (services validate bodies in their
    // own error words), so Ajv and fast-json-stringify are never loaded.
    schemaController: { compilersFactory: { buildValidator: noCompiler, buildSerializer: noCompiler } },
  });
  app.decorateRequest('auth', null as any);
  app.decorateRequest('requestId', '');
  app.decorateRequest('microversion', null as any);

  app.addHook('onRequest', async (req, reply) => {
    req.requestId = req.id;
    reply.header('x-openstack-request-id', req.id);
  });
  installCors(app, cloud.config.corsOrigins);
  // A long body goes to the socket as a Buffer: Node spends more CPU writing a
  // long string than making it a Buffer and writing that (a 900 KB port list:
  // 1.8 ms as a string, 0.7 ms as a Buffer); short ones are alike either way.
  app.addHook('onSend', (_req, _reply, payload, done) =>
    done(null, typeof payload === 'string' && payload.length > LONG_BODY ? Buffer.from(payload) : payload),
  );
  writeGate(cloud).install(app);
  installRequestLog(app, cloud);

  // JSON bodies: an empty body is no body (clients send Content-Type on bodiless
  // POSTs); bad JSON is a 400 each service words its own way.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/([\w.-]+\+)?json/, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    if (jsonTooDeep(text)) return done(new BadRequest(depthMessage(), 'MalformedRequestBody'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new BadRequest('Malformed JSON in request body.', 'MalformedRequestBody'), undefined);
    }
  });

  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) table.push({ method, url: r.url });
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, failed(req, err), undefined, cloud));
  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, new NotFound('The resource could not be found.'), undefined, cloud),
  );

  app.get('/', { config: { public: true } }, (req, reply) => sendVersions(cloud, req, reply));
  app.get('/healthz', { config: { public: true } }, healthRoute(cloud));
  dashboardRoutes(app);

  for (const svc of cloud.services) {
    await app.register(
      async (scope) => {
        const limit = svc.bodyLimit ?? JSON_BODY_LIMIT;
        // a route that streams its body (image data) has no parser to limit
        scope.addHook('onRoute', (r) => {
          r.bodyLimit ??= limit;
        });
        scope.setErrorHandler((err, req, reply) => {
          const tooLarge = (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' && svc.tooLarge;
          const apiError = tooLarge ? tooLarge(req.routeOptions.bodyLimit ?? limit, req) : failed(req, err);
          return sendError(req, reply, apiError, svc, cloud);
        });
        scope.setNotFoundHandler((req, reply) =>
          sendError(req, reply, new NotFound('The resource could not be found.'), svc, cloud),
        );
        if (svc.sizeLimitFirst)
          scope.addHook('onRequest', async (req) => {
            const max = req.routeOptions.bodyLimit ?? limit;
            if (Number(req.headers['content-length']) > max)
              throw svc.tooLarge?.(max, req) ?? new PayloadTooLarge('Request is too large.');
          });
        if (cloud.config.faults) scope.addHook('onRequest', faultHook(cloud, svc));
        scope.addHook('onRequest', authHook(cloud, svc));
        if (svc.headLikeGet) scope.addHook('onRoute', addHeadRoute);
        await svc.register(scope, cloud);
      },
      { prefix: svc.path },
    );
  }
  // pocketstack's own admin API (fault injection): Keystone tokens, Keystone's error body
  await app.register(
    async (scope) => {
      scope.setErrorHandler((err, req, reply) => sendError(req, reply, toApiError(err, req.id), undefined, cloud));
      scope.addHook('onRequest', authHook(cloud, { path: '/pocketstack', catalog: [] }));
      await faultRoutes(scope, cloud);
      await snapshotRoutes(scope, cloud);
    },
    { prefix: '/pocketstack' },
  );
  return app;
}

export interface RouteEntry {
  method: string;
  url: string;
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the app serves, as registered (the fuzz suite walks it). */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/** "/identity/v3/?x=1" → "/identity/v3?x=1"; "/" stays. */
export function withoutTrailingSlash(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.length < 2 || !path.endsWith('/')) return url;
  return path.slice(0, -1) + (q < 0 ? '' : url.slice(q));
}

function noCompiler(): never {
  throw new Error('Fastify route schemas are not used: services validate their own bodies');
}

/** A HEAD twin for each GET route that does not declare its own (Flask's behaviour). */
function addHeadRoute(this: FastifyInstance, route: RouteOptions & { routePath: string }) {
  if (route.method !== 'GET' || route.exposeHeadRoute === false) return;
  // routePath is the path inside this scope ('' for the scope's root); path and
  // url carry the prefix, which route() adds again.
  this.route({ ...route, method: 'HEAD', url: route.routePath, path: undefined } as RouteOptions);
}

/** The ApiError to answer with; a 5xx keeps what was thrown for the request's log line (its stack). */
function failed(req: FastifyRequest, thrown: unknown): ApiError {
  const err = toApiError(thrown, req.id);
  if (err.status >= 500) req.failure = thrown;
  return err;
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError, svc: Service | undefined, cloud: Cloud) {
  reply.code(err.status);
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  if (err.status === 401) reply.header('WWW-Authenticate', `Keystone uri="${cloud.baseUrl}/identity/v3"`);
  if (err instanceof AuthRequired || !svc) {
    // keystonemiddleware answers for every service before the service sees the request
    return reply
      .type('application/json')
      .send({ error: { code: err.status, title: statusText(err), message: err.message } });
  }
  const out = (err.format ?? svc.formatError)(err, req);
  if (out.contentType) reply.type(out.contentType);
  return reply.send(out.body);
}

function statusText(err: ApiError): string {
  return err.status === 401 ? 'Unauthorized' : err.type;
}
