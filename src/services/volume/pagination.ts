import { BadRequest } from '../../server/errors.js';
import { invalidInput } from './errors.js';

// Cinder's list paging (cinder/api/common.py): limit (capped at
// osapi_max_limit), marker, offset, and sort=key:dir,... or the older
// sort_key/sort_dir. Lists are sorted in SQL; the marker is located in the
// sorted ids, so any sort key pages correctly.

export const MAX_LIMIT = 1000;

/** Sort keys every list takes (API name → column). */
export const COMMON_SORT: Record<string, string> = {
  id: 'id',
  name: 'name',
  display_name: 'name',
  status: 'status',
  size: 'size',
  created_at: 'created_at',
  updated_at: 'updated_at',
};

export interface SortKey {
  key: string;
  dir: 'asc' | 'desc';
}

export interface PageQuery {
  limit: number;
  /** Whether the client asked for a limit (the next link needs it). */
  limitGiven: boolean;
  marker?: string;
  offset: number;
  sort: SortKey[];
}

export type Query = Record<string, string | string[] | undefined>;

export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/**
 * Reads limit/marker/offset/sort from the query. `columns` maps API sort
 * keys to columns (name → name, display_name → name ...).
 */
export function pageQuery(q: Query, columns: Record<string, string>): PageQuery {
  let limit = MAX_LIMIT;
  const rawLimit = one(q, 'limit');
  if (rawLimit !== undefined) {
    if (!/^-?\d+$/.test(rawLimit.trim())) throw new BadRequest('limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw new BadRequest('limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  let offset = 0;
  const rawOffset = one(q, 'offset');
  if (rawOffset !== undefined) {
    if (!/^-?\d+$/.test(rawOffset.trim())) throw invalidInput('offset must be an integer.');
    offset = Number(rawOffset);
    if (offset < 0) throw invalidInput('offset must be >= 0.');
  }
  const sortParam = one(q, 'sort');
  const sortKey = one(q, 'sort_key');
  const sortDir = one(q, 'sort_dir');
  if (sortParam !== undefined && (sortKey !== undefined || sortDir !== undefined))
    throw new BadRequest(
      "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.",
    );
  const pairs: Array<[string, string]> = [];
  if (sortParam !== undefined) {
    for (const part of sortParam.trim().split(',')) {
      const [k, d] = part.split(':');
      pairs.push([k.trim(), (d ?? 'desc').trim()]);
    }
  } else if (sortKey !== undefined || sortDir !== undefined) {
    pairs.push([(sortKey ?? 'created_at').trim(), (sortDir ?? 'desc').trim()]);
  }
  const sort: SortKey[] = [];
  for (const [k, d] of pairs) {
    const col = columns[k];
    if (!col) throw invalidInput('Invalid sort key');
    const dir = d.toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw invalidInput("Unknown sort direction, must be 'desc' or 'asc'");
    sort.push({ key: col, dir });
  }
  if (!sort.some((s) => s.key === 'created_at')) sort.push({ key: 'created_at', dir: sort[0]?.dir ?? 'desc' });
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]?.dir ?? 'desc' });
  return { limit, limitGiven: rawLimit !== undefined, marker: one(q, 'marker'), offset, sort };
}

/** Applies the sort to a Kysely select. */
export function sorted<Q extends { orderBy(col: any, dir: any): Q }>(query: Q, pq: PageQuery): Q {
  let out = query;
  for (const s of pq.sort) out = out.orderBy(s.key, s.dir);
  return out;
}

/** The page after the marker (which must be in the filtered list), after offset, up to limit. */
export function page<T extends { id: string }>(rows: T[], pq: PageQuery, markerMissing: (id: string) => Error): T[] {
  let start = 0;
  if (pq.marker !== undefined) {
    const at = rows.findIndex((r) => r.id === pq.marker);
    if (at < 0) throw markerMissing(pq.marker);
    start = at + 1;
  }
  start += pq.offset;
  return rows.slice(start, start + pq.limit);
}
