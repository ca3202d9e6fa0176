import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, NotFound } from '../../server/errors.js';
import {
  createSnapshotImage,
  failImage,
  fillImageFromFile,
  getImage,
  type ImageInfo,
  imageDataPath,
} from '../image/internal.js';

// Nova's view of the image service, through its in-process API. Errors are
// reworded here into Nova's messages.

export type BootImage = ImageInfo;

/** The image to boot from, if the caller may see it; Nova's 400 otherwise. */
export async function bootImage(cloud: Cloud, ctx: AuthContext, id: string): Promise<BootImage> {
  try {
    return await getImage(cloud, ctx, id);
  } catch (e) {
    if (e instanceof NotFound) throw new BadRequest('Can not find requested image');
    throw e;
  }
}

/** Where the image's data is on disk, for the driver to copy (undefined when it has none). */
export async function bootImagePath(cloud: Cloud, ctx: AuthContext, id: string): Promise<string | undefined> {
  return imageDataPath(cloud, ctx, id).catch(() => undefined);
}

/** Records a snapshot image of an instance in `saving` (Nova's createImage answers with its id at once). */
export async function startSnapshot(
  cloud: Cloud,
  ctx: AuthContext,
  spec: { name: string; properties: Record<string, unknown>; min_disk: number; min_ram: number },
): Promise<{ id: string }> {
  const properties = Object.fromEntries(Object.entries(spec.properties).filter(([, v]) => v !== undefined));
  const image = await createSnapshotImage(cloud, ctx, {
    name: spec.name,
    visibility: 'private',
    disk_format: 'qcow2',
    container_format: 'bare',
    min_disk: spec.min_disk,
    min_ram: spec.min_ram,
    properties,
  });
  return { id: image.id };
}

/** Uploads the snapshot's data from a file: the image becomes active. */
export async function finishSnapshot(cloud: Cloud, imageId: string, path: string): Promise<void> {
  await fillImageFromFile(cloud, imageId, path);
}

/** A snapshot that failed: the image is killed (Glance keeps the record, as after a failed upload). */
export async function failSnapshot(cloud: Cloud, imageId: string): Promise<void> {
  await failImage(cloud, imageId, 'killed');
}
