import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { authenticate } from '../authenticate.js';
import { catalogFor } from '../catalog.js';
import { effectiveRoleIds, idb } from '../store.js';
import { issueToken, revokeToken, validateToken } from '../tokens.js';
import { tokenBody } from '../views.js';

function subjectToken(req: FastifyRequest): string {
  const t = req.headers['x-subject-token'];
  if (typeof t !== 'string' || t === '') throw new NotFound('Could not find token: .');
  return t;
}

function wantsCatalog(req: FastifyRequest): boolean {
  return (req.query as Record<string, string>).nocatalog === undefined;
}

/** /v3/auth/*: issue, validate, check and revoke tokens; what a token may scope to. */
export async function authRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/v3/auth/tokens', { config: { public: true } }, async (req, reply) => {
    const issue = await authenticate(cloud, req.body);
    const { token, ctx } = await issueToken(cloud, issue);
    reply.code(201).header('X-Subject-Token', token);
    return tokenBody(cloud, ctx, wantsCatalog(req));
  });

  // HEAD (check a token) is the GET without a body, which Fastify derives.
  app.get('/v3/auth/tokens', async (req, reply) => {
    const subject = subjectToken(req);
    const ctx = await validateToken(cloud, subject);
    if (!ctx) throw new NotFound(`Could not find token: ${subject}.`);
    reply.header('X-Subject-Token', subject);
    return tokenBody(cloud, ctx, wantsCatalog(req));
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const subject = subjectToken(req);
    if (!(await validateToken(cloud, subject)) || !(await revokeToken(cloud, subject)))
      throw new NotFound(`Could not find token: ${subject}.`);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (req) => ({
    catalog: await catalogFor(cloud, req.auth.projectId),
    links: { self: `${requestBaseUrl(req)}/identity/v3/auth/catalog`, previous: null, next: null },
  }));

  app.get('/v3/auth/projects', async (req) => {
    const db = idb(cloud);
    const projects = await db.selectFrom('projects').selectAll().where('enabled', '=', 1).execute();
    const base = requestBaseUrl(req);
    const mine = [];
    for (const p of projects) {
      if ((await effectiveRoleIds(cloud, req.auth.userId, { projectId: p.id })).length > 0) {
        mine.push({
          id: p.id,
          name: p.name,
          domain_id: p.domain_id,
          description: p.description ?? '',
          enabled: true,
          parent_id: p.parent_id,
          is_domain: false,
          links: { self: `${base}/identity/v3/projects/${p.id}` },
        });
      }
    }
    return { projects: mine, links: { self: `${base}/identity/v3/auth/projects`, previous: null, next: null } };
  });

  app.get('/v3/auth/domains', async (req) => {
    const db = idb(cloud);
    const domains = await db.selectFrom('domains').selectAll().where('enabled', '=', 1).execute();
    const base = requestBaseUrl(req);
    const mine = [];
    for (const d of domains) {
      if ((await effectiveRoleIds(cloud, req.auth.userId, { domainId: d.id })).length > 0) {
        mine.push({
          id: d.id,
          name: d.name,
          description: d.description ?? '',
          enabled: true,
          links: { self: `${base}/identity/v3/domains/${d.id}` },
        });
      }
    }
    return { domains: mine, links: { self: `${base}/identity/v3/auth/domains`, previous: null, next: null } };
  });

  app.get('/v3/auth/system', async (req) => {
    const roles = await effectiveRoleIds(cloud, req.auth.userId, { system: true });
    return {
      system: roles.length > 0 ? [{ all: true }] : [],
      links: { self: `${requestBaseUrl(req)}/identity/v3/auth/system`, previous: null, next: null },
    };
  });
}
