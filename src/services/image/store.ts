import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { fromJson } from '../../store/json.js';

// Row types of Glance's tables (migrations.ts) and the loads every path shares.

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'active'
  | 'killed'
  | 'deleted'
  | 'uploading'
  | 'importing'
  | 'pending_delete'
  | 'deactivated';

export type Visibility = 'public' | 'private' | 'shared' | 'community';

export interface ImageRow {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  protected: number;
  os_hidden: number;
  created_at: string;
  updated_at: string;
}

export interface PropertyRow {
  image_id: string;
  name: string;
  /** JSON text */
  value: string;
}

export interface TagRow {
  image_id: string;
  value: string;
}

export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export interface MemberRow {
  image_id: string;
  member: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

export interface ImageTables {
  images: ImageRow;
  image_properties: PropertyRow;
  image_tags: TagRow;
  image_members: MemberRow;
  /** What the service recorded about this database (default_image_seeded). */
  image_meta: { key: string; value: string };
}

export type ImageDb = Kysely<ImageTables>;

export function idb(cloud: Cloud): ImageDb {
  return cloud.db as ImageDb;
}

/** An image with its custom properties and tags: what views and policies work on. */
export interface Image extends ImageRow {
  properties: Record<string, unknown>;
  tags: string[];
}

export async function getImageRow(db: ImageDb, id: string): Promise<ImageRow | undefined> {
  return db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Rows plus their properties and tags, in two queries whatever the number of images. */
export async function withExtras(db: ImageDb, rows: ImageRow[]): Promise<Image[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [props, tags] = await Promise.all([
    db.selectFrom('image_properties').selectAll().where('image_id', 'in', ids).orderBy('name').execute(),
    db.selectFrom('image_tags').selectAll().where('image_id', 'in', ids).orderBy('value').execute(),
  ]);
  const byId = new Map<string, Image>(rows.map((r) => [r.id, { ...r, properties: {}, tags: [] }]));
  for (const p of props) byId.get(p.image_id)!.properties[p.name] = fromJson(p.value, null);
  for (const t of tags) byId.get(t.image_id)!.tags.push(t.value);
  return rows.map((r) => byId.get(r.id)!);
}

export async function loadImage(db: ImageDb, id: string): Promise<Image | undefined> {
  const row = await getImageRow(db, id);
  return row ? (await withExtras(db, [row]))[0] : undefined;
}

export async function getMember(db: ImageDb, imageId: string, member: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom('image_members')
    .selectAll()
    .where('image_id', '=', imageId)
    .where('member', '=', member)
    .executeTakeFirst();
}
