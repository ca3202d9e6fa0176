import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';

// Nova's view of the image service, through its in-process API. Errors are
// reworded here into Nova's messages.

/** What Nova needs to know of an image to boot from it. */
export interface BootImage {
  id: string;
  name: string | null;
  status: string;
  min_disk: number;
  min_ram: number;
  size: number | null;
  disk_format: string | null;
  properties: Record<string, unknown>;
}

/** The image to boot from, if the caller may see it; Nova's 400s otherwise. */
export async function bootImage(_cloud: Cloud, _ctx: AuthContext, _id: string): Promise<BootImage> {
  throw new BadRequest('Can not find requested image');
}

/** Where the image's data is on disk, for the driver to copy. */
export async function bootImagePath(_cloud: Cloud, _ctx: AuthContext, _id: string): Promise<string | undefined> {
  return undefined;
}

/** Records a snapshot image of an instance in `saving` (Nova's createImage answers with its id at once). */
export async function startSnapshot(
  _cloud: Cloud,
  _ctx: AuthContext,
  _spec: { name: string; properties: Record<string, unknown>; min_disk: number; min_ram: number },
): Promise<{ id: string }> {
  throw new BadRequest('pocketstack cannot make images of servers until the image service is available.');
}

/** Uploads the snapshot's data from a file: the image becomes active. */
export async function finishSnapshot(_cloud: Cloud, _imageId: string, _path: string): Promise<void> {}

/** A snapshot that failed: the image is killed (Glance keeps the record, as after a failed upload). */
export async function failSnapshot(_cloud: Cloud, _imageId: string): Promise<void> {}
