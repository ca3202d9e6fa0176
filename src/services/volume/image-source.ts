import type { Cloud } from '../../cloud.js';
import { NotImplemented } from '../../server/errors.js';
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
  /** What Cinder keeps as volume_image_metadata. */
  metadata: Record<string, string>;
}

/**
 * The image a volume is made from, as the caller may see it. Glance's
 * in-process API (src/services/image/internal.ts) has not landed yet, so
 * this answers 501 until it does.
 */
export async function findImage(_cloud: Cloud, _caller: Caller, _imageId: string): Promise<SourceImage> {
  throw new NotImplemented(
    'Creating a volume from an image needs the image service, which pocketstack does not serve yet.',
  );
}

/** A local file holding the image's data, for the driver to convert. */
export async function imageFile(_cloud: Cloud, imageId: string): Promise<{ path: string; format: string }> {
  throw new Error(`image ${imageId} data is not available (no image service)`);
}
