import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { background } from '../../store/postgres.js';
import { getProjectByName } from '../identity/store.js';
import { ensureDirs, imagesDir } from './data.js';
import { blankQcow2 } from './disk.js';
import { createImage } from './images.js';
import { IMPORT_TASK, importTask } from './import.js';
import { seedResourceTypes } from './metadefs/namespaces.js';
import { recoverImageFiles } from './recover.js';
import { idb } from './store.js';
import { storeData } from './upload.js';

/** DevStack registers CirrOS under this name; tools and habits look for it. */
export const DEFAULT_IMAGE_NAME = 'cirros-0.6.2-x86_64-disk';
/** CirrOS 0.6.2's virtual size. */
const DEFAULT_VIRTUAL_SIZE = 112 * 1024 * 1024;
/** Recorded once the default image was made: a user who deletes it does not get it back. */
const SEEDED = 'default_image_seeded';
/** Where older versions recorded it: a file that outlived a deleted database (now the database says). */
const OLD_MARKER = '.default-image-seeded';

/**
 * Every start: the store's directories, the import task, and the recovery
 * of what a stop cut short (recover.ts). First start: the default image.
 */
export async function bootstrapImages(cloud: Cloud): Promise<void> {
  ensureDirs(cloud);
  cloud.tasks.register(IMPORT_TASK, importTask(cloud));
  if (cloud.leadership.leading) await background(() => recoverImageFiles(cloud));
  await seedResourceTypes(cloud);
  const seeded = await idb(cloud).selectFrom('image_meta').select('value').where('key', '=', SEEDED).executeTakeFirst();
  if (!seeded) {
    await seedDefaultImage(cloud);
    await idb(cloud).insertInto('image_meta').values({ key: SEEDED, value: new Date().toISOString() }).execute();
  }
  rmSync(join(imagesDir(cloud), OLD_MARKER), { force: true });
}

/**
 * A small public qcow2 owned by the admin project, like the CirrOS image
 * DevStack registers. pocketstack writes it itself (a blank disk; nothing
 * boots from it yet).
 */
async function seedDefaultImage(cloud: Cloud): Promise<void> {
  const admin = await getProjectByName(cloud, 'default', 'admin');
  const exists = await idb(cloud)
    .selectFrom('images')
    .select(['id', 'status'])
    .where('name', '=', DEFAULT_IMAGE_NAME)
    .executeTakeFirst();
  // a first start cut short before the data was in: made again
  if (exists?.status === 'queued') await idb(cloud).deleteFrom('images').where('id', '=', exists.id).execute();
  else if (exists) return;
  if (!admin) return;
  const image = await createImage(
    cloud,
    { projectId: admin.id, isAdmin: true },
    {
      name: DEFAULT_IMAGE_NAME,
      visibility: 'public',
      disk_format: 'qcow2',
      container_format: 'bare',
      status: 'saving',
      properties: { description: 'pocketstack default image: a blank qcow2 standing in for CirrOS' },
    },
  );
  await storeData(cloud, image, Readable.from([blankQcow2(DEFAULT_VIRTUAL_SIZE)]));
}
