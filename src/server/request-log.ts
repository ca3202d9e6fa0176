import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What was thrown while answering with a 5xx: its stack goes with the request's log line. */
    failure?: unknown;
  }
}

/** The one line a request leaves: method, path, status, duration, request id, project. */
export function requestLine(req: FastifyRequest, reply: FastifyReply): string {
  const id = reply.getHeader('x-openstack-request-id') ?? req.id;
  const project = req.auth?.projectId ?? '-';
  return `${req.method} ${req.originalUrl} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms ${id} project=${project}`;
}

/**
 * Logs every answered request at info (a 5xx at error, with the stack of
 * what was thrown) to the cloud's log, and to the console too when
 * `--log-requests` asked for it. A user finds the failing call of a client
 * by the x-openstack-request-id of its response.
 */
export function installRequestLog(app: FastifyInstance, cloud: Cloud): void {
  app.decorateRequest('failure', undefined);
  app.addHook('onResponse', async (req, reply) => {
    const line = requestLine(req, reply);
    const fields = {
      method: req.method,
      path: req.originalUrl,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      request_id: reply.getHeader('x-openstack-request-id') ?? req.id,
      project: req.auth?.projectId ?? null,
    };
    if (reply.statusCode >= 500) {
      const err = req.failure ?? new Error(`answered ${reply.statusCode} without an exception`);
      cloud.log.error({ ...fields, err }, line);
      if (cloud.config.logRequests) console.error(`${line}\n${(err as Error).stack ?? String(err)}`);
    } else {
      cloud.log.info(fields, line);
      if (cloud.config.logRequests) console.log(line);
    }
  });
}
