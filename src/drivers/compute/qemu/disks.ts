import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { qemuFormat } from '../../../host/disk-files.js';
import { run } from '../../../host/exec.js';
import { assertId } from '../../../host/names.js';
import { type BootFile, baseDir, type GuestFiles, type GuestRecord, instancesDir } from './layout.js';

// A guest's disks, as Nova's libvirt driver makes them with the qcow2 image
// backend: a copy-on-write overlay on a cached base image, blank ephemeral
// and swap disks, the config drive as an ISO file.

const GiB = 1024 ** 3;

/**
 * The image's file under _base, linked (or copied, across filesystems) from
 * Glance's: the overlay's backing file outlives the image's deletion, as in
 * Nova's image cache.
 */
export async function cacheBase(
  dataDir: string,
  imageId: string,
  source: string,
  diskFormat = 'raw',
): Promise<BootFile> {
  const dir = baseDir(dataDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, assertId(imageId));
  const have = await stat(path).catch(() => undefined);
  if (!have) {
    const tmp = `${path}.part`;
    await rm(tmp, { force: true });
    try {
      await link(source, tmp);
    } catch {
      await copyFile(source, tmp, constants.COPYFILE_FICLONE);
    }
    await rename(tmp, path);
  }
  return { image_id: imageId, path, format: qemuFormat(diskFormat) };
}

async function virtualSize(path: string, format: string): Promise<number> {
  const out = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', format, path])) as {
    'virtual-size': number;
  };
  return out['virtual-size'];
}

/** A qcow2 overlay at `path` on `base`, at least `rootGb` large (0: the image's own size). */
export async function createOverlay(path: string, base: BootFile, rootGb: number): Promise<void> {
  const size = Math.max(rootGb * GiB, await virtualSize(base.path, base.format));
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', base.format, '-b', base.path, path, String(size)]);
}

/** Grows the root overlay to `rootGb` when that is larger (a resize never shrinks a disk, as Nova's). */
export async function growOverlay(path: string, rootGb: number): Promise<void> {
  if (rootGb <= 0 || (await virtualSize(path, 'qcow2')) >= rootGb * GiB) return;
  await run('qemu-img', ['resize', '-q', '-f', 'qcow2', path, String(rootGb * GiB)]);
}

/** Blank ephemeral (qcow2, unformatted: cloud-init formats it) and swap (raw, mkswap'd) disks the flavor asks for. */
export async function createLocalDisks(f: GuestFiles, r: GuestRecord): Promise<void> {
  if (r.flavor.ephemeral_gb > 0 && !(await exists(f.ephemeral)))
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', f.ephemeral, String(r.flavor.ephemeral_gb * GiB)]);
  if (r.flavor.swap > 0 && !(await exists(f.swap))) {
    const h = await open(f.swap, 'w');
    await h.truncate(r.flavor.swap * 1024 * 1024);
    await h.close();
    await run('mkswap', ['-q', f.swap]);
  }
}

export async function writeConfigDrive(f: GuestFiles, iso: Buffer): Promise<void> {
  await writeFile(`${f.config}.tmp`, iso);
  await rename(`${f.config}.tmp`, f.config);
}

/**
 * A full, standalone qcow2 copy of `disk` (its backing chain flattened) at
 * `target`. The caller makes it consistent (guest paused, or not running);
 * -U reads it while qemu holds its lock.
 */
export async function flatten(disk: string, format: string, target: string, shared: boolean): Promise<number> {
  await run('qemu-img', ['convert', '-q', ...(shared ? ['-U'] : []), '-f', format, '-O', 'qcow2', disk, target], {
    timeoutMs: 30 * 60_000,
  });
  return (await stat(target)).size;
}

export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Removes base images no guest record refers to any more (Nova's image cache manager, at once). */
export async function pruneBases(dataDir: string): Promise<void> {
  const used = new Set<string>();
  const root = instancesDir(dataDir);
  for (const d of await readdir(root).catch(() => [] as string[])) {
    if (d === '_base') continue;
    const text = await readFile(join(root, d, 'guest.json'), 'utf8').catch(() => '');
    if (!text) continue;
    const r = JSON.parse(text) as GuestRecord;
    for (const b of [r.image, r.kernel, r.ramdisk, r.rescue]) if (b) used.add(b.path);
  }
  const dir = baseDir(dataDir);
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, f);
    if (!used.has(path)) await rm(path, { force: true });
  }
}
