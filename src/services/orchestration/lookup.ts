import type { FastifyRequest } from 'fastify';
import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { Forbidden } from '../../server/errors.js';
import { isUuid } from '../../server/ids.js';
import { isMember, isReader } from '../../server/policy.js';
import type { Caller } from './engine/plugin.js';
import { stackNotFound } from './errors.js';
import { hdb, type StackRow } from './store.js';

// Who may touch which stack, and finding stacks the ways Heat's API does:
// by name or id for the redirecting lookup, by name and id for the rest.

/** The tenant in the URL must be the caller's (an admin's own project stands in for any). */
export function checkTenant(req: FastifyRequest, tenantId: string, write = false): void {
  const auth = req.auth;
  if (!auth.isAdmin && auth.projectId !== tenantId) throw new Forbidden('Access was denied to this resource.');
  if (!(write ? isMember(auth) : isReader(auth))) throw new Forbidden('Access was denied to this resource.');
}

/** The caller a stack keeps, to act as later: the request's context without its token. */
export function callerOf(auth: AuthContext): Caller {
  return { ...auth, tokenHash: '' };
}

function visible(auth: AuthContext, s: StackRow): boolean {
  return auth.isAdmin || s.project_id === auth.projectId;
}

/** Heat's identify_stack: a UUID (deleted stacks too), else a live stack of the caller's project by name. */
export async function identifyStack(cloud: Cloud, auth: AuthContext, nameOrId: string): Promise<StackRow> {
  if (isUuid(nameOrId)) {
    const s = await hdb(cloud).selectFrom('heat_stacks').selectAll().where('id', '=', nameOrId).executeTakeFirst();
    if (s && visible(auth, s)) return s;
  }
  const s = await hdb(cloud)
    .selectFrom('heat_stacks')
    .selectAll()
    .where('name', '=', nameOrId)
    .where('project_id', '=', auth.projectId ?? '')
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!s) throw stackNotFound(nameOrId);
  return s;
}

/** Heat's _get_stack: the id must exist (deleted ones only when asked) and the name must match. */
export async function getStack(
  cloud: Cloud,
  auth: AuthContext,
  name: string,
  id: string,
  showDeleted = false,
): Promise<StackRow> {
  const s = await hdb(cloud).selectFrom('heat_stacks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s || !visible(auth, s) || s.name !== name || (s.deleted_at && !showDeleted)) throw stackNotFound(name);
  return s;
}
