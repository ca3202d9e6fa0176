import type { SelectQueryBuilder } from 'kysely';
import { childRows, type NetDb, type NetworkTables } from './store.js';

// Tags of every taggable resource (standard-attr-tag), keyed by resource id:
// ids are UUIDs, unique across resource types.

/** Tags of the resources whose ids are given or a subquery selects, in one query. */
export async function tagsOf(
  db: NetDb,
  ids: string[] | SelectQueryBuilder<NetworkTables, any, { id: string }>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (Array.isArray(ids) && ids.length === 0) return out;
  const rows: { resource_id: string; tag: string }[] = await childRows(db, 'neutron_tags', 'resource_id', ids)
    .select(['c.resource_id', 'c.tag'])
    .orderBy('c.tag')
    .execute();
  for (const r of rows) {
    const list = out.get(r.resource_id);
    if (list) list.push(r.tag);
    else out.set(r.resource_id, [r.tag]);
  }
  return out;
}

export async function setTags(db: NetDb, id: string, tags: string[]): Promise<void> {
  await db.deleteFrom('neutron_tags').where('resource_id', '=', id).execute();
  const unique = [...new Set(tags)];
  if (unique.length)
    await db
      .insertInto('neutron_tags')
      .values(unique.map((tag) => ({ resource_id: id, tag })))
      .execute();
}

export async function addTag(db: NetDb, id: string, tag: string): Promise<void> {
  await db
    .insertInto('neutron_tags')
    .values({ resource_id: id, tag })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Removes one tag; false when the resource did not have it. */
export async function removeTag(db: NetDb, id: string, tag: string): Promise<boolean> {
  const r = await db.deleteFrom('neutron_tags').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function dropTags(db: NetDb, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('neutron_tags').where('resource_id', 'in', ids).execute();
}
