import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { ApiError, BadRequest, NotFound } from '../../server/errors.js';
import {
  attachVolume,
  createVolume,
  deleteVolume,
  detachVolume,
  getVolume,
  reserveVolume,
  type VolumeInfo,
  volumePath,
  waitForVolume,
} from '../volume/internal.js';
import { createSnapshot, deleteSnapshot } from '../volume/snapshots.js';
import { type SnapshotRow, vdb } from '../volume/store.js';
import type { VolumeRecord } from '../volume/views.js';
import {
  createVolume as createVolumeOf,
  deleteVolume as deleteVolumeOf,
  loadRecord,
  loadRecords,
  visibleSnapshot,
  visibleVolume,
} from '../volume/volumes.js';

// Nova's view of the volume service, through its in-process API: reserve
// and attach (Cinder's attachments), detach, and the volumes Nova makes for
// boot from volume. Refusals are reworded into Nova's messages.

export type { VolumeInfo } from '../volume/internal.js';

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

/** Completes a reserved attachment at `device` (volume → in-use). */
export async function complete(
  cloud: Cloud,
  attachmentId: string,
  device: string,
  host: string | null,
): Promise<string> {
  const { device: at } = await attachVolume(cloud, { attachmentId, device, hostName: host ?? undefined });
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

export async function removeVolume(cloud: Cloud, volumeId: string): Promise<void> {
  await deleteVolume(cloud, volumeId);
}

/** Where the volume's data is, for the driver. */
export function volumeLocation(cloud: Cloud, volumeId: string): string {
  return volumePath(cloud, volumeId).path;
}

// The volume proxy of Nova 2.1–2.35 (/os-volumes, /os-snapshots) lists,
// creates and deletes; the volume service's internal API has no such calls
// yet, so these use its own functions, with its own checks, as the caller.

export interface ProxyVolume {
  id: string;
  status: string;
  size: number;
  availability_zone: string;
  created_at: string;
  name: string | null;
  description: string | null;
  type: string | null;
  snapshot_id: string | null;
  metadata: Record<string, string>;
  attachments: { serverId: string | null; device: string | null }[];
}

function callerFor(ctx: AuthContext) {
  return { auth: ctx, projectId: ctx.projectId ?? '', userId: ctx.userId, admin: ctx.isAdmin };
}

function proxyView(r: VolumeRecord): ProxyVolume {
  return {
    id: r.row.id,
    status: r.row.status,
    size: r.row.size,
    availability_zone: r.row.availability_zone,
    created_at: r.row.created_at,
    name: r.row.name,
    description: r.row.description,
    type: r.typeName,
    snapshot_id: r.row.snapshot_id,
    metadata: r.metadata,
    attachments: r.attachments
      .filter((a) => a.attach_status === 'attached')
      .map((a) => ({ serverId: a.instance_uuid, device: a.mountpoint })),
  };
}

/** The caller's project's volumes, oldest first. */
export async function listVolumesAs(ctx: AuthContext, cloud: Cloud): Promise<ProxyVolume[]> {
  const db = vdb(cloud);
  const rows = await db
    .selectFrom('volumes')
    .selectAll()
    .where('project_id', '=', ctx.projectId ?? '')
    .where('status', '!=', 'deleting')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return (await loadRecords(db, rows)).map(proxyView);
}

export async function showVolumeAs(cloud: Cloud, ctx: AuthContext, id: string): Promise<ProxyVolume> {
  const db = vdb(cloud);
  const row = await visibleVolume(db, callerFor(ctx), id).catch(() => {
    throw new NotFound(`Volume ${id} could not be found.`);
  });
  return proxyView(await loadRecord(db, row));
}

export async function createVolumeAs(
  cloud: Cloud,
  ctx: AuthContext,
  input: {
    size: number;
    name?: string;
    description?: string;
    type?: string;
    zone?: string;
    snapshotId?: string;
    metadata?: Record<string, string>;
  },
): Promise<ProxyVolume> {
  const rec = await createVolumeOf(cloud, callerFor(ctx), {
    size: input.size,
    name: input.name ?? null,
    description: input.description ?? null,
    volumeType: input.type,
    availabilityZone: input.zone ?? null,
    snapshotId: input.snapshotId,
    metadata: input.metadata,
  });
  return proxyView(rec);
}

export async function deleteVolumeAs(cloud: Cloud, ctx: AuthContext, id: string): Promise<void> {
  await showVolumeAs(cloud, ctx, id);
  await deleteVolumeOf(cloud, callerFor(ctx), id);
}

export async function listSnapshotsAs(cloud: Cloud, ctx: AuthContext): Promise<SnapshotRow[]> {
  return vdb(cloud)
    .selectFrom('volume_snapshots')
    .selectAll()
    .where('project_id', '=', ctx.projectId ?? '')
    .where('status', '!=', 'deleting')
    .orderBy('created_at')
    .execute();
}

export async function showSnapshotAs(cloud: Cloud, ctx: AuthContext, id: string): Promise<SnapshotRow> {
  return visibleSnapshot(vdb(cloud), callerFor(ctx), id).catch(() => {
    throw new NotFound(`Snapshot ${id} could not be found.`);
  });
}

export async function createSnapshotAs(
  cloud: Cloud,
  ctx: AuthContext,
  input: { volumeId: string; force: boolean; name?: string; description?: string },
): Promise<SnapshotRow> {
  return createSnapshot(cloud, callerFor(ctx), {
    volumeId: input.volumeId,
    force: input.force,
    allowInUse: false,
    name: input.name ?? null,
    description: input.description ?? null,
  });
}

export async function deleteSnapshotAs(cloud: Cloud, ctx: AuthContext, id: string): Promise<void> {
  await showSnapshotAs(cloud, ctx, id);
  await deleteSnapshot(cloud, callerFor(ctx), id);
}
