import type { Cloud } from '../../cloud.js';
import { ApiError, NotFound } from '../../server/errors.js';
import { getImage, imageDataPath } from '../image/internal.js';
import type { Caller } from './policy.js';

/** What a volume made from an image needs to know of it. */
export interface SourceImage {
  id: string;
  status: string;
  /** Bytes of image data. */
  size: number;
  min_disk: number;
  disk_format: string;
  container_format: string;
  /** What Cinder keeps as volume_image_metadata (glance core properties and custom ones, as strings). */
  metadata: Record<string, string>;
}

const asImageCaller = (caller: Caller) => ({ projectId: caller.projectId, isAdmin: caller.admin });

/** The image a volume is made from, as the caller may see it; Cinder's 404 otherwise. */
export async function findImage(cloud: Cloud, caller: Caller, imageId: string): Promise<SourceImage> {
  let image: Awaited<ReturnType<typeof getImage>>;
  try {
    image = await getImage(cloud, asImageCaller(caller), imageId);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new NotFound(`Image ${imageId} could not be found.`);
    throw e;
  }
  const metadata: Record<string, string> = {
    image_id: image.id,
    image_name: image.name ?? '',
    checksum: image.checksum ?? '',
    container_format: image.container_format ?? '',
    disk_format: image.disk_format ?? '',
    min_disk: String(image.min_disk),
    min_ram: String(image.min_ram),
    size: String(image.size ?? 0),
  };
  for (const [k, v] of Object.entries(image.properties)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    id: image.id,
    status: image.status,
    size: image.size ?? 0,
    min_disk: image.min_disk,
    disk_format: image.disk_format ?? 'raw',
    container_format: image.container_format ?? 'bare',
    metadata,
  };
}

/**
 * The file holding the image's data, for the driver to convert. Runs in the
 * create task, after the API checked the caller may read the image.
 */
export async function imageFile(cloud: Cloud, imageId: string): Promise<{ path: string; format: string }> {
  const image = await getImage(cloud, { isAdmin: true }, imageId);
  return { path: await imageDataPath(cloud, { isAdmin: true }, imageId), format: image.disk_format ?? 'raw' };
}
