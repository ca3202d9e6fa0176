import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { Conflict, Forbidden } from '../../server/errors.js';
import { imagePath, readData, removeData } from './data.js';
import { createImage, getVisibleImage } from './images.js';
import { listImages, MAX_LIMIT } from './list.js';
import type { Caller } from './policy.js';
import { type Image, type ImageRow, idb, loadImage } from './store.js';
import { Gone, storeData, transition } from './upload.js';
import { hasData } from './views.js';

// The image service's in-process API for the other services (no HTTP inside
// pocketstack). Errors are the shared ApiError types with Glance's wording;
// callers rephrase them in their own API's terms where that API does.
//
//   Nova boot / Cinder volume from image: getImage, imageDataPath or openImageData.
//   Nova snapshot: createSnapshotImage (status saving), then fillImageFromFile or
//   fillImageFromStream (→ active), or failImage (→ killed, or gone) when it fails.
//   Nova's image proxy, Heat's image resources: the API's own calls, re-exported
//   here, with the same policy checks and errors as over HTTP.

/** POST /v2/images: an image record (no data) after policy and the image count quota. */
export { createImage, deleteImage, type NewImage } from './images.js';
/** POST /v2/images/{id}/import: body as the API takes it, e.g. { method: { name: 'web-download', uri } }. */
export { importImage } from './import.js';
/** GET /v2/images: one page (filters, sort, limit and marker as the API's query parameters). */
export { listImages } from './list.js';
/** PATCH /v2/images/{id}: all changes or none. */
export { type Change, patchImage } from './patch.js';
export type { Caller } from './policy.js';

/**
 * An image as other services see it: the record's columns (sizes in bytes,
 * min_disk in GiB, min_ram in MiB, ISO times), `protected` as a boolean, its
 * custom properties (hw_*, os_distro, ...) and tags.
 */
export interface ImageInfo extends Omit<ImageRow, 'protected' | 'os_hidden' | 'os_hash_algo' | 'os_hash_value'> {
  protected: boolean;
  properties: Record<string, unknown>;
  tags: string[];
}

function info(image: Image): ImageInfo {
  const { protected: prot, os_hidden: _h, os_hash_algo: _a, os_hash_value: _v, ...rest } = image;
  return { ...rest, protected: prot === 1 };
}

/**
 * The image if `caller` may see it under Glance's visibility rules (public,
 * community, own, shared with its project, anything for an admin). Throws
 * NotFound (404) otherwise, as Glance does, never revealing that it exists.
 */
export async function getImage(cloud: Cloud, caller: Caller, id: string): Promise<ImageInfo> {
  return info(await getVisibleImage(cloud, caller, id));
}

/** Every image the caller may list (Glance's visibility rules), in Glance's default order, with properties and tags. */
export async function listVisibleImages(cloud: Cloud, caller: Caller): Promise<ImageInfo[]> {
  const out: ImageInfo[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await listImages(cloud, caller, { limit: String(MAX_LIMIT), ...(marker ? { marker } : {}) });
    out.push(...page.images.map(info));
    if (!page.nextMarker) return out;
    marker = page.nextMarker;
  }
}

/** Checks that the image's data may be read by the caller; returns the image. */
async function readableImage(cloud: Cloud, caller: Caller, id: string): Promise<Image> {
  const image = await getVisibleImage(cloud, caller, id);
  if (image.status === 'deactivated' && !caller.isAdmin)
    throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
  if (!hasData(image)) throw new Conflict(`Image ${id} has no data: its status is ${image.status}, not active.`);
  return image;
}

/**
 * The path of a readable image's data file (active, or deactivated for an
 * admin), for copying it (qemu-img convert, cp). Read it, never write or move it.
 */
export async function imageDataPath(cloud: Cloud, caller: Caller, id: string): Promise<string> {
  await readableImage(cloud, caller, id);
  return imagePath(cloud, id);
}

/** A stream of a readable image's data with its size and md5 checksum. */
export async function openImageData(
  cloud: Cloud,
  caller: Caller,
  id: string,
): Promise<{ stream: Readable; size: number; checksum: string | null; image: ImageInfo }> {
  const image = await readableImage(cloud, caller, id);
  return {
    stream: readData(imagePath(cloud, id)),
    size: image.size ?? 0,
    checksum: image.checksum,
    image: info(image),
  };
}

export interface SnapshotSpec {
  name: string;
  /** The project that owns the snapshot; the caller's project by default (an admin may give another). */
  owner?: string;
  /** Glance's default for new images is "shared"; Nova's snapshots are usually "private". */
  visibility?: ImageRow['visibility'];
  disk_format?: string;
  container_format?: string;
  min_disk?: number;
  min_ram?: number;
  /** Custom properties, e.g. image_type: "snapshot", instance_uuid, base_image_ref. */
  properties?: Record<string, unknown>;
}

/**
 * Records a snapshot image in `saving` (no data yet), counted against the
 * owner's image quota (413 when over). Fill it later or fail it.
 */
export async function createSnapshotImage(cloud: Cloud, caller: Caller, spec: SnapshotSpec): Promise<ImageInfo> {
  const image = await createImage(cloud, caller, {
    name: spec.name,
    owner: spec.owner,
    visibility: spec.visibility ?? 'private',
    disk_format: spec.disk_format ?? 'qcow2',
    container_format: spec.container_format ?? 'bare',
    min_disk: spec.min_disk,
    min_ram: spec.min_ram,
    properties: spec.properties,
    status: 'saving',
  });
  return info(image);
}

/**
 * Streams data into an image in `saving` and makes it active (size,
 * checksum, os_hash_value and virtual_size computed). If the image was
 * deleted meanwhile, throws Gone (410) and keeps nothing.
 */
export async function fillImageFromStream(cloud: Cloud, id: string, source: Readable): Promise<ImageInfo> {
  const row = await loadImage(idb(cloud), id);
  // deleted before the first byte is deleted meanwhile too: the caller (a snapshot) sees one outcome
  if (!row) throw new Gone(`Image ${id} could not be found: it was deleted before its data was stored.`);
  if (row.status !== 'saving') throw new Conflict(`Image ${id} is not waiting for data (status ${row.status}).`);
  await storeData(cloud, row, source);
  return info((await loadImage(idb(cloud), id))!);
}

/** fillImageFromStream from a file, which is read (copied), not moved. */
export async function fillImageFromFile(cloud: Cloud, id: string, path: string): Promise<ImageInfo> {
  return fillImageFromStream(cloud, id, createReadStream(path, { highWaterMark: 1 << 20 }));
}

/**
 * A snapshot that could not be made: `killed` keeps the record (what Glance
 * shows for a failed upload), `deleted` removes it. Data is removed either way.
 */
export async function failImage(cloud: Cloud, id: string, outcome: 'killed' | 'deleted'): Promise<void> {
  if (outcome === 'deleted') await idb(cloud).deleteFrom('images').where('id', '=', id).execute();
  else await transition(cloud, id, 'saving', 'killed');
  await removeData(cloud, id);
}
