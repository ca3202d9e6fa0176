import type { FastifyRequest } from 'fastify';
import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { catalogFor } from './catalog.js';

// Application credential access rules, enforced the way keystonemiddleware's
// auth_token does in every real service (validate_allowed_request): a token
// whose application credential lists access rules may make only the calls one
// of them names — same method, a path matching the rule's template, and the
// service type of the service answering, which must also be in the token's
// catalog. Everything else is an invalid token (401). pocketstack runs that
// check once, in the shared auth hook, for every service.

/**
 * Whether a request path matches a rule's path template: `{name}` and `*`
 * stand for one path segment, `**` for any run of characters (slashes
 * included), everything else is literal.
 */
export function pathMatches(path: string, template: string): boolean {
  // keystonemiddleware tokenises the template the same way (`{tag}`, `*` not
  // followed by `*`, `**`, any other character except `{` `}` `*`, which it
  // skips). It leaves literals unescaped in its regex, so "." matches any
  // character there; here literals are literal.
  const token = /(\{[^}]*\})|(\*(?=$|[^*]))|(\*\*)|([^{}*])/g;
  let source = '';
  for (const m of template.matchAll(token)) {
    if (m[1] !== undefined || m[2] !== undefined) source += '[^/]+';
    else if (m[3] !== undefined) source += '.*';
    else source += m[4].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(path);
}

/**
 * Whether an access-rule-restricted token may make this call on a service that
 * publishes these catalog types. `path` is the request path under the
 * service's root (e.g. "/v2.1/servers" for Nova at /compute).
 */
export async function accessRulesAllow(
  cloud: Cloud,
  ctx: AuthContext,
  serviceTypes: string[],
  method: string,
  path: string,
): Promise<boolean> {
  const rules = ctx.accessRules;
  if (!rules) return true;
  // A token can always be validated, whatever its rules say.
  if (serviceTypes.includes('identity') && method === 'GET' && path.endsWith('/v3/auth/tokens')) return true;
  const inCatalog = new Set((await catalogFor(cloud, ctx.projectId)).map((s) => s.type));
  const types = serviceTypes.filter((t) => inCatalog.has(t));
  return rules.some((r) => r.method === method && types.includes(r.service) && pathMatches(path, r.path));
}

/**
 * Keystone validates a token restricted by access rules only for a caller
 * that says it enforces them (keystonemiddleware sends
 * `OpenStack-Identity-Access-Rules: 1`, the minimum being 1.0); to anyone
 * else such a token does not exist.
 */
export function callerSupportsAccessRules(req: FastifyRequest): boolean {
  const header = req.headers['openstack-identity-access-rules'];
  const version = Number(typeof header === 'string' ? header.trim() : NaN);
  return Number.isFinite(version) && version >= 1.0;
}
