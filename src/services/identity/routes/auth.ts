import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { callerSupportsAccessRules } from '../access-rules.js';
import { domainIdsOfUser, projectsOfUser } from '../assignments.js';
import { authenticate } from '../authenticate.js';
import { catalogFor } from '../catalog.js';
import { enforce } from '../policy.js';
import { effectiveRoleIds, idb } from '../store.js';
import { issueToken, revokeToken, tokenOwner, validateToken } from '../tokens.js';
import { tokenBody } from '../views.js';
import { listBody } from './common.js';
import { domainView } from './domains.js';
import { projectView } from './projects.js';

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

  // Keystone enforces with the subject token's owner as the target (a user may
  // validate and revoke their own tokens), then answers 404 for a bad token.
  const subject = async (req: FastifyRequest, action: string) => {
    const token = subjectToken(req);
    const owner = await tokenOwner(cloud, token);
    enforce(req, action, { target: { token: owner ? { user_id: owner } : {} } });
    const ctx = await validateToken(cloud, token);
    if (!ctx) throw new NotFound(`Could not find token: ${token}.`);
    // A caller that would not enforce the token's access rules must not get it validated.
    if (ctx.accessRules && !callerSupportsAccessRules(req)) throw new NotFound('Failed to validate token');
    return { token, ctx };
  };

  app.get('/v3/auth/tokens', { exposeHeadRoute: false }, async (req, reply) => {
    const { token, ctx } = await subject(req, 'identity:validate_token');
    reply.header('X-Subject-Token', token);
    return tokenBody(cloud, ctx, wantsCatalog(req));
  });

  app.route({
    method: 'HEAD',
    url: '/v3/auth/tokens',
    handler: async (req, reply) => {
      const { token } = await subject(req, 'identity:check_token');
      return reply.code(200).header('X-Subject-Token', token).send();
    },
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const { token } = await subject(req, 'identity:revoke_token');
    if (!(await revokeToken(cloud, token))) throw new NotFound(`Could not find token: ${token}.`);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (req) => ({
    catalog: await catalogFor(cloud, req.auth.projectId),
    links: { self: `${requestBaseUrl(req)}/identity/v3/auth/catalog`, previous: null, next: null },
  }));

  // What the caller could scope a token to: enabled projects and domains where they hold a role.
  app.get('/v3/auth/projects', async (req) => {
    const projects = (await projectsOfUser(cloud, req.auth.userId)).filter((p) => p.enabled === 1);
    const domains = new Set(
      (await idb(cloud).selectFrom('domains').select('id').where('enabled', '=', 1).execute()).map((d) => d.id),
    );
    return listBody(
      req,
      'projects',
      projects.filter((p) => domains.has(p.domain_id)).map((p) => projectView(req, p)),
    );
  });

  app.get('/v3/auth/domains', async (req) => {
    const ids = await domainIdsOfUser(cloud, req.auth.userId);
    const domains =
      ids.length === 0
        ? []
        : await idb(cloud).selectFrom('domains').selectAll().where('id', 'in', ids).where('enabled', '=', 1).execute();
    return listBody(
      req,
      'domains',
      domains.map((d) => domainView(req, d)),
    );
  });

  app.get('/v3/auth/system', async (req) => {
    const roles = await effectiveRoleIds(cloud, req.auth.userId, { system: true });
    return {
      system: roles.length > 0 ? [{ all: true }] : [],
      links: { self: `${requestBaseUrl(req)}/identity/v3/auth/system`, previous: null, next: null },
    };
  });
}
