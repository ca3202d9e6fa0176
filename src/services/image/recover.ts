import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cloud } from '../../cloud.js';
import { now } from '../../server/time.js';
import { fileSize, imagesDir, stagingPath } from './data.js';
import { setImportProps } from './import.js';
import { idb } from './store.js';

// Start-up recovery of image files (the rule is in README.md, "Crash
// recovery"). The record's status is the intent: an image has data under
// images/<id> only when active or deactivated; uploading (staged) only
// under images/staging/<id>. Nothing runs yet when this does, so every
// ".part" is the remains of a write a stop cut short.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const WITH_DATA = new Set(['active', 'deactivated']);

export interface ImageRecovery {
  /** Images put back to queued (an upload, stage or import that a stop cut short). */
  requeued: string[];
  /** Files removed (partial writes, data of deleted or dataless images). */
  removed: string[];
}

/** Whether a queued task will still fill the image (an import, a Nova snapshot, a Cinder upload to image). */
async function hasTask(cloud: Cloud, id: string): Promise<boolean> {
  const row = await cloud.db
    .selectFrom('tasks')
    .select('id')
    .where((eb) => eb.or([eb('resource_id', '=', id), eb('payload', 'like', `%${id}%`)]))
    .executeTakeFirst();
  return row !== undefined;
}

export async function recoverImageFiles(cloud: Cloud): Promise<ImageRecovery> {
  const db = idb(cloud);
  const out: ImageRecovery = { requeued: [], removed: [] };
  const requeue = async (id: string, from: string, set: Record<string, unknown> = {}) => {
    const r = await db
      .updateTable('images')
      .set({ status: 'queued', size: null, virtual_size: null, updated_at: now(), ...set })
      .where('id', '=', id)
      .where('status', '=', from as 'saving')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows)) out.requeued.push(id);
  };
  // half-done operations: finished when the data is whole, else rolled back
  const busy = await db
    .selectFrom('images')
    .select(['id', 'status'])
    .where('status', 'in', ['saving', 'uploading', 'importing'])
    .execute();
  for (const img of busy) {
    if (await hasTask(cloud, img.id)) continue;
    if (img.status === 'uploading') {
      // a staged file is renamed into place whole: the stage finished, only its size was not recorded
      const size = await fileSize(stagingPath(cloud, img.id));
      if (size !== undefined)
        await db.updateTable('images').set({ size, updated_at: now() }).where('id', '=', img.id).execute();
      else await requeue(img.id, 'uploading');
    } else if (img.status === 'importing') {
      await requeue(img.id, 'importing');
      await setImportProps(cloud, img.id, true);
    } else {
      // an HTTP upload (the client never got its answer): Glance's state after a failed upload
      await requeue(img.id, 'saving');
    }
  }
  const rows = await db.selectFrom('images').select(['id', 'status']).execute();
  const status = new Map(rows.map((r) => [r.id, r.status as string]));
  const sweep = async (dir: string, keep: (id: string) => boolean) => {
    for (const name of readdirSync(dir)) {
      const id = UUID.exec(name)?.[0];
      if (!id) continue; // the store's own files (.default-image.json, staging/)
      if (name === id && keep(id)) continue;
      await rm(join(dir, name), { force: true });
      out.removed.push(join(dir, name));
    }
  };
  await sweep(imagesDir(cloud), (id) => WITH_DATA.has(status.get(id) ?? ''));
  await sweep(join(imagesDir(cloud), 'staging'), (id) => ['uploading', 'importing'].includes(status.get(id) ?? ''));
  if (out.requeued.length || out.removed.length)
    cloud.log.info({ requeued: out.requeued, removed: out.removed }, 'image files recovered after a stop');
  return out;
}
