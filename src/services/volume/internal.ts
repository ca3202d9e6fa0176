// The volume service's in-process API for the compute service (Nova's calls
// to Cinder: attach, detach, boot from volume). Plain functions over the
// Cloud; every one runs in one transaction and throws the same errors the
// HTTP API answers (ApiError: 404 for a missing volume, 400 for a status
// that does not allow the step), so compute can pass them on unchanged.
//
// The attach flow, as Nova drives Cinder's attachments API:
//   const a = await reserveVolume(cloud, { volumeId, serverId, projectId });  // available → reserved
//   const { device } = await attachVolume(cloud, { attachmentId: a.attachmentId });  // → in-use, /dev/vdb...
//   ...
//   await detachVolume(cloud, { attachmentId: a.attachmentId });             // → available
// or, when the server build fails before attaching: unreserveVolume(cloud, a.attachmentId).
//
// Boot from volume: createVolume(...) then waitForVolume(...) until
// `available`, then reserve + attach with { root: true } (device /dev/vda);
// on server delete, detachVolume and, for delete_on_termination, deleteVolume.
//
// Nova's volume proxy (os-volumes, os-snapshots of 2.1–2.35): listVolumes,
// getVolume, createVolume, deleteVolume and their snapshot twins, as the
// caller's token.

import type { Cloud } from '../../cloud.js';
import { volumeDriver } from '../../drivers/volume/index.js';
import type { AuthContext } from '../../server/auth.js';
import { completeAttachment, removeAttachment, reserveAttachment } from './attachments.js';
import { attachmentNotFound, volumeNotFound } from './errors.js';
import { findImage, imageFile } from './image-source.js';
import { authorize, type Caller, callerOfToken } from './policy.js';
import { type VolumeTrx, vdb } from './store.js';
import type { VolumeRecord } from './views.js';
import { createVolume as create, loadRecord, loadRecords, deleteVolume as remove, replaceDict } from './volumes.js';

export { createSnapshot, deleteSnapshot, getSnapshot, listSnapshots, type SnapshotInfo } from './internal-snapshots.js';

/** An attachment and its volume, or the 404 of a missing attachment. */
async function attachmentWithVolume(trx: VolumeTrx, attachmentId: string) {
  const a = await trx.selectFrom('volume_attachments').selectAll().where('id', '=', attachmentId).executeTakeFirst();
  if (!a) throw attachmentNotFound(attachmentId);
  const v = await trx.selectFrom('volumes').selectAll().where('id', '=', a.volume_id).executeTakeFirstOrThrow();
  return { a, v };
}

/** What compute needs to know of a volume. */
export interface VolumeInfo {
  id: string;
  projectId: string;
  name: string | null;
  /** Cinder status: creating, available, reserved, attaching, in-use, detaching, error, ... */
  status: string;
  /** GiB. */
  size: number;
  bootable: boolean;
  multiattach: boolean;
  availabilityZone: string;
  /** volume_image_metadata (image_id, min_ram, ... for a volume made from an image). */
  imageMetadata: Record<string, string>;
  /** attach_status of each: reserved, attaching, attached, detaching. */
  attachments: Array<{ attachmentId: string; serverId: string | null; device: string | null; status: string }>;
  description: string | null;
  /** When it was made (ISO 8601, as stored). */
  createdAt: string;
  /** The volume type's name. */
  volumeType: string | null;
  /** The snapshot it was made from, if any. */
  snapshotId: string | null;
  /** The user's metadata (with Cinder's readonly / attached_mode admin keys, as the volume API shows them). */
  metadata: Record<string, string>;
}

function infoOf(rec: VolumeRecord): VolumeInfo {
  const { row } = rec;
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    status: row.status,
    size: row.size,
    bootable: !!row.bootable,
    multiattach: !!row.multiattach,
    availabilityZone: row.availability_zone,
    imageMetadata: rec.imageMetadata,
    attachments: rec.attachments.map((a) => ({
      attachmentId: a.id,
      serverId: a.instance_uuid,
      device: a.mountpoint,
      status: a.attach_status,
    })),
    description: row.description,
    createdAt: row.created_at,
    volumeType: rec.typeName,
    snapshotId: row.snapshot_id,
    metadata: rec.metadata,
  };
}

async function info(cloud: Cloud, id: string): Promise<VolumeInfo | undefined> {
  const db = vdb(cloud);
  const row = await db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  return row && infoOf(await loadRecord(db, row));
}

/** A volume, or undefined. Pass projectId to see only that project's volumes (what a non-admin may see). */
export async function getVolume(cloud: Cloud, volumeId: string, projectId?: string): Promise<VolumeInfo | undefined> {
  const v = await info(cloud, volumeId);
  return v && (projectId === undefined || v.projectId === projectId) ? v : undefined;
}

/**
 * A project's volumes, oldest first, without those being deleted: what
 * Nova's volume proxy (os-volumes) lists for its caller.
 */
export async function listVolumes(cloud: Cloud, projectId: string): Promise<VolumeInfo[]> {
  const db = vdb(cloud);
  const rows = await db
    .selectFrom('volumes')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('status', '!=', 'deleting')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return (await loadRecords(db, rows)).map(infoOf);
}

/**
 * Reserves a volume for a server (Cinder's attachment_create without a
 * connector): available → reserved, or stays in-use for a multiattach volume
 * already attached elsewhere. 404 when the volume is missing (or belongs to
 * another project than projectId), 400 when its status does not allow it.
 */
export async function reserveVolume(
  cloud: Cloud,
  opts: { volumeId: string; serverId: string; projectId?: string },
): Promise<{ attachmentId: string }> {
  return vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const v = await trx.selectFrom('volumes').selectAll().where('id', '=', opts.volumeId).executeTakeFirst();
      if (!v || (opts.projectId !== undefined && v.project_id !== opts.projectId)) throw volumeNotFound(opts.volumeId);
      const a = await reserveAttachment(trx, v, { instanceUuid: opts.serverId });
      return { attachmentId: a.id };
    });
}

/**
 * Completes a reserved attachment: the volume becomes in-use, attached at
 * `device` if given, else /dev/vda for a root disk, else the server's next
 * free /dev/vdX from /dev/vdb. Returns the device.
 */
export async function attachVolume(
  cloud: Cloud,
  opts: { attachmentId: string; device?: string; root?: boolean; hostName?: string; mode?: 'rw' | 'ro' },
): Promise<{ device: string }> {
  return vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const { a, v } = await attachmentWithVolume(trx, opts.attachmentId);
      const done = await completeAttachment(trx, v, a, {
        mountpoint: opts.device ?? (opts.root ? '/dev/vda' : undefined),
        hostName: opts.hostName,
        mode: opts.mode,
      });
      return { device: done.mountpoint! };
    });
}

/** Ends an attachment (attached or only reserved); the volume is available again once no attachment is left. */
export async function detachVolume(cloud: Cloud, opts: { attachmentId: string }): Promise<void> {
  await vdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const { a, v } = await attachmentWithVolume(trx, opts.attachmentId);
      await removeAttachment(trx, v, a.id);
    });
}

/** Drops a reservation that was never attached (same as detachVolume; named for the Nova step it mirrors). */
export const unreserveVolume = (cloud: Cloud, attachmentId: string) => detachVolume(cloud, { attachmentId });

/** The attachment of a volume to a server, if any (to detach by server and volume). */
export async function findAttachment(cloud: Cloud, volumeId: string, serverId: string): Promise<string | undefined> {
  const a = await vdb(cloud)
    .selectFrom('volume_attachments')
    .select('id')
    .where('volume_id', '=', volumeId)
    .where('instance_uuid', '=', serverId)
    .executeTakeFirst();
  return a?.id;
}

/**
 * Who a call acts as: a user's token (Heat acts with its stack owner's), or
 * Nova's service token acting as a member of projectId.
 */
export type Actor = { auth: AuthContext } | { projectId: string; userId: string };

const callerOfActor = (by: Actor): Caller =>
  'auth' in by ? callerOfToken(by.auth) : serviceCaller(by.projectId, by.userId);

/**
 * Creates a volume (boot from volume, OS::Cinder::Volume: from an image, a
 * snapshot, a volume, a backup or blank) in status `creating`, with policy
 * and quota checked for the actor; poll getVolume or waitForVolume until it
 * is available.
 */
export async function createVolume(
  cloud: Cloud,
  opts: Actor & {
    size?: number;
    name?: string;
    description?: string;
    metadata?: Record<string, string>;
    imageId?: string;
    snapshotId?: string;
    sourceVolumeId?: string;
    backupId?: string;
    volumeType?: string;
    availabilityZone?: string;
  },
): Promise<VolumeInfo> {
  const caller = callerOfActor(opts);
  authorize(caller, 'member', 'volume:create');
  const rec = await create(cloud, caller, {
    size: opts.size,
    name: opts.name ?? null,
    description: opts.description ?? null,
    metadata: opts.metadata,
    imageId: opts.imageId,
    snapshotId: opts.snapshotId,
    sourceVolid: opts.sourceVolumeId,
    backupId: opts.backupId,
    volumeType: opts.volumeType,
    availabilityZone: opts.availabilityZone,
  });
  // as made, in the transaction that made it (the create task may already be running)
  return infoOf(rec);
}

/** Resolves when the volume leaves `creating` (or another transitional status); returns it. */
export async function waitForVolume(cloud: Cloud, volumeId: string, timeoutMs = 600_000): Promise<VolumeInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await info(cloud, volumeId);
    if (!v) throw volumeNotFound(volumeId);
    if (!['creating', 'downloading', 'extending', 'reverting', 'restoring-backup'].includes(v.status)) return v;
    if (Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Deletes a volume (it must be detached first): as its owner would
 * (delete_on_termination), or as the token given (policy and visibility
 * apply: another project's volume is a 404). A missing volume is no error.
 */
export async function deleteVolume(cloud: Cloud, volumeId: string, auth?: AuthContext): Promise<void> {
  const v = await info(cloud, volumeId);
  if (!v) return;
  const caller = callerOfActor(auth ? { auth } : { projectId: v.projectId, userId: 'nova' });
  authorize(caller, 'member', 'volume:delete');
  await remove(cloud, caller, volumeId);
}

/**
 * Cinder's re-image (3.68), what Nova's rebuild of a volume-backed server
 * asks from 2.93: the volume's data becomes the image's, in place, and its
 * image metadata is the new image's. The volume stays attached (in-use).
 */
export async function reimageVolume(cloud: Cloud, volumeId: string, imageId: string): Promise<void> {
  const v = await vdb(cloud)
    .selectFrom('volumes')
    .select(['id', 'size', 'project_id'])
    .where('id', '=', volumeId)
    .executeTakeFirst();
  if (!v) throw volumeNotFound(volumeId);
  const image = await findImage(cloud, serviceCaller(v.project_id, 'nova'), imageId);
  await volumeDriver(cloud.config).importImage(
    { kind: 'volume', id: volumeId },
    v.size,
    await imageFile(cloud, imageId),
  );
  await vdb(cloud)
    .transaction()
    .execute((trx) => replaceDict(trx, 'volume_image_metadata', volumeId, image.metadata));
}

/** Where the volume's bytes are, for a hypervisor: a raw file (or fake:// with the fake driver). */
export function volumePath(cloud: Cloud, volumeId: string): { path: string; format: 'raw' } {
  return volumeDriver(cloud.config).locate({ kind: 'volume', id: volumeId });
}

/** Compute acts for a project the way Nova's service token does: as a member of it. */
function serviceCaller(projectId: string, userId: string): Caller {
  return {
    projectId,
    userId,
    admin: false,
    auth: { projectId, userId, roles: ['member', 'reader'], isAdmin: false } as Caller['auth'],
  };
}
