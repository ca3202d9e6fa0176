import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { isoSeconds, now } from '../../server/time.js';
import type { AttrMap } from './attributes.js';
import { filtersOf, type PageRequest, pageOf, type Query, type View, values } from './query.js';
import { inTransaction, type NetDb, ndb, type StandardRow } from './store.js';

/** What a service function works with: the cloud, the store (or the request's transaction) and the caller. */
export interface Op {
  cloud: Cloud;
  db: NetDb;
  ctx: AuthContext;
}

export function readOp(cloud: Cloud, ctx: AuthContext): Op {
  return { cloud, db: ndb(cloud), ctx };
}

/** Runs `fn` as `ctx` inside one transaction: a write either happens whole or not at all. */
export function writeOp<T>(cloud: Cloud, ctx: AuthContext, fn: (op: Op) => Promise<T>): Promise<T> {
  return inTransaction(cloud, (trx) => fn({ cloud, db: trx, ctx }));
}

/** The standard attributes every Neutron resource shows (standard-attr-*), tenant_id beside project_id. */
export function standardView(row: StandardRow, tags: string[] | undefined): View {
  return {
    tenant_id: row.project_id,
    project_id: row.project_id,
    description: row.description,
    tags: tags ?? [],
    created_at: isoSeconds(row.created_at),
    updated_at: isoSeconds(row.updated_at),
    revision_number: row.revision_number,
  };
}

/** The columns a new resource starts with. */
export function newStandard(id: string, projectId: string, name: unknown, description: unknown, revision = 0) {
  const at = now();
  return {
    id,
    project_id: projectId,
    name: (name as string) ?? '',
    description: (description as string) ?? '',
    created_at: at,
    updated_at: at,
    revision_number: revision,
  };
}

/** Columns an update touches besides its own: updated_at and the next revision. */
export function bumped(row: { revision_number: number }) {
  return { updated_at: now(), revision_number: row.revision_number + 1 };
}

/**
 * A resource type as the generic routes (routes/crud.ts) serve it. Views are
 * the API shape for this caller; `list` may push simple filters of the query
 * down to SQL, the generic layer applies them all again on the views.
 */
export interface Resource {
  member: string;
  collection: string;
  attrs: AttrMap;
  /** `page`: cut the page in SQL (in the default order); given only when the query allows it (sqlPage). */
  list(op: Op, q: Query, page?: PageRequest): Promise<View[]>;
  /** The attributes `list` filters in SQL; a query filtering only on these may be paged in SQL. */
  sqlFilters?: readonly string[];
  /** The view of one resource the caller can see, or its NotFound. */
  show(op: Op, id: string): Promise<View>;
  /** Creates from a checked body (attributes.ts), returns the new id. Runs in the request's transaction. */
  create(op: Op, body: Record<string, unknown>): Promise<string>;
  update(op: Op, id: string, body: Record<string, unknown>): Promise<void>;
  remove(op: Op, id: string): Promise<void>;
  /** Filter keys accepted besides the view's attributes. */
  extraFilters?: string[];
  /** The table of a resource with standard attributes (tag changes bump its revision). */
  table?: StandardTable;
}

/** The single value of a query filter that SQL can apply, when the query has exactly one. */
export function oneValue(q: Query, key: string): string | undefined {
  const v = values(q, key);
  return v.length === 1 ? v[0] : undefined;
}

/**
 * Applies the query's single-valued filters on these attributes in SQL, so a
 * list reads only the rows it may return (`[attribute, column]` where they
 * differ). The generic layer still applies every filter to the views.
 */
export function pushDown<QB extends { where: (...args: any[]) => any }>(
  query: QB,
  q: Query,
  keys: readonly (string | readonly [string, string])[],
): QB {
  let out = query;
  for (const k of keys) {
    const [attr, column] = typeof k === 'string' ? [k, k] : k;
    const v = oneValue(q, attr);
    if (v !== undefined) out = out.where(column, '=', v);
  }
  return out;
}

/** The next revision of a resource whose children changed (a network's subnets, a router's interfaces). */
export type StandardTable =
  | 'neutron_networks'
  | 'neutron_subnets'
  | 'neutron_ports'
  | 'neutron_routers'
  | 'neutron_floatingips'
  | 'neutron_security_groups'
  | 'neutron_subnetpools';

export async function bumpRevision(db: NetDb, table: StandardTable, id: string): Promise<void> {
  const row = await db.selectFrom(table).select('revision_number').where('id', '=', id).executeTakeFirstOrThrow();
  await db.updateTable(table).set(bumped(row)).where('id', '=', id).execute();
}

/**
 * The page to cut in SQL, when the list is in its default order and every
 * filter is applied there (so the rows SQL returns are exactly the page's).
 */
export function sqlPage(r: Resource, q: Query): PageRequest | undefined {
  const page = pageOf(q);
  if (!page || !r.sqlFilters) return undefined;
  if (values(q, 'sort_key').length || values(q, 'sort_dir').length) return undefined;
  if (['tags', 'tags-any', 'not-tags', 'not-tags-any'].some((k) => values(q, k).length)) return undefined;
  for (const [k, vals] of filtersOf(q)) if (vals.length !== 1 || !r.sqlFilters.includes(k)) return undefined;
  return page;
}

/**
 * Cuts one page of a table's rows in the default order (created_at, id),
 * after the marker row (before it when reversed). A missing marker gives an
 * empty page, as in Neutron.
 */
export async function cutPage<
  QB extends {
    where: (...a: any[]) => any;
    orderBy: (...a: any[]) => any;
    limit: (n: number) => any;
    execute: () => Promise<any[]>;
  },
>(db: NetDb, table: StandardTable, alias: string, query: QB, page: PageRequest): Promise<any[]> {
  let out: any = query;
  if (page.marker) {
    const m = await db.selectFrom(table).select(['created_at', 'id']).where('id', '=', page.marker).executeTakeFirst();
    if (!m) return [];
    const op = page.reverse ? '<' : '>';
    out = out.where((eb: any) =>
      eb.or([
        eb(`${alias}.created_at`, op, m.created_at),
        eb.and([eb(`${alias}.created_at`, '=', m.created_at), eb(`${alias}.id`, op, m.id)]),
      ]),
    );
  }
  const dir = page.reverse ? 'desc' : 'asc';
  const rows = await out.orderBy(`${alias}.created_at`, dir).orderBy(`${alias}.id`, dir).limit(page.limit).execute();
  return page.reverse ? rows.reverse() : rows;
}
