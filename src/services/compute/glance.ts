import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, NotFound } from '../../server/errors.js';
import {
  type Change,
  createSnapshotImage,
  deleteImage,
  failImage,
  fillImageFromFile,
  getImage,
  type ImageInfo,
  imageDataPath,
  listVisibleImages,
  patchImage,
} from '../image/internal.js';

// Nova's view of the image service, through its in-process API. Errors are
// reworded here into Nova's messages.

export type { ImageInfo } from '../image/internal.js';
export { deleteImage, listVisibleImages } from '../image/internal.js';
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

// The image proxy of Nova 2.1–2.35 (/images) lists, deletes and changes
// properties through the image service's internal API (listVisibleImages,
// deleteImage, patchImage), under the image service's own policy checks.

/** Sets image properties (merged, or replacing every custom property when `replace`). */
export async function setImageProperties(
  cloud: Cloud,
  ctx: AuthContext,
  id: string,
  props: Record<string, string>,
  replace: boolean,
): Promise<ImageInfo> {
  const current = (await getImage(cloud, ctx, id)).properties;
  const changes: Change[] = [];
  if (replace)
    for (const k of Object.keys(current)) if (!(k in props)) changes.push({ op: 'remove', path: [k], draft: 10 });
  for (const [k, v] of Object.entries(props))
    changes.push({ op: k in current ? 'replace' : 'add', path: [k], value: v, draft: 10 });
  if (changes.length) await patchImage(cloud, ctx, id, changes);
  return getImage(cloud, ctx, id);
}

export async function removeImageProperty(cloud: Cloud, ctx: AuthContext, id: string, key: string): Promise<void> {
  await patchImage(cloud, ctx, id, [{ op: 'remove', path: [key], draft: 10 }]);
}

/** An image the caller may see, Glance's 404 otherwise. */
export function getImageAs(cloud: Cloud, ctx: AuthContext, id: string): Promise<ImageInfo> {
  return getImage(cloud, ctx, id);
}

/** Deletes the image a shelved server was kept in, once it is unshelved. */
export async function removeShelvedImage(cloud: Cloud, imageId: string): Promise<void> {
  await deleteImage(cloud, { isAdmin: true } as AuthContext, imageId).catch(() => undefined);
}

/** createBackup's rotation: keeps the newest `rotation` backups of the type, deletes older ones. */
export async function rotateBackups(
  cloud: Cloud,
  i: { uuid: string; project_id: string },
  backupType: string,
  rotation: number,
): Promise<void> {
  const owner = { isAdmin: false, projectId: i.project_id } as AuthContext;
  const backups = (await listVisibleImages(cloud, owner))
    .filter(
      (img) =>
        img.properties.image_type === 'backup' &&
        img.properties.instance_uuid === i.uuid &&
        img.properties.backup_type === backupType,
    )
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  for (const old of backups.slice(rotation))
    await deleteImage(cloud, { isAdmin: true } as AuthContext, old.id).catch(() => undefined);
}
