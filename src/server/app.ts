import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';
import type { Service } from '../services/service.js';
import { AuthRequired, authHook } from './auth.js';
import { type ApiError, BadRequest, NotFound, toApiError } from './errors.js';
import { requestId } from './ids.js';
import { sendVersions } from './root.js';

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
  }
}

/** Builds the one HTTP app: every service mounted under its DevStack path. */
export async function buildApp(cloud: Cloud): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 32 * 1024 * 1024,
    genReqId: () => requestId(),
    // OpenStack clients call /v3/ and /v3 alike.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 1000 },
  });
  app.decorateRequest('auth', null as any);
  app.decorateRequest('requestId', '');
  app.decorateRequest('microversion', null as any);

  app.addHook('onRequest', async (req, reply) => {
    req.requestId = req.id;
    reply.header('x-openstack-request-id', req.id);
  });

  // JSON bodies: an empty body is no body (clients send Content-Type on bodiless
  // POSTs); bad JSON is a 400 each service words its own way.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/([\w.-]+\+)?json/, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new BadRequest('Malformed JSON in request body.', 'MalformedRequestBody'), undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, toApiError(err, req.id), undefined, cloud));
  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, new NotFound('The resource could not be found.'), undefined, cloud),
  );

  app.get('/', { config: { public: true } }, (req, reply) => sendVersions(cloud, req, reply));

  for (const svc of cloud.services) {
    await app.register(
      async (scope) => {
        scope.setErrorHandler((err, req, reply) => sendError(req, reply, toApiError(err, req.id), svc, cloud));
        scope.setNotFoundHandler((req, reply) =>
          sendError(req, reply, new NotFound('The resource could not be found.'), svc, cloud),
        );
        scope.addHook('onRequest', authHook(cloud));
        await svc.register(scope, cloud);
      },
      { prefix: svc.path },
    );
  }
  return app;
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError, svc: Service | undefined, cloud: Cloud) {
  if (err.status >= 500) cloud.log.error({ err, requestId: req.id, url: req.url }, 'request failed');
  reply.code(err.status);
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  if (err.status === 401) reply.header('WWW-Authenticate', `Keystone uri="${cloud.baseUrl}/identity/v3"`);
  if (err instanceof AuthRequired || !svc) {
    // keystonemiddleware answers for every service before the service sees the request
    return reply
      .type('application/json')
      .send({ error: { code: err.status, title: statusText(err), message: err.message } });
  }
  const out = svc.formatError(err, req);
  if (out.contentType) reply.type(out.contentType);
  return reply.send(out.body);
}

function statusText(err: ApiError): string {
  return err.status === 401 ? 'Unauthorized' : err.type;
}
