import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';
import { isMember, isReader } from '../../server/policy.js';
import { policyForbidden } from './errors.js';

/** Who calls, as the volume API sees it: the token's project, its roles. */
export interface Caller {
  auth: AuthContext;
  projectId: string;
  userId: string;
  admin: boolean;
}

/**
 * The caller of a /v3/{project_id}/... request. Cinder refuses a URL whose
 * project is not the token's with 400 "Malformed request url"; URLs without
 * a project (3.67) act on the token's project.
 */
export function callerOf(req: FastifyRequest): Caller {
  const auth = req.auth;
  const urlProject = (req.params as { project_id?: string }).project_id;
  if (!auth.projectId) throw policyForbidden('volume:get_all');
  if (urlProject !== undefined && urlProject !== auth.projectId) throw new BadRequest('Malformed request url');
  return callerOfToken(auth);
}

/** The caller a token makes (for services acting with a user's token: Heat's stacks). */
export function callerOfToken(auth: AuthContext): Caller {
  if (!auth.projectId) throw policyForbidden('volume:get_all');
  return { auth, projectId: auth.projectId, userId: auth.userId, admin: auth.isAdmin };
}

/** Cinder's defaults: project readers read, members write, admin_api rules need admin. */
export function authorize(caller: Caller, rule: 'reader' | 'member' | 'admin', action: string): void {
  const ok = rule === 'admin' ? caller.admin : rule === 'member' ? isMember(caller.auth) : isReader(caller.auth);
  if (!ok) throw policyForbidden(action);
}

/** Whether the caller may see or act on a resource of this project (others' resources are "not found"). */
export function canSee(caller: Caller, projectId: string): boolean {
  return caller.admin || caller.projectId === projectId;
}
