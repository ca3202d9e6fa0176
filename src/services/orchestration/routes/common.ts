import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import { requestBaseUrl } from '../../../server/root.js';
import { checkTenant, getStack } from '../lookup.js';
import { boolParam, intParam } from '../request.js';
import type { StackRow } from '../store.js';

// What every Heat route shares: the tenant check, the stack of a
// /stacks/{name}/{id} URL, and reading query parameters Heat's way.

export type StackParams = { tenant: string; name: string; id: string };
export type Query = Record<string, string | string[] | undefined>;

export const base = (req: FastifyRequest) => requestBaseUrl(req);

/** The stack a /{tenant}/stacks/{name}/{id}/... URL names, after the tenant and policy checks. */
export async function stackOf(
  cloud: Cloud,
  req: FastifyRequest,
  opts: { write?: boolean; showDeleted?: boolean } = {},
): Promise<StackRow> {
  const p = req.params as StackParams;
  checkTenant(req, p.tenant, opts.write);
  return getStack(cloud, req.auth, p.name, p.id, opts.showDeleted);
}

/** A query parameter's values (repeated keys give several). */
export function all(q: Query, key: string): string[] {
  const v = q[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function one(q: Query, key: string): string | undefined {
  const v = all(q, key);
  return v.length ? v[v.length - 1] : undefined;
}

export function boolQuery(q: Query, key: string, dflt = false): boolean {
  const v = one(q, key);
  return v === undefined ? dflt : boolParam(key, v);
}

export function intQuery(q: Query, key: string): number | undefined {
  const v = one(q, key);
  return v === undefined ? undefined : intParam(key, v);
}

/** Refuses query parameters a listing does not know, as Heat's resource list does. */
export function onlyKnown(q: Query, known: string[]): void {
  const bad = Object.keys(q).filter((k) => !known.includes(k));
  if (bad.length) throw new BadRequest(`Invalid filter parameters [${bad.map((k) => `'${k}'`).join(', ')}]`);
}

/** "CREATE_COMPLETE" or "COMPLETE" filters, split into action and status as Heat does. */
export function splitStatus(values: string[]): { actions: string[]; statuses: string[] } {
  const actions: string[] = [];
  const statuses: string[] = [];
  for (const v of values) {
    for (const s of ['COMPLETE', 'FAILED', 'IN_PROGRESS']) {
      const i = v.lastIndexOf(s);
      if (i === -1) continue;
      statuses.push(v.slice(i));
      if (i > 1) actions.push(v.slice(0, i - 1));
      break;
    }
  }
  return { actions, statuses };
}

export function redirect(reply: FastifyReply, location: string) {
  return reply.code(302).header('location', location).type('application/json').send('');
}
