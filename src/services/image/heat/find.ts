import type { Cloud } from '../../../cloud.js';
import { ApiError } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import { ResourceError } from '../../orchestration/engine/plugin.js';
import { type Caller, getImage, type ImageInfo, listImages } from '../internal.js';

// Heat's glance client plugin: an image by id, or by a name only one
// visible image has; its errors are Heat's EntityNotFound / NoUniqueMatch.

export async function findImage(cloud: Cloud, caller: Caller, nameOrId: string): Promise<ImageInfo> {
  if (isUuid(nameOrId)) {
    try {
      return await getImage(cloud, caller, nameOrId);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  const { images } = await listImages(cloud, caller, { name: nameOrId, limit: '2' });
  if (images.length > 1)
    throw new ResourceError('NoUniqueMatch', `Multiple physical resources were found with name (${nameOrId}).`);
  if (images.length === 0) throw new ResourceError('EntityNotFound', `The Image (${nameOrId}) could not be found.`);
  return getImage(cloud, caller, images[0].id);
}

/** glance.image: the value names exactly one image the caller can see. */
export async function imageConstraint(value: unknown, ctx: { cloud: Cloud; caller: Caller }) {
  try {
    await findImage(ctx.cloud, ctx.caller, String(value));
    return undefined;
  } catch (e) {
    if (e instanceof ResourceError) return e.message;
    throw e;
  }
}
