import { requestId, uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import type { VolumeDb, VolumeTrx } from './store.js';

// User messages (cinder/message): why an asynchronous operation failed, in
// words a user may see. Cinder builds each from an action and a detail
// (message_field.py) and keeps it for message_ttl (30 days).

export const ACTION = {
  scheduleAllocateVolume: ['001', 'schedule allocate volume'],
  copyVolumeToImage: ['003', 'copy volume to image'],
  copyImageToVolume: ['005', 'copy image to volume'],
  extendVolume: ['007', 'extend volume'],
} as const;

export const DETAIL = {
  unknownError: ['001', 'An unknown error occurred.'],
  noBackendAvailable: ['003', 'Could not find any available weighted backend.'],
  failedToUploadVolume: ['004', 'Failed to upload volume to image at backend.'],
  driverFailedExtend: ['010', 'Volume Driver failed to extend volume.'],
} as const;

const TTL_MS = 30 * 24 * 3600 * 1000;

/** Records an ERROR message about a volume for the volume's project (none when the volume is gone). */
export async function recordMessage(
  db: VolumeDb | VolumeTrx,
  opts: {
    volumeId: string;
    action: (typeof ACTION)[keyof typeof ACTION];
    detail: (typeof DETAIL)[keyof typeof DETAIL];
  },
): Promise<void> {
  const v = await db.selectFrom('volumes').select('project_id').where('id', '=', opts.volumeId).executeTakeFirst();
  if (!v) return;
  const created = now();
  await db
    .insertInto('volume_messages')
    .values({
      id: uuid(),
      project_id: v.project_id,
      // the request that started the work is over: a fresh id, as Cinder's manager context has one
      request_id: requestId(),
      resource_type: 'VOLUME',
      resource_uuid: opts.volumeId,
      event_id: `VOLUME_VOLUME_${opts.action[0]}_${opts.detail[0]}`,
      message_level: 'ERROR',
      user_message: `${opts.action[1]}:${opts.detail[1]}`,
      created_at: created,
      expires_at: new Date(Date.parse(created) + TTL_MS).toISOString(),
    })
    .execute();
}
