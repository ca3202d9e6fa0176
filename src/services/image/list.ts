import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { toJson } from '../../store/json.js';
import { getVisibleImage } from './images.js';
import { type Caller, type ListVisibility, listVisibilityFilter } from './policy.js';
import { type Image, type ImageTables, idb, withExtras } from './store.js';

// GET /v2/images: Glance's filters, sorting and marker pagination, in one
// query for the page (plus two for its properties and tags).

type Query = Record<string, string | string[] | undefined>;
type Eb = ExpressionBuilder<ImageTables, 'images'>;

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
const TEXT_COLUMNS = ['name', 'id', 'status', 'container_format', 'disk_format'];
const RANGE_COLUMNS = ['size', 'virtual_size', 'min_disk', 'min_ram'];
const PLAIN_COLUMNS = [
  'owner',
  'checksum',
  'os_hash_value',
  'os_hash_algo',
  'min_disk',
  'min_ram',
  'size',
  'virtual_size',
];
const NULLABLE_INT = ['size'];
const NULLABLE_TEXT = ['name', 'container_format', 'disk_format'];

const last = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A sort key as compared and ordered: NULLs count as Glance's column default ('' or 0). */
function sortExpr(key: string) {
  if (NULLABLE_INT.includes(key)) return sql<number>`coalesce(${sql.ref(`images.${key}`)}, 0)`;
  if (NULLABLE_TEXT.includes(key)) return sql<string>`coalesce(${sql.ref(`images.${key}`)}, '')`;
  return sql<string>`${sql.ref(`images.${key}`)}`;
}

export interface Sorting {
  keys: string[];
  dirs: ('asc' | 'desc')[];
}

/** `sort=name:asc,size` or repeated `sort_key`/`sort_dir`, validated as Glance does. */
export function parseSorting(q: Query): Sorting {
  const keys: string[] = [];
  const dirs: string[] = [];
  const checkKey = (k: string) => {
    if (!SORT_KEYS.includes(k))
      throw new BadRequest(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    return k;
  };
  const checkDir = (d: string) => {
    if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
    return d;
  };
  if (q.sort !== undefined) {
    if (q.sort_key !== undefined || q.sort_dir !== undefined)
      throw new BadRequest('Old and new sorting syntax cannot be combined');
    for (const part of (last(q.sort) ?? '').trim().split(',')) {
      const [k, d] = part.split(':');
      keys.push(checkKey(k.trim()));
      dirs.push(checkDir((d ?? 'desc').trim() || 'desc'));
    }
  } else {
    for (const k of all(q.sort_key)) keys.push(checkKey(k.trim()));
    for (const d of all(q.sort_dir)) dirs.push(checkDir(d.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length)
      throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  }
  if (keys.length === 0) keys.push('created_at');
  if (dirs.length === 0) dirs.push('desc');
  // one direction applies to every key; created_at and id make the order total
  const fill = dirs.length === 1 ? dirs[0] : 'desc';
  while (dirs.length < keys.length) dirs.push(fill);
  for (const k of ['created_at', 'id'])
    if (!keys.includes(k)) {
      keys.push(k);
      dirs.push(fill);
    }
  return { keys, dirs: dirs as Sorting['dirs'] };
}

/** Glance's split_filter_op: "in:a,b", "eq:x", or a bare value (an ISO time with colons is a bare value). */
function splitOp(value: string): [string, string] {
  const i = value.indexOf(':');
  if (i < 0 || !Number.isNaN(Date.parse(value))) return ['eq', value];
  return [value.slice(0, i), value.slice(i + 1)];
}

const TIME_OPS: Record<string, string> = { eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** The WHERE conditions of the filters in the query string. */
function filterConditions(eb: Eb, q: Query): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  const osHidden = (last(q.os_hidden) ?? 'false').toLowerCase();
  if (osHidden !== 'true' && osHidden !== 'false')
    throw new BadRequest(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  conds.push(eb('images.os_hidden', '=', osHidden === 'true' ? 1 : 0));
  // killed images never show in lists
  conds.push(eb('images.status', '!=', 'killed'));
  for (const tag of all(q.tag)) {
    conds.push(
      eb.exists(
        eb
          .selectFrom('image_tags')
          .select(sql<number>`1`.as('one'))
          .whereRef('image_tags.image_id', '=', 'images.id')
          .where('image_tags.value', '=', tag.trim()),
      ),
    );
  }
  const skip = [
    'limit',
    'marker',
    'member_status',
    'tag',
    'sort',
    'sort_key',
    'sort_dir',
    'visibility',
    'os_hidden',
    'deleted',
  ];
  for (const [key, raw] of Object.entries(q)) {
    if (skip.includes(key) || raw === undefined) continue;
    const value = last(raw)!;
    if (key === 'changes-since') throw new BadRequest('The "changes-since" filter is no longer available on v2.');
    if (key === 'protected') {
      if (value !== 'true' && value !== 'false')
        throw new BadRequest(`Invalid value '${value}' for 'protected' filter. Valid values are 'true' or 'false'.`);
      conds.push(eb('images.protected', '=', value === 'true' ? 1 : 0));
    } else if (/_(min|max)$/.test(key)) {
      const col = key.slice(0, -4);
      const n = Number(value);
      if (!RANGE_COLUMNS.includes(col) || value.trim() === '' || !Number.isInteger(n))
        throw new BadRequest('Unable to filter on a range with a non-numeric value.');
      conds.push(eb(sql.ref(`images.${col}`), key.endsWith('_min') ? '>=' : '<=', n));
    } else if (key === 'created_at' || key === 'updated_at') {
      const [op, time] = splitOp(value);
      const t = Date.parse(time);
      if (Number.isNaN(t)) throw new BadRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
      if (!TIME_OPS[op]) throw new BadRequest(`Invalid operator ${op}`);
      conds.push(eb(sql.ref(`images.${key}`), TIME_OPS[op] as '=', new Date(t).toISOString()));
    } else if (TEXT_COLUMNS.includes(key)) {
      const [op, v] = splitOp(value);
      if (op === 'in') {
        const values = v.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
        conds.push(eb(sql.ref(`images.${key}`), 'in', values));
      } else if (op === 'eq') {
        conds.push(eb(sql.ref(`images.${key}`), '=', v));
      } else throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
    } else if (PLAIN_COLUMNS.includes(key)) {
      conds.push(eb(sql.ref(`images.${key}`), '=', value));
    } else {
      conds.push(
        eb.exists(
          eb
            .selectFrom('image_properties')
            .select(sql<number>`1`.as('one'))
            .whereRef('image_properties.image_id', '=', 'images.id')
            .where('image_properties.name', '=', key)
            .where('image_properties.value', '=', toJson(value)),
        ),
      );
    }
  }
  return conds;
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw new BadRequest('limit param must be an integer');
  if (n < 0) throw new BadRequest('limit param must be positive');
  return Math.min(n, MAX_LIMIT);
}

export interface ImagePage {
  images: Image[];
  /** Set when the page is full: there may be more after it. */
  nextMarker?: string;
}

/** One page of the images the caller may list. */
export async function listImages(cloud: Cloud, caller: Caller, q: Query): Promise<ImagePage> {
  const limit = parseLimit(last(q.limit));
  const memberStatus = last(q.member_status) ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus))
    throw new BadRequest(`Invalid status: ${memberStatus}`);
  const visibility = last(q.visibility);
  if (visibility && !['community', 'public', 'private', 'shared', 'all'].includes(visibility))
    throw new BadRequest(`Invalid visibility value: ${visibility}`);
  const sorting = parseSorting(q);
  const markerId = last(q.marker);
  const marker =
    markerId === undefined
      ? undefined
      : await getVisibleImage(cloud, caller, markerId).catch(() => {
          throw new BadRequest(`No image found with ID ${markerId}`);
        });
  const db = idb(cloud);
  let query = db
    .selectFrom('images')
    .selectAll('images')
    .where(listVisibilityFilter(caller, (visibility || undefined) as ListVisibility, memberStatus))
    .where((eb) => eb.and(filterConditions(eb, q)));
  if (marker) {
    query = query.where((eb) => {
      const values = sorting.keys.map((k) => {
        const v = (marker as any)[k];
        return v ?? (NULLABLE_INT.includes(k) ? 0 : '');
      });
      const ors = sorting.keys.map((key, i) => {
        const ands: Expression<SqlBool>[] = [];
        for (let j = 0; j < i; j++) ands.push(eb(sortExpr(sorting.keys[j]), '=', values[j]));
        ands.push(eb(sortExpr(key), sorting.dirs[i] === 'desc' ? '<' : '>', values[i]));
        return eb.and(ands);
      });
      return eb.or(ors);
    });
  }
  sorting.keys.forEach((key, i) => {
    query = query.orderBy(sortExpr(key), sorting.dirs[i]);
  });
  const rows = limit === 0 ? [] : await query.limit(limit).execute();
  const images = await withExtras(db, rows);
  return {
    images,
    nextMarker: images.length > 0 && images.length === limit ? images[images.length - 1].id : undefined,
  };
}
