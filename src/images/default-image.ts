import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cloud } from '../cloud.js';
import { available } from '../host/exec.js';
import { getProjectByName } from '../services/identity/store.js';
import { DEFAULT_IMAGE_NAME } from '../services/image/bootstrap.js';
import { imagesDir } from '../services/image/data.js';
import { getVisibleImage, saveImage } from '../services/image/images.js';
import { idb } from '../services/image/store.js';
import { storeData } from '../services/image/upload.js';
import { imageProperties } from './register.js';
import { buildTiny } from './tiny/build.js';

// The default image (DevStack's CirrOS name) starts as a blank placeholder so
// that the API answers at once. When the host can build the tiny image, it is
// built in the background (seconds from the cache) and its data replaces the
// placeholder's in place: same id, so anything that already looked the
// image up keeps working; its size and checksums change once. A placeholder
// left by a stop during the build is upgraded at the next start.

/** Where start/status read how the upgrade went. */
const STATE_FILE = '.default-image.json';

/** The tools the tiny builder runs and the Debian packages that give them. */
export const TINY_TOOLS: Record<string, string> = {
  'apt-get': 'apt',
  'dpkg-deb': 'dpkg',
  sfdisk: 'fdisk',
  'mkfs.fat': 'dosfstools',
  mcopy: 'mtools',
  syslinux: 'syslinux',
  'qemu-img': 'qemu-utils',
};

export interface DefaultImageState {
  state: 'building' | 'ready' | 'blank';
  detail: string;
  at: string;
}

export function readDefaultImageState(dataDir: string): DefaultImageState | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'images', STATE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

function record(cloud: Cloud, state: DefaultImageState['state'], detail: string): void {
  const s: DefaultImageState = { state, detail, at: new Date().toISOString() };
  writeFileSync(join(imagesDir(cloud), STATE_FILE), `${JSON.stringify(s)}\n`);
  cloud.log.info({ defaultImage: s }, `default image: ${detail}`);
}

/** Packages missing for the tiny builder (empty when it can run here). */
export async function missingTinyTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const [cmd, pkg] of Object.entries(TINY_TOOLS)) if (!(await available(cmd))) missing.push(pkg);
  if (!(await available('apt-cache'))) missing.push('apt');
  return [...new Set(missing)];
}

async function placeholder(cloud: Cloud) {
  const admin = await getProjectByName(cloud, 'default', 'admin');
  if (!admin) return undefined;
  const rows = await idb(cloud)
    .selectFrom('images')
    .select('id')
    .where('name', '=', DEFAULT_IMAGE_NAME)
    .where('owner', '=', admin.id)
    .where('status', '=', 'active')
    .execute();
  const caller = { projectId: admin.id, isAdmin: true };
  for (const { id } of rows) {
    const image = await getVisibleImage(cloud, caller, id);
    if (String(image.properties.description ?? '').startsWith('pocketstack default image: a blank'))
      return { image, caller };
  }
  return undefined;
}

/**
 * Builds the tiny image and puts it in place of the blank default image.
 * Resolves with what happened (never rejects: the placeholder stays on failure).
 * `closed()` says whether the cloud closed meanwhile (then nothing is written).
 */
export async function upgradeDefaultImage(
  cloud: Cloud,
  closed: () => boolean = () => false,
): Promise<DefaultImageState['state']> {
  try {
    if (!(await placeholder(cloud))) return 'blank';
    const missing = await missingTinyTools();
    if (missing.length) {
      record(cloud, 'blank', `a blank placeholder (to build the tiny image: apt-get install ${missing.join(' ')})`);
      return 'blank';
    }
    record(cloud, 'building', 'building the tiny image in the background');
    const built = await buildTiny();
    const found = await placeholder(cloud);
    if (closed() || !found) return 'blank';
    const { image, caller } = found;
    await storeData(cloud, image, createReadStream(built.path), { from: 'active' });
    const fresh = await getVisibleImage(cloud, caller, image.id);
    fresh.properties = {
      ...imageProperties('tiny', built.key, { os_distro: 'cirros', os_admin_user: 'cirros' }),
      description: `pocketstack tiny image (CirrOS-like: Debian cloud kernel ${built.kernel}, busybox, dropbear)`,
    };
    await saveImage(cloud, fresh, 'active');
    record(
      cloud,
      'ready',
      `the tiny image (${built.cached ? 'from the cache' : `built in ${Math.round(built.ms / 1000)} s`})`,
    );
    return 'ready';
  } catch (err) {
    if (!closed()) record(cloud, 'blank', `a blank placeholder (the tiny build failed: ${(err as Error).message})`);
    return 'blank';
  }
}
