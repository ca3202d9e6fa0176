import type { FastifyRequest } from 'fastify';
import { BadRequest } from '../../server/errors.js';
import { requestBaseUrl } from '../../server/root.js';
import { badRequest } from './errors.js';

// What Neutron does to every collection GET, once for all resources: filters
// on any attribute, tag filters, sorting, pagination (limit/marker/page_reverse
// with next/previous links) and fields=. It works on views (the API shape), so
// a filter means exactly what the client sees.

export type View = Record<string, unknown>;
export type Query = Record<string, string | string[] | undefined>;

const NOT_FILTERS = new Set([
  'fields',
  'sort_key',
  'sort_dir',
  'limit',
  'marker',
  'page_reverse',
  'tags',
  'tags-any',
  'not-tags',
  'not-tags-any',
  'all_tenants',
  'all_projects',
  'verbose',
]);

export function values(q: Query, key: string): string[] {
  const v = q[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The filters of a query: attribute → accepted values (tenant_id is project_id). */
export function filtersOf(q: Query): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of Object.keys(q)) {
    if (NOT_FILTERS.has(key)) continue;
    const vals = values(q, key);
    if (vals.length) out.set(key === 'tenant_id' ? 'project_id' : key, vals);
  }
  return out;
}

function scalarMatches(v: unknown, wanted: string[]): boolean {
  if (typeof v === 'boolean') return wanted.some((w) => parseBool(w) === v);
  return wanted.includes(v === null || v === undefined ? '' : String(v));
}

export function parseBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

// fixed_ips=ip_address=10.0.0.3, fixed_ips=subnet_id=..., fixed_ips=ip_address_substr=.3
function fixedIpsMatch(v: unknown, wanted: string[]): boolean {
  const ips = (v as { subnet_id: string; ip_address: string }[]) ?? [];
  return wanted.every((w) => {
    const [k, val] = w.split('=', 2);
    if (k === 'ip_address') return ips.some((ip) => ip.ip_address === val);
    if (k === 'subnet_id') return ips.some((ip) => ip.subnet_id === val);
    if (k === 'ip_address_substr') return ips.some((ip) => ip.ip_address.includes(val ?? ''));
    return false;
  });
}

function matches(view: View, key: string, wanted: string[]): boolean {
  const v = view[key];
  if (key === 'fixed_ips') return fixedIpsMatch(v, wanted);
  if (Array.isArray(v)) return v.some((item) => scalarMatches(typeof item === 'object' ? '' : item, wanted));
  if (v !== null && typeof v === 'object') return false;
  return scalarMatches(v, wanted);
}

function tagsOf(view: View): string[] {
  return Array.isArray(view.tags) ? (view.tags as string[]) : [];
}

// tags=a,b (all of), tags-any=a,b (any of), not-tags (not all of), not-tags-any (none of)
function tagFilter(q: Query): ((v: View) => boolean) | undefined {
  const list = (k: string) => values(q, k).flatMap((s) => s.split(',').filter(Boolean));
  const all = list('tags');
  const any = list('tags-any');
  const notAll = list('not-tags');
  const notAny = list('not-tags-any');
  if (!all.length && !any.length && !notAll.length && !notAny.length) return undefined;
  return (v) => {
    const t = tagsOf(v);
    if (all.length && !all.every((x) => t.includes(x))) return false;
    if (any.length && !any.some((x) => t.includes(x))) return false;
    if (notAll.length && notAll.every((x) => t.includes(x))) return false;
    if (notAny.length && notAny.some((x) => t.includes(x))) return false;
    return true;
  };
}

/** Applies the query's attribute and tag filters. Unknown attributes are a 400, as with filter-validation. */
export function applyFilters(views: View[], q: Query, extraKeys: string[] = []): View[] {
  const filters = filtersOf(q);
  if (views.length && filters.size) {
    const known = new Set([...Object.keys(views[0]), ...extraKeys]);
    const invalid = [...filters.keys()].filter((k) => !known.has(k));
    if (invalid.length)
      throw new BadRequest(`[${invalid.map((k) => `'${k}'`).join(', ')}] is invalid attribute for filtering`);
  }
  const byTags = tagFilter(q);
  return views.filter(
    (v) =>
      (!byTags || byTags(v)) && [...filters].every(([k, wanted]) => extraKeys.includes(k) || matches(v, k, wanted)),
  );
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function applySort(views: View[], q: Query): View[] {
  const keys = values(q, 'sort_key').filter(Boolean);
  const dirs = values(q, 'sort_dir').filter(Boolean);
  if (!keys.length && !dirs.length) return views;
  if (keys.length !== dirs.length) throw new BadRequest('The number of sort_keys and sort_dirs must be same');
  const badDirs = dirs.filter((d) => d !== 'asc' && d !== 'desc');
  if (badDirs.length)
    throw new BadRequest(
      `[${badDirs.map((d) => `'${d}'`).join(', ')}] is invalid value for sort_dirs, valid value is 'asc' and 'desc'`,
    );
  if (views.length) {
    const bad = keys.filter((k) => !(k in views[0]) || typeof views[0][k] === 'object');
    if (bad.length && bad.some((k) => views[0][k] !== null))
      throw new BadRequest(`[${bad.map((k) => `'${k}'`).join(', ')}] is invalid attribute for sort_keys`);
  }
  const sorts = keys.map((k, i) => [k, dirs[i] === 'asc' ? 1 : -1] as const);
  return [...views].sort((x, y) => {
    for (const [k, dir] of sorts) {
      const c = compare(x[k], y[k]);
      if (c) return c * dir;
    }
    return compare(x.id, y.id);
  });
}

export interface Page {
  items: View[];
  links?: { rel: string; href: string }[];
}

/** A page request: limit (0 or absent: no paging), marker, page_reverse. */
export interface PageRequest {
  limit: number;
  marker?: string;
  reverse: boolean;
}

export function pageOf(q: Query): PageRequest | undefined {
  const rawLimit = values(q, 'limit')[0];
  if (rawLimit === undefined) return undefined;
  const limit = /^\d+$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  if (Number.isNaN(limit)) throw badRequest('limit', `Limit must be an integer 0 or greater and not '${rawLimit}'`);
  if (limit === 0) return undefined;
  return {
    limit,
    marker: values(q, 'marker')[0],
    reverse: (values(q, 'page_reverse')[0] ?? '').toLowerCase() === 'true',
  };
}

/**
 * limit/marker/page_reverse as Neutron's emulated pagination does it. When
 * the store already cut the page (`cut`), only the links are made here.
 */
export function paginate(req: FastifyRequest, views: View[], q: Query, collection: string, cut = false): Page {
  const page = pageOf(q);
  if (!page) return { items: views };
  const { limit, marker, reverse } = page;
  let items: View[];
  if (cut) items = views;
  else if (marker) {
    const i = views.findIndex((v) => v.id === marker);
    if (i < 0) items = [];
    else items = reverse ? views.slice(Math.max(i - limit, 0), i) : views.slice(i + 1, i + 1 + limit);
  } else items = reverse ? views.slice(Math.max(views.length - limit, 0)) : views.slice(0, limit);
  const links: { rel: string; href: string }[] = [];
  const base = `${requestBaseUrl(req)}/networking/v2.0/${collection}`;
  const link = (markerId: string | undefined, rev: boolean) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) {
      if (k === 'marker' || k === 'page_reverse') continue;
      for (const x of Array.isArray(v) ? v : [v ?? '']) params.append(k, x);
    }
    if (markerId) params.set('marker', markerId);
    if (rev) params.set('page_reverse', 'True');
    return `${base}?${params.toString()}`;
  };
  if (!(items.length < limit && !reverse)) links.push({ rel: 'next', href: link(items.at(-1)?.id as string, false) });
  if (!(items.length < limit && reverse)) links.push({ rel: 'previous', href: link(items[0]?.id as string, true) });
  return { items, links };
}

/** fields=a&fields=b: only those attributes (unknown names are ignored, as Neutron does). */
export function selectFields(view: View, q: Query): View {
  const fields = values(q, 'fields').filter(Boolean);
  if (!fields.length) return view;
  const out: View = {};
  for (const f of fields) if (f in view) out[f] = view[f];
  return out;
}

/** The JSON key of a collection ("security-groups" is served as "security_groups"). */
export function collectionKey(path: string): string {
  return path.split('/').pop()!.replace(/-/g, '_');
}

/** The whole collection GET: filter, sort, paginate, project; `{<collection>: [...], <collection>_links}`. */
export function listResponse(
  req: FastifyRequest,
  path: string,
  views: View[],
  extraFilterKeys: string[] = [],
  cut = false,
) {
  const q = req.query as Query;
  const key = collectionKey(path);
  const page = paginate(req, applySort(applyFilters(views, q, extraFilterKeys), q), q, path, cut);
  const body: Record<string, unknown> = { [key]: page.items.map((v) => selectFields(v, q)) };
  if (page.links) body[`${key}_links`] = page.links;
  return body;
}
