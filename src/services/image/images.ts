import type { Cloud } from '../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound, OverQuota } from '../../server/errors.js';
import { isUuid, uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { toJson } from '../../store/json.js';
import { removeData } from './data.js';
import {
  type Caller,
  imageNotFound,
  isVisible,
  requireMutable,
  requireOwnerAllowed,
  requireVisibilityAllowed,
} from './policy.js';
import { enforceQuota } from './quota.js';
import { imageSchema } from './schemas.js';
import { getMember, type Image, type ImageDb, type ImageRow, idb, loadImage } from './store.js';
import { validateObject } from './validate.js';

// Images as records: create, read with Glance's visibility, save, delete,
// deactivate/reactivate and tags. Data is data.ts/upload.ts; PATCH is patch.ts.

/** Glance's per-image limits (image_property_quota, image_tag_quota). */
export const PROPERTY_QUOTA = 128;
export const TAG_QUOTA = 128;

/** Properties a client may never send. */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
/** Set only by the service. */
export const READ_ONLY = [
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'size',
  'virtual_size',
  'direct_url',
  'self',
  'file',
  'schema',
  'id',
  'os_hash_algo',
  'os_hash_value',
];
export const RESERVED = ['location', 'deleted', 'deleted_at'];
/** Extra properties under this prefix are Glance's own. */
export const RESERVED_PREFIX = 'os_glance';
/** Core attributes: columns, not custom properties. */
export const CORE = [
  'checksum',
  'created_at',
  'container_format',
  'disk_format',
  'id',
  'min_disk',
  'min_ram',
  'name',
  'size',
  'virtual_size',
  'status',
  'tags',
  'owner',
  'updated_at',
  'visibility',
  'protected',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'locations',
];

export function isReservedName(key: string): boolean {
  return RESERVED.includes(key) || key.startsWith(RESERVED_PREFIX);
}

export function requireNonNegative(param: string, value: unknown): void {
  if (typeof value === 'number' && value < 0)
    throw new BadRequest(`Invalid value '${value}' for parameter '${param}': Cannot be a negative value`);
}

/**
 * Glance keeps a property's value in a TEXT column: past 65535 bytes its
 * database refuses it and Glance answers 500. Here the same limit is a 400.
 */
export const PROPERTY_VALUE_BYTES = 65535;

export function checkPerImageLimits(image: Image): void {
  for (const [key, value] of Object.entries(image.properties))
    if (typeof value === 'string' && Buffer.byteLength(value) > PROPERTY_VALUE_BYTES)
      throw new BadRequest(`Value of custom property ${key} should not be greater than ${PROPERTY_VALUE_BYTES} bytes.`);
  const props = Object.keys(image.properties).length;
  if (props > PROPERTY_QUOTA)
    throw new OverQuota(
      `The limit has been exceeded on the number of allowed image properties. Attempted: ${props}, Maximum: ${PROPERTY_QUOTA}`,
    );
  if (image.tags.length > TAG_QUOTA)
    throw new OverQuota(
      `The limit has been exceeded on the number of allowed image tags. Attempted: ${image.tags.length}, Maximum: ${TAG_QUOTA}`,
    );
}

/** The image if the caller may see it; Glance's 404 otherwise (never a 403 that would reveal it). */
export async function getVisibleImage(cloud: Cloud, caller: Caller, id: string, db: ImageDb = idb(cloud)) {
  const image = await loadImage(db, id);
  if (!image) throw imageNotFound(id);
  const member =
    image.visibility === 'shared' && caller.projectId && !caller.isAdmin
      ? await getMember(db, id, caller.projectId)
      : undefined;
  if (!isVisible(caller, image, !!member)) throw imageNotFound(id);
  return image;
}

export interface NewImage {
  id?: string;
  name?: string | null;
  owner?: string | null;
  visibility?: ImageRow['visibility'];
  disk_format?: string | null;
  container_format?: string | null;
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  os_hidden?: boolean;
  status?: 'queued' | 'saving';
  properties?: Record<string, unknown>;
  tags?: string[];
}

/** POST /v2/images: checks the body as Glance's deserializer and image factory do, then inserts. */
export async function createImageFromBody(cloud: Cloud, caller: Caller, body: unknown): Promise<Image> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('Body expected in request.');
  const input = { ...(body as Record<string, unknown>) };
  for (const key of DISALLOWED) if (key in input) throw new Forbidden(`Attribute '${key}' is read-only.`);
  validateObject('image', input, imageSchema);
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (CORE.includes(key)) continue;
    if ([...key].length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
    if (isReservedName(key)) throw new Forbidden(`Attribute '${key}' is reserved.`);
    properties[key] = value;
  }
  for (const key of [
    'created_at',
    'updated_at',
    'status',
    'checksum',
    'os_hash_algo',
    'os_hash_value',
    'size',
    'virtual_size',
  ])
    if (key in input) throw new Forbidden(`Attribute '${key}' is read-only.`);
  if ('locations' in input) throw new Forbidden("Attribute 'locations' is reserved.");
  requireNonNegative('min_disk', input.min_disk);
  requireNonNegative('min_ram', input.min_ram);
  return createImage(cloud, caller, {
    id: input.id as string | undefined,
    name: input.name as string | null | undefined,
    owner: 'owner' in input ? (input.owner as string | null) : undefined,
    visibility: input.visibility as NewImage['visibility'],
    disk_format: input.disk_format as string | null | undefined,
    container_format: input.container_format as string | null | undefined,
    min_disk: input.min_disk as number | undefined,
    min_ram: input.min_ram as number | undefined,
    protected: input.protected as boolean | undefined,
    os_hidden: input.os_hidden as boolean | undefined,
    properties,
    tags: input.tags as string[] | undefined,
  });
}

/** Creates an image record (no data), after policy and the image count quota. One transaction. */
export async function createImage(cloud: Cloud, caller: Caller, spec: NewImage): Promise<Image> {
  requireOwnerAllowed(caller, spec.owner);
  requireVisibilityAllowed(caller, spec.visibility);
  const owner = spec.owner === undefined ? (caller.projectId ?? null) : spec.owner;
  if (owner) await enforceQuota(cloud, owner, 'image_count_total', 1);
  const at = now();
  const image: Image = {
    id: spec.id ?? uuid(),
    name: spec.name ?? null,
    status: spec.status ?? 'queued',
    visibility: spec.visibility ?? 'shared',
    owner,
    disk_format: spec.disk_format ?? null,
    container_format: spec.container_format ?? null,
    size: null,
    virtual_size: null,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    min_disk: spec.min_disk ?? 0,
    min_ram: spec.min_ram ?? 0,
    protected: spec.protected ? 1 : 0,
    os_hidden: spec.os_hidden ? 1 : 0,
    created_at: at,
    updated_at: at,
    properties: spec.properties ?? {},
    tags: [...new Set(spec.tags ?? [])],
  };
  if (!isUuid(image.id)) throw new BadRequest(`Invalid image id ${image.id}`);
  checkPerImageLimits(image);
  await idb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (await trx.selectFrom('images').select('id').where('id', '=', image.id).executeTakeFirst())
        throw new Conflict(`Image with identifier ${image.id} already exists!`);
      const { properties, tags, ...row } = image;
      await trx.insertInto('images').values(row).execute();
      await writeExtras(trx, image.id, properties, tags);
    });
  return image;
}

async function writeExtras(db: ImageDb, id: string, properties: Record<string, unknown>, tags: string[]) {
  const props = Object.entries(properties).map(([name, value]) => ({ image_id: id, name, value: toJson(value) }));
  if (props.length) await db.insertInto('image_properties').values(props).execute();
  if (tags.length)
    await db
      .insertInto('image_tags')
      .values(tags.map((value) => ({ image_id: id, value })))
      .execute();
}

/**
 * Writes an image's changed metadata (columns, properties, tags) in one
 * transaction. The row must still be in `fromStatus` (so a concurrent upload
 * or delete is not overwritten); returns false when it was not.
 */
export async function saveImage(cloud: Cloud, image: Image, fromStatus = image.status): Promise<boolean> {
  const { properties, tags, id, created_at: _c, ...row } = image;
  row.updated_at = now();
  return idb(cloud)
    .transaction()
    .execute(async (trx) => {
      const r = await trx
        .updateTable('images')
        .set(row)
        .where('id', '=', id)
        .where('status', '=', fromStatus)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await trx.deleteFrom('image_properties').where('image_id', '=', id).execute();
      await trx.deleteFrom('image_tags').where('image_id', '=', id).execute();
      await writeExtras(trx, id, properties, tags);
      image.updated_at = row.updated_at;
      return true;
    });
}

/** DELETE /v2/images/{id}: the owner or an admin, never while protected; data goes with it. */
export async function deleteImage(cloud: Cloud, caller: Caller, id: string): Promise<void> {
  let image: Image;
  try {
    image = await getVisibleImage(cloud, caller, id);
  } catch (e) {
    if (e instanceof NotFound) throw new NotFound(`Failed to find image ${id} to delete`);
    throw e;
  }
  requireMutable(caller, image);
  if (image.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
  await idb(cloud).deleteFrom('images').where('id', '=', id).execute();
  await removeData(cloud, id);
}

/** POST /v2/images/{id}/actions/deactivate|reactivate. */
export async function setActivation(cloud: Cloud, caller: Caller, id: string, action: 'deactivate' | 'reactivate') {
  const image = await getVisibleImage(cloud, caller, id);
  requireMutable(caller, image);
  const [from, to] = action === 'deactivate' ? ['active', 'deactivated'] : ['deactivated', 'active'];
  if (image.status === to) return;
  if (image.status !== from) throw new Forbidden(`Not allowed to ${action} image in status '${image.status}'`);
  await idb(cloud)
    .updateTable('images')
    .set({ status: to as ImageRow['status'], updated_at: now() })
    .where('id', '=', id)
    .where('status', '=', from as ImageRow['status'])
    .execute();
}

/** PUT /v2/images/{id}/tags/{tag} */
export async function addTag(cloud: Cloud, caller: Caller, id: string, tag: string): Promise<void> {
  validateObject('image', { tags: [tag] }, imageSchema);
  const image = await getVisibleImageAs(cloud, caller, id);
  try {
    requireMutable(caller, image);
  } catch {
    throw new Forbidden(`Not allowed to update tags for image ${id}.`);
  }
  if (image.tags.includes(tag)) return;
  if (image.tags.length + 1 > TAG_QUOTA)
    throw new OverQuota(
      `Image tag limit exceeded for image ${id}: The limit has been exceeded on the number of allowed image tags. Attempted: ${image.tags.length + 1}, Maximum: ${TAG_QUOTA}:`,
    );
  const db = idb(cloud);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('image_tags')
      .values({ image_id: id, value: tag })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx.updateTable('images').set({ updated_at: now() }).where('id', '=', id).execute();
  });
}

/** DELETE /v2/images/{id}/tags/{tag} */
export async function removeTag(cloud: Cloud, caller: Caller, id: string, tag: string): Promise<void> {
  const image = await getVisibleImageAs(cloud, caller, id);
  try {
    requireMutable(caller, image);
  } catch {
    throw new Forbidden(`Not allowed to delete tags for image ${id}.`);
  }
  if (!image.tags.includes(tag)) throw new NotFound('The resource could not be found.');
  await idb(cloud)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('image_tags').where('image_id', '=', id).where('value', '=', tag).execute();
      await trx.updateTable('images').set({ updated_at: now() }).where('id', '=', id).execute();
    });
}

/** The tags and members APIs word a missing image "Image X not found." */
export async function getVisibleImageAs(cloud: Cloud, caller: Caller, id: string): Promise<Image> {
  try {
    return await getVisibleImage(cloud, caller, id);
  } catch (e) {
    if (e instanceof NotFound) throw new NotFound(`Image ${id} not found.`);
    throw e;
  }
}
