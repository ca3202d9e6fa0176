import type { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { ApiError, BadRequest, Conflict, Forbidden } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { imagePath, receive, removeData } from './data.js';
import { virtualSize } from './disk.js';
import { getVisibleImage } from './images.js';
import { type Caller, requireMutable } from './policy.js';
import { enforceQuota } from './quota.js';
import { type Image, type ImageRow, idb } from './store.js';

// PUT /v2/images/{id}/file and the in-process equivalent: queued → saving →
// active, with the data streamed to the store. A failed or cut-off upload
// leaves the image queued and no file behind.

/** Suffix of the partial file of an HTTP upload, so a start after a crash can tell it apart. */
export const UPLOAD_PART = '.upload';

export class Gone extends ApiError {
  constructor(message: string) {
    super(410, message, 'Gone');
  }
}

/** Moves an image from one status to another if it is still in the first; false when it was not. */
export async function transition(cloud: Cloud, id: string, from: ImageRow['status'], to: ImageRow['status']) {
  const set: Partial<ImageRow> = { status: to, updated_at: now() };
  // Glance forgets the size of an image that goes back to queued
  if (to === 'queued') Object.assign(set, { size: null, virtual_size: null });
  const r = await idb(cloud)
    .updateTable('images')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Glance's checks before data may be saved (Image.status setter). */
export function requireSavable(image: Image, to: 'saving' | 'uploading'): void {
  if (image.status !== 'queued')
    throw new Conflict(`Image status transition from ${image.status} to ${to} is not allowed`);
  const missing = ['disk_format', 'container_format'].filter((k) => !image[k as 'disk_format']);
  if (missing.length === 1) throw new BadRequest(`Property ${missing[0]} must be set prior to saving data.`);
  if (missing.length > 1) throw new BadRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
}

/**
 * Streams data into an image in `saving` (or `from`) and makes it active. If the image
 * was deleted meanwhile, the data is removed and Glance's 410 is thrown.
 */
export async function storeData(
  cloud: Cloud,
  image: Pick<ImageRow, 'id' | 'disk_format' | 'container_format'>,
  source: Readable,
  opts: { expectedSize?: number; partSuffix?: string; from?: ImageRow['status'] } = {},
): Promise<void> {
  const got = await receive(source, imagePath(cloud, image.id), opts.expectedSize, opts.partSuffix);
  const r = await idb(cloud)
    .updateTable('images')
    .set({
      status: 'active',
      size: got.size,
      virtual_size: virtualSize(got.header, got.size, image.disk_format, image.container_format),
      checksum: got.checksum,
      os_hash_algo: got.os_hash_algo,
      os_hash_value: got.os_hash_value,
      updated_at: now(),
    })
    .where('id', '=', image.id)
    .where('status', '=', opts.from ?? 'saving')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    await removeData(cloud, image.id);
    throw new Gone(
      `Image ${image.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
    );
  }
}

/** PUT /v2/images/{id}/file */
export async function uploadImageData(
  cloud: Cloud,
  caller: Caller,
  id: string,
  source: Readable,
  expectedSize?: number,
): Promise<void> {
  if (caller.projectId) await enforceQuota(cloud, caller.projectId, 'image_size_total');
  const image = await getVisibleImage(cloud, caller, id);
  try {
    requireMutable(caller, image);
  } catch {
    throw new Forbidden(`Not allowed to upload image data for image ${id}`);
  }
  requireSavable(image, 'saving');
  if (!(await transition(cloud, id, 'queued', 'saving')))
    throw new Conflict('Image status transition from saving to saving is not allowed');
  try {
    if (caller.projectId) await enforceQuota(cloud, caller.projectId, 'image_count_uploading');
    await storeData(cloud, image, source, { expectedSize, partSuffix: UPLOAD_PART });
  } catch (err) {
    await transition(cloud, id, 'saving', 'queued');
    throw err;
  }
}
