import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../server/auth.js';
import { Forbidden } from '../../server/errors.js';
import { type Credentials, flatten, parseRule, type RuleLookup, type Target } from './policy-check.js';
import { rules } from './policy-rules.js';

// Who may call what on Keystone's API: each route names its Keystone action
// (identity:get_user) and the target it acts on; the decision follows
// Keystone's default rules (policy-rules.ts) exactly as Keystone evaluates them.

const lookup: RuleLookup = (name) => (name in rules ? parseRule(rules[name]) : undefined);

/** The caller as oslo.policy sees it (oslo.context's policy values plus Keystone's token). */
export function credentialsOf(ctx: AuthContext): Credentials {
  return {
    user_id: ctx.userId,
    user_domain_id: ctx.userDomainId,
    project_id: ctx.projectId ?? null,
    project_domain_id: ctx.projectDomainId ?? null,
    domain_id: ctx.domainId ?? null,
    system_scope: ctx.system ? 'all' : null,
    roles: ctx.roles,
    is_admin: false,
    token: {
      user_id: ctx.userId,
      user: { id: ctx.userId, domain: { id: ctx.userDomainId } },
      ...(ctx.projectId ? { project: { id: ctx.projectId, domain: { id: ctx.projectDomainId } } } : {}),
      ...(ctx.domainId ? { domain: { id: ctx.domainId } } : {}),
    },
  };
}

/** Whether the caller may perform `action` on `target` (nested objects, flattened as oslo.policy does). */
export function allowed(ctx: AuthContext, action: string, target: Record<string, unknown> = {}): boolean {
  const rule = rules[action];
  // An action without a rule is a programming error; Keystone refuses those too.
  if (rule === undefined) return false;
  const flat: Target = flatten(target);
  return parseRule(rule)(credentialsOf(ctx), flat, lookup);
}

/**
 * Throws Keystone's 403 unless the caller may perform `action`. `target`
 * carries what Keystone puts there: path parameters at the top level
 * ({user_id}) and the resource under `target` ({target: {user: {...}}}).
 */
export function enforce(req: FastifyRequest, action: string, target: Record<string, unknown> = {}): void {
  const params = (req.params ?? {}) as Record<string, unknown>;
  if (!allowed(req.auth, action, { ...params, ...target }))
    throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
}
