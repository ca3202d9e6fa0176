import type { FastifyInstance, HTTPMethods } from 'fastify';
import { MethodNotAllowed } from '../../../server/errors.js';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Glance answers a method a path does not take with 405 and an Allow header. */
export function rejectOtherMethods(app: FastifyInstance, path: string, allowed: HTTPMethods[]) {
  const others = METHODS.filter((m) => !allowed.includes(m));
  app.route({
    method: others,
    url: path,
    handler: async (req) => {
      const err = new MethodNotAllowed(`The method ${req.method} is not allowed for this resource. `);
      err.headers.Allow = allowed.join(', ');
      throw err;
    },
  });
}
