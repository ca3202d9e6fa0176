import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { getProjectByName } from '../identity/store.js';
import { ensureDirs, imagesDir } from './data.js';
import { blankQcow2 } from './disk.js';
import { createImage } from './images.js';
import { IMPORT_TASK, importTask } from './import.js';
import { seedResourceTypes } from './metadefs/namespaces.js';
import { idb } from './store.js';
import { storeData, transition, UPLOAD_PART } from './upload.js';

/** DevStack registers CirrOS under this name; tools and habits look for it. */
export const DEFAULT_IMAGE_NAME = 'cirros-0.6.2-x86_64-disk';
/** CirrOS 0.6.2's virtual size. */
const DEFAULT_VIRTUAL_SIZE = 112 * 1024 * 1024;
/** Recorded once the default image was made: a user who deletes it does not get it back. */
const SEEDED = 'default_image_seeded';
/** Where older versions recorded it: a file that outlived a deleted database (now the database says). */
const OLD_MARKER = '.default-image-seeded';

/**
 * Every start: the store's directories, the import task, and the remains of
 * uploads a stop cut short (their images go back to queued, as after a
 * failed upload). First start: the default image.
 */
export async function bootstrapImages(cloud: Cloud): Promise<void> {
  ensureDirs(cloud);
  cloud.tasks.register(IMPORT_TASK, importTask(cloud));
  await cleanInterruptedUploads(cloud);
  await seedResourceTypes(cloud);
  const seeded = await idb(cloud).selectFrom('image_meta').select('value').where('key', '=', SEEDED).executeTakeFirst();
  if (!seeded) {
    await seedDefaultImage(cloud);
    await idb(cloud).insertInto('image_meta').values({ key: SEEDED, value: new Date().toISOString() }).execute();
  }
  rmSync(join(imagesDir(cloud), OLD_MARKER), { force: true });
}

async function cleanInterruptedUploads(cloud: Cloud): Promise<void> {
  for (const name of readdirSync(imagesDir(cloud))) {
    if (!name.endsWith('.part')) continue;
    rmSync(join(imagesDir(cloud), name), { force: true });
    // an HTTP upload died with the process; an in-process fill is its caller's to retry
    if (name.endsWith(`${UPLOAD_PART}.part`))
      await transition(cloud, name.slice(0, -`${UPLOAD_PART}.part`.length), 'saving', 'queued');
  }
  for (const name of readdirSync(join(imagesDir(cloud), 'staging')))
    if (name.endsWith('.part')) rmSync(join(imagesDir(cloud), 'staging', name), { force: true });
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
    .select('id')
    .where('name', '=', DEFAULT_IMAGE_NAME)
    .executeTakeFirst();
  if (!admin || exists) return;
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
