import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';

/** GET / : what this listener serves, for people and scripts poking at it. */
export function sendVersions(cloud: Cloud, req: FastifyRequest, reply: FastifyReply) {
  const base = requestBaseUrl(req);
  return reply.send({
    name: 'pocketstack',
    services: cloud.services.map((s) => ({ name: s.name, url: `${base}${s.path}` })),
  });
}

/** The base URL as the client reached us (Host header), for links in version documents. */
export function requestBaseUrl(req: Pick<FastifyRequest, 'headers' | 'protocol'>): string {
  const host = req.headers.host ?? 'localhost';
  return `${req.protocol}://${host}`;
}
