import type { Cloud } from '../../../cloud.js';
import type { GuestVolume } from '../../../drivers/compute/driver.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { complete, createBootVolume, novaVolume, release, removeVolume, reserve, volumeLocation } from '../cinder.js';
import { type BdmRow, type ComputeDb, cdb } from '../store.js';
import { toBool } from '../validation.js';
import type { Instance } from './model.js';

// Block device mappings: what a server boots from (an image on local disk,
// or a volume) and the volumes attached to it, in Nova's words. Volumes are
// the volume service's; Nova keeps the mapping and the attachment id.

export type NewBdm = Omit<BdmRow, 'id' | 'instance_uuid' | 'created_at'>;

const int = (v: unknown): number | null => (v === undefined || v === null || v === '' ? null : Number(v));

/**
 * Reads block_device_mapping(_v2) of a create request. Returns the mappings
 * and the image to boot from when one mapping is "image → local, boot 0".
 */
export function parseBlockDevices(server: Record<string, any>): { bdms: NewBdm[]; bootImage?: string } {
  const out: NewBdm[] = [];
  let bootImage: string | undefined;
  const legacy = (server.block_device_mapping ?? []) as Record<string, any>[];
  for (const b of legacy) {
    if (!b.volume_id && !b.snapshot_id) continue;
    out.push(
      mapping({
        ...b,
        source_type: b.volume_id ? 'volume' : 'snapshot',
        destination_type: 'volume',
        uuid: b.volume_id ?? b.snapshot_id,
      }),
    );
  }
  for (const b of (server.block_device_mapping_v2 ?? []) as Record<string, any>[]) {
    const source =
      b.source_type ?? (b.volume_id ? 'volume' : b.snapshot_id ? 'snapshot' : b.image_id ? 'image' : 'blank');
    const dest = b.destination_type ?? (source === 'volume' || source === 'snapshot' ? 'volume' : 'local');
    const id = b.uuid ?? b.volume_id ?? b.snapshot_id ?? b.image_id;
    if (source === 'image' && dest === 'local') {
      if (int(b.boot_index) !== 0)
        throw new BadRequest(
          'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.',
        );
      bootImage = String(id);
      continue;
    }
    if (dest === 'local') continue; // ephemeral and swap disks: the flavor's business
    if (source === 'snapshot') throw new BadRequest('pocketstack cannot boot from volume snapshots yet.');
    if (source !== 'blank' && !id) throw new BadRequest(`Block Device Mapping is Invalid: Missing device UUID.`);
    out.push(mapping({ ...b, source_type: source, destination_type: dest, uuid: id }));
  }
  const boots = out.filter((b) => b.boot_index === 0);
  if (boots.length > 1 || (boots.length === 1 && bootImage))
    throw new BadRequest(
      'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.',
    );
  return { bdms: out, bootImage };
}

function mapping(b: Record<string, any>): NewBdm {
  const source = b.source_type as string;
  const boot = int(b.boot_index);
  return {
    uuid: uuid(),
    source_type: source,
    destination_type: 'volume',
    volume_id: source === 'volume' ? String(b.uuid) : null,
    image_id: source === 'image' ? String(b.uuid) : null,
    snapshot_id: null,
    device_name: b.device_name
      ? String(b.device_name).startsWith('/dev/')
        ? b.device_name
        : `/dev/${b.device_name}`
      : null,
    boot_index: boot === null || boot < 0 ? null : boot,
    volume_size: int(b.volume_size),
    volume_type: b.volume_type ?? null,
    delete_on_termination:
      b.delete_on_termination === undefined ? (source === 'volume' ? 0 : 1) : toBool(b.delete_on_termination) ? 1 : 0,
    tag: b.tag ?? null,
    attachment_id: null,
  };
}

/** Checks the volumes a request names and reserves them for the servers; undone if anything later fails. */
export async function reserveRequested(
  cloud: Cloud,
  projectId: string,
  bdms: NewBdm[],
  serverId: string,
): Promise<NewBdm[]> {
  const out: NewBdm[] = [];
  try {
    for (const b of bdms) {
      if (b.source_type !== 'volume') {
        if (b.source_type === 'image' && !b.volume_size)
          throw new BadRequest("Images with destination_type 'volume' need to have a non-zero size specified");
        out.push(b);
        continue;
      }
      const v = await novaVolume(cloud, b.volume_id!, projectId).catch((e) => {
        if (e instanceof NotFound) throw new BadRequest(`Volume ${b.volume_id} could not be found.`);
        throw e;
      });
      if (b.boot_index === 0 && !v.bootable) throw new BadRequest(`Block Device ${v.id} is not bootable.`);
      out.push({ ...b, attachment_id: await reserve(cloud, v.id, serverId, projectId) });
    }
  } catch (e) {
    await unreserve(cloud, out);
    throw e;
  }
  return out;
}

export async function unreserve(cloud: Cloud, bdms: NewBdm[]): Promise<void> {
  for (const b of bdms) if (b.attachment_id) await release(cloud, b.attachment_id).catch(() => undefined);
}

export async function insertBdms(db: ComputeDb, instanceUuid: string, bdms: NewBdm[]): Promise<void> {
  if (bdms.length === 0) return;
  const at = now();
  await db
    .insertInto('nova_bdms')
    .values(bdms.map((b) => ({ ...b, instance_uuid: instanceUuid, created_at: at })))
    .execute();
}

/** The next free /dev/vdX of an instance (vda is the root disk). */
export async function nextDevice(db: ComputeDb, instanceUuid: string): Promise<string> {
  const used = new Set(
    (await db.selectFrom('nova_bdms').select('device_name').where('instance_uuid', '=', instanceUuid).execute()).map(
      (b) => b.device_name,
    ),
  );
  used.add('/dev/vda');
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const d = `/dev/vd${String.fromCharCode(c)}`;
    if (!used.has(d)) return d;
  }
  throw new BadRequest("No free disk device names for prefix 'vd'");
}

/**
 * At build: makes the volumes the mappings ask for (image → volume, blank)
 * and completes every attachment. Returns what the driver attaches.
 */
export async function connectVolumes(cloud: Cloud, i: Instance): Promise<GuestVolume[]> {
  const db = cdb(cloud);
  const bdms = await db.selectFrom('nova_bdms').selectAll().where('instance_uuid', '=', i.uuid).orderBy('id').execute();
  const out: GuestVolume[] = [];
  for (const b of bdms) {
    let volumeId = b.volume_id;
    let attachmentId = b.attachment_id;
    if (!volumeId) {
      const v = await createBootVolume(cloud, {
        projectId: i.project_id,
        userId: i.user_id,
        size: b.volume_size ?? i.root_gb,
        imageId: b.image_id ?? undefined,
        volumeType: b.volume_type ?? undefined,
        name: '',
      });
      volumeId = v.id;
      await db.updateTable('nova_bdms').set({ volume_id: volumeId }).where('id', '=', b.id).execute();
    }
    if (!attachmentId) {
      attachmentId = await reserve(cloud, volumeId, i.uuid);
      await db.updateTable('nova_bdms').set({ attachment_id: attachmentId }).where('id', '=', b.id).execute();
    }
    const device = b.device_name ?? (b.boot_index === 0 ? '/dev/vda' : await nextDevice(db, i.uuid));
    const at = await complete(cloud, attachmentId, device, i.host);
    await db.updateTable('nova_bdms').set({ device_name: at }).where('id', '=', b.id).execute();
    out.push({ volume_id: volumeId, device: at, path: volumeLocation(cloud, volumeId) });
  }
  return out;
}

/** At delete: ends every attachment and deletes the volumes marked delete_on_termination. */
export async function disconnectVolumes(cloud: Cloud, instanceUuid: string): Promise<void> {
  const db = cdb(cloud);
  const bdms = await db.selectFrom('nova_bdms').selectAll().where('instance_uuid', '=', instanceUuid).execute();
  for (const b of bdms) {
    if (b.attachment_id) await release(cloud, b.attachment_id);
    if (b.volume_id && b.delete_on_termination) await removeVolume(cloud, b.volume_id).catch(() => undefined);
    await db.deleteFrom('nova_bdms').where('id', '=', b.id).execute();
  }
}

/** Whether the instance boots from a volume (its root disk is not local). */
export async function isVolumeBacked(db: ComputeDb, instanceUuid: string): Promise<boolean> {
  const root = await db
    .selectFrom('nova_bdms')
    .select('id')
    .where('instance_uuid', '=', instanceUuid)
    .where('boot_index', '=', 0)
    .executeTakeFirst();
  return !!root;
}

/** The volumes attached to an instance now, as the driver sees them. */
export async function guestVolumes(cloud: Cloud, instanceUuid: string): Promise<GuestVolume[]> {
  const bdms = await cdb(cloud)
    .selectFrom('nova_bdms')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('volume_id', 'is not', null)
    .where('device_name', 'is not', null)
    .orderBy('id')
    .execute();
  return bdms.map((b) => ({
    volume_id: b.volume_id!,
    device: b.device_name!,
    path: volumeLocation(cloud, b.volume_id!),
  }));
}
