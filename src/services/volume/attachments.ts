import type { Cloud } from '../../cloud.js';
import { volumeDriver } from '../../drivers/volume/index.js';
import { BadRequest } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { toJson } from '../../store/json.js';
import { invalidVolume } from './errors.js';
import { allowedFrom } from './states.js';
import type { AttachmentRow, VolumeRow, VolumeTrx } from './store.js';
import { putDict } from './volumes.js';

// Attach and detach, shared by the attachments API (3.27), the older
// os-reserve/os-attach/os-detach actions and the compute service
// (internal.ts). An attachment goes reserved → attaching → attached and is
// deleted on detach; the volume goes available → reserved/attaching →
// in-use → detaching → available (in-use while other attachments remain).

/** Creates a `reserved` attachment for a server (Cinder's _attachment_reserve). */
export async function reserveAttachment(
  trx: VolumeTrx,
  v: VolumeRow,
  opts: { instanceUuid: string | null; connector?: unknown; mode?: string },
): Promise<AttachmentRow> {
  if (v.status.includes('error'))
    throw invalidVolume(
      `Volume attachments can not be created if the volume is in an error state. The Volume ${v.id} currently has a status of: ${v.status} `,
    );
  const allowed = allowedFrom('attachment_reserve', v);
  if (!allowed.includes(v.status)) {
    // Nova re-reserving a volume for the same server (migrations) is allowed
    const same =
      opts.instanceUuid &&
      (v.status === 'in-use' || v.status === 'reserved') &&
      (await trx
        .selectFrom('volume_attachments')
        .select('id')
        .where('volume_id', '=', v.id)
        .where('instance_uuid', '=', opts.instanceUuid)
        .executeTakeFirst());
    if (!same)
      throw invalidVolume(
        `Volume ${v.id} status must be ${allowed.join(' or ')} to reserve, but the current status is ${v.status}.`,
      );
  }
  const at = now();
  if (v.status !== 'in-use') await setVolumeStatus(trx, v.id, 'reserved');
  const row: AttachmentRow = {
    id: uuid(),
    volume_id: v.id,
    instance_uuid: opts.instanceUuid,
    attached_host: null,
    mountpoint: null,
    attach_mode: opts.mode ?? 'rw',
    attach_status: 'reserved',
    connector: opts.connector ? toJson(opts.connector) : null,
    attach_time: null,
    detach_time: null,
    created_at: at,
    updated_at: null,
  };
  await trx.insertInto('volume_attachments').values(row).execute();
  return row;
}

/**
 * Marks an attachment attached at a device and the volume in-use. The
 * device is the one given, or the server's next free /dev/vdX (vdb on).
 */
export async function completeAttachment(
  trx: VolumeTrx,
  v: VolumeRow,
  a: AttachmentRow,
  opts: { mountpoint?: string | null; hostName?: string | null; mode?: string },
): Promise<AttachmentRow> {
  const mode = opts.mode ?? a.attach_mode ?? 'rw';
  const admin = await trx
    .selectFrom('volume_admin_metadata')
    .select(['key', 'value'])
    .where('volume_id', '=', v.id)
    .execute();
  const readonly = admin.find((r) => r.key === 'readonly')?.value === 'True';
  if (readonly && mode !== 'ro') throw new BadRequest(`Invalid attaching mode '${mode}' for volume ${v.id}.`);
  if (mode !== 'rw' && mode !== 'ro') throw new BadRequest(`Invalid attaching mode '${mode}' for volume ${v.id}.`);
  const mountpoint = opts.mountpoint ?? (a.instance_uuid ? await nextDevice(trx, a.instance_uuid) : null);
  const at = now();
  const done = {
    ...a,
    mountpoint,
    attached_host: opts.hostName ?? a.attached_host,
    attach_mode: mode,
    attach_status: 'attached',
    attach_time: at,
    updated_at: at,
  };
  await trx
    .updateTable('volume_attachments')
    .set({
      mountpoint,
      attached_host: done.attached_host,
      attach_mode: mode,
      attach_status: 'attached',
      attach_time: at,
      updated_at: at,
    })
    .where('id', '=', a.id)
    .execute();
  await putDict(trx, 'volume_admin_metadata', v.id, { readonly: readonly ? 'True' : 'False', attached_mode: mode });
  await setVolumeStatus(trx, v.id, 'in-use');
  return done;
}

/** Removes an attachment; the volume is available again when none is left (in-use otherwise). */
export async function removeAttachment(trx: VolumeTrx, v: VolumeRow, attachmentId: string): Promise<void> {
  await trx.deleteFrom('volume_attachments').where('id', '=', attachmentId).execute();
  const left = await trx
    .selectFrom('volume_attachments')
    .select('attach_status')
    .where('volume_id', '=', v.id)
    .execute();
  const attached = left.some((a) => a.attach_status === 'attached');
  if (!attached)
    await trx
      .deleteFrom('volume_admin_metadata')
      .where('volume_id', '=', v.id)
      .where('key', '=', 'attached_mode')
      .execute();
  const status = attached ? 'in-use' : left.length > 0 ? 'reserved' : 'available';
  await setVolumeStatus(trx, v.id, status);
}

export async function setVolumeStatus(trx: VolumeTrx, id: string, status: string): Promise<void> {
  await trx.updateTable('volumes').set({ status, updated_at: now() }).where('id', '=', id).execute();
}

/** The first /dev/vdX (from vdb; vda is the root disk) no attachment of the server uses. */
export async function nextDevice(trx: VolumeTrx, serverId: string, from = 'b'): Promise<string> {
  const used = new Set(
    (
      await trx.selectFrom('volume_attachments').select('mountpoint').where('instance_uuid', '=', serverId).execute()
    ).map((r) => r.mountpoint),
  );
  for (let c = from.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const dev = `/dev/vd${String.fromCharCode(c)}`;
    if (!used.has(dev)) return dev;
  }
  throw invalidVolume(`No free device name left on server ${serverId}.`);
}

/**
 * What a hypervisor needs to connect the volume: os-brick's "local"
 * connector, since the volume is a file on this host.
 */
export function connectionInfo(cloud: Cloud, volumeId: string, mode: string, _connector: Record<string, unknown>) {
  const where = volumeDriver(cloud.config).locate({ kind: 'volume', id: volumeId });
  return {
    driver_volume_type: 'local',
    data: {
      device_path: where.path,
      format: where.format,
      volume_id: volumeId,
      access_mode: mode,
      encrypted: false,
      discard: true,
    },
  };
}
