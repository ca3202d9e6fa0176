import type { FastifyRequest } from 'fastify';
import { fromJson, toJson } from '../../../store/json.js';
import { extraOf, splitExtra } from '../extra.js';
import type { DomainRow } from '../store.js';
import { selfLink } from './common.js';

// Keystone's resource backend: a domain is a project with is_domain. Domains
// and projects keep separate tables here, but the columns they share are built
// from a request body, and shown, in this one place.

/** The columns domains and projects share. */
type Shared = Omit<DomainRow, 'id' | 'created_at'>;

/** The shared columns of a new domain or project, from a validated create body. */
export function newResourceColumns(body: Record<string, unknown>, known: readonly string[]): Shared {
  return {
    name: String(body.name).trim(),
    description: (body.description as string | null) ?? '',
    enabled: body.enabled === false ? 0 : 1,
    tags: toJson(body.tags ?? []),
    options: toJson(body.options ?? {}),
    extra: splitExtra(body, known).extra,
  };
}

/** The shared columns of a domain or project after a validated update body. */
export function updatedResourceColumns(row: Shared, body: Record<string, unknown>, known: readonly string[]): Shared {
  return {
    name: body.name !== undefined ? String(body.name).trim() : row.name,
    description: body.description !== undefined ? ((body.description as string | null) ?? '') : row.description,
    enabled: body.enabled === undefined ? row.enabled : body.enabled ? 1 : 0,
    tags: body.tags !== undefined ? toJson(body.tags) : row.tags,
    options: body.options !== undefined ? toJson(body.options) : row.options,
    extra: splitExtra(body, known, row.extra).extra,
  };
}

/** Where a row sits as a project: its domain, parent, and whether it acts as a domain. */
export interface ProjectPlace {
  domain_id: string | null;
  parent_id: string | null;
  is_domain: boolean;
}

/**
 * A domain or project as the API shows it, at `path` (/domains/{id} or
 * /projects/{id}); `place` is given when it is shown as a project.
 */
export function resourceView(req: FastifyRequest, r: Shared & { id: string }, path: string, place?: ProjectPlace) {
  return {
    ...extraOf(r.extra),
    id: r.id,
    name: r.name,
    ...(place ? { domain_id: place.domain_id } : {}),
    description: r.description ?? '',
    enabled: r.enabled === 1,
    ...(place ? { parent_id: place.parent_id, is_domain: place.is_domain } : {}),
    tags: fromJson<string[]>(r.tags, []),
    options: fromJson<Record<string, unknown>>(r.options, {}),
    links: selfLink(req, path),
  };
}
