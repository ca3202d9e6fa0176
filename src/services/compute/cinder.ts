import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { ApiError, BadRequest, NotFound } from '../../server/errors.js';
import {
  attachVolume,
  createVolume,
  deleteVolume,
  detachVolume,
  getVolume,
  reimageVolume,
  reserveVolume,
  type VolumeInfo,
  volumePath,
  waitForVolume,
} from '../volume/internal.js';

// Nova's view of the volume service, through its in-process API
// (volume/internal.ts, the only volume module compute imports): reserve and
// attach (Cinder's attachments), detach, and the volumes Nova makes for boot
// from volume. Refusals are reworded into Nova's messages.

export type { VolumeInfo } from '../volume/internal.js';

/** The project whose volumes a caller may use: any for an admin (undefined), else the token's own. */
export function visibleProject(auth: AuthContext): string | undefined {
  return auth.isAdmin ? undefined : (auth.projectId ?? '');
}

/** A volume the project may use, or Nova's 404. */
export async function novaVolume(cloud: Cloud, volumeId: string, projectId?: string): Promise<VolumeInfo> {
  const v = await getVolume(cloud, volumeId, projectId);
  if (!v) throw new NotFound(`Volume ${volumeId} could not be found.`);
  return v;
}

function invalidVolume(e: unknown): unknown {
  if (e instanceof ApiError && e.status === 404) return e;
  if (e instanceof ApiError && e.status === 400) return new BadRequest(`Invalid volume: ${e.message}`);
  return e;
}

/** Reserves a volume for a server (volume → reserved): the attachment id. */
export async function reserve(cloud: Cloud, volumeId: string, serverId: string, projectId?: string): Promise<string> {
  const { attachmentId } = await reserveVolume(cloud, { volumeId, serverId, projectId }).catch((e) => {
    if (e instanceof ApiError && e.status === 404) throw new NotFound(`Volume ${volumeId} could not be found.`);
    throw invalidVolume(e);
  });
  return attachmentId;
}

/**
 * Completes a reserved attachment at `device` (volume → in-use). A null
 * device (a shelved-offloaded server) leaves the mountpoint to Cinder until
 * the unshelve completes it again at the device the guest gets.
 */
export async function complete(
  cloud: Cloud,
  attachmentId: string,
  device: string | null,
  host: string | null,
): Promise<string> {
  const { device: at } = await attachVolume(cloud, {
    attachmentId,
    device: device ?? undefined,
    hostName: host ?? undefined,
  });
  return at;
}

/** Ends an attachment (volume → available once nothing else holds it). A gone attachment is fine. */
export async function release(cloud: Cloud, attachmentId: string): Promise<void> {
  await detachVolume(cloud, { attachmentId }).catch((e) => {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  });
}

/** Creates a volume for boot from volume (from an image or blank) and waits until it is available. */
export async function createBootVolume(
  cloud: Cloud,
  opts: { projectId: string; userId: string; size: number; imageId?: string; name?: string; volumeType?: string },
): Promise<VolumeInfo> {
  const v = await createVolume(cloud, opts);
  const done = await waitForVolume(cloud, v.id);
  if (done.status !== 'available') throw new Error(`volume ${v.id} for the server is ${done.status}, not available`);
  return done;
}

/** Deletes a volume as its owner would (delete_on_termination); a missing one is no error. */
export async function removeVolume(cloud: Cloud, volumeId: string): Promise<void> {
  await deleteVolume(cloud, volumeId);
}

/** Where the volume's data is, for the driver. */
export function volumeLocation(cloud: Cloud, volumeId: string): string {
  return volumePath(cloud, volumeId).path;
}

/** Rewrites a (root) volume with an image's data: Nova's rebuild of a volume-backed server (2.93). */
export async function reimage(cloud: Cloud, volumeId: string, imageId: string): Promise<void> {
  await reimageVolume(cloud, volumeId, imageId);
}
