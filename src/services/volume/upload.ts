import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cloud } from '../../cloud.js';
import { scratchDir } from '../../data-dir.js';
import { volumeDriver } from '../../drivers/volume/index.js';
import { BadRequest } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { createSnapshotImage, failImage, fillImageFromFile } from '../image/internal.js';
import { invalidVolume } from './errors.js';
import { ACTION, DETAIL, recordMessage } from './messages.js';
import type { Caller } from './policy.js';
import { vdb } from './store.js';
import { visibleVolume } from './volumes.js';

// os-volume_upload_image: the volume's bytes become a new Glance image. The
// image is recorded (saving) and the volume marked `uploading` before the
// answer; the task converts the volume into the asked disk format and hands
// the file to the image service.

const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx'];
/** Image properties Cinder does not copy from volume_image_metadata (Glance's core ones). */
const CORE = new Set([
  'image_id',
  'image_name',
  'checksum',
  'container_format',
  'disk_format',
  'min_disk',
  'min_ram',
  'size',
  'status',
  'owner',
  'visibility',
  'protected',
  'os_hash_algo',
  'os_hash_value',
  'virtual_size',
]);

export interface UploadInput {
  imageName: string;
  diskFormat: string;
  containerFormat: string;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  protected?: boolean;
}

export async function uploadToImage(cloud: Cloud, caller: Caller, volumeId: string, input: UploadInput) {
  if (!DISK_FORMATS.includes(input.diskFormat))
    throw new BadRequest(
      `Invalid disk-format '${input.diskFormat}' is specified. Allowed disk-formats are ${DISK_FORMATS.join(', ')}.`,
    );
  const db = vdb(cloud);
  // the volume is claimed first (available → uploading), so two uploads cannot race
  const { v, properties, typeName } = await db.transaction().execute(async (trx) => {
    const v = await visibleVolume(trx, caller, volumeId);
    // DevStack leaves enable_force_upload off: `force` is ignored and in-use volumes are refused
    if (v.status !== 'available') throw invalidVolume(`Volume ${v.id} status must be available`);
    await trx
      .updateTable('volumes')
      .set({ status: 'uploading', previous_status: v.status, updated_at: now() })
      .where('id', '=', v.id)
      .execute();
    const meta = await trx
      .selectFrom('volume_image_metadata')
      .select(['key', 'value'])
      .where('volume_id', '=', v.id)
      .execute();
    const t = await trx
      .selectFrom('volume_types')
      .select(['id', 'name', 'description', 'is_public'])
      .where('id', '=', v.volume_type_id)
      .executeTakeFirst();
    return {
      v,
      properties: Object.fromEntries(meta.filter((m) => !CORE.has(m.key)).map((m) => [m.key, m.value])),
      typeName: t,
    };
  });
  let image: Awaited<ReturnType<typeof createSnapshotImage>>;
  try {
    image = await createSnapshotImage(
      cloud,
      { projectId: caller.projectId, isAdmin: caller.admin },
      {
        name: input.imageName,
        visibility: input.visibility ?? 'private',
        disk_format: input.diskFormat,
        container_format: input.containerFormat,
        properties,
      },
    );
    await db
      .transaction()
      .execute((trx) =>
        cloud.tasks.enqueue('volume.upload', v.id, { imageId: image.id, diskFormat: input.diskFormat }, trx),
      );
  } catch (e) {
    await db.updateTable('volumes').set({ status: v.status, previous_status: null }).where('id', '=', v.id).execute();
    throw e;
  }
  const out: Record<string, unknown> = {
    id: v.id,
    updated_at: v.updated_at,
    status: 'uploading',
    display_description: v.description,
    size: v.size,
    volume_type: typeName
      ? { id: typeName.id, name: typeName.name, description: typeName.description, is_public: !!typeName.is_public }
      : null,
    image_id: image.id,
    container_format: image.container_format,
    disk_format: image.disk_format,
    image_name: image.name,
  };
  if (input.protected !== undefined) out.protected = input.protected;
  if (input.visibility !== undefined) out.visibility = image.visibility;
  return out;
}

export function registerUploadTask(cloud: Cloud): void {
  const db = vdb(cloud);
  const back = async (id: string) => {
    const v = await db.selectFrom('volumes').select('previous_status').where('id', '=', id).executeTakeFirst();
    await db
      .updateTable('volumes')
      .set({ status: v?.previous_status ?? 'available', previous_status: null, updated_at: now() })
      .where('id', '=', id)
      .where('status', '=', 'uploading')
      .execute();
  };
  cloud.tasks.register<{ imageId: string; diskFormat: string }>('volume.upload', {
    async run({ resourceId, payload }) {
      const tmp = join(scratchDir(cloud.config.dataDir), `upload-${randomBytes(6).toString('hex')}`);
      try {
        await volumeDriver(cloud.config).exportImage({ kind: 'volume', id: resourceId }, tmp, payload.diskFormat);
        await fillImageFromFile(cloud, payload.imageId, tmp);
      } finally {
        await rm(tmp, { force: true });
      }
      await back(resourceId);
    },
    async failed({ resourceId, payload }) {
      await failImage(cloud, payload.imageId, 'killed').catch(() => {});
      await back(resourceId);
      await recordMessage(db, {
        volumeId: resourceId,
        action: ACTION.copyVolumeToImage,
        detail: DETAIL.failedToUploadVolume,
      });
    },
  });
}
