import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertId } from '../../../host/names.js';
import type { GuestFlavor, GuestPort, GuestVolume } from '../driver.js';

// Where a guest's files live: <data-dir>/instances/<uuid>/, as Nova's
// instances_path; base images (Nova's _base image cache) are links to
// Glance's files, so deleting an image never breaks a guest's backing chain.

export interface GuestFiles {
  dir: string;
  /** The root disk: a qcow2 overlay on the base image. */
  disk: string;
  /** A rescue overlay on the rescue image (while rescued). */
  rescueDisk: string;
  ephemeral: string;
  swap: string;
  /** The config drive ISO (label config-2). */
  config: string;
  console: string;
  qmp: string;
  vnc: string;
  pid: string;
  /** What the guest is (GuestRecord), so a restarted pocketstack can start it again. */
  record: string;
  /** Suspended memory (a migration stream). */
  memory: string;
  /** Unix sockets through which the memory is saved and restored. */
  saveSocket: string;
}

export function instancesDir(dataDir: string): string {
  return join(dataDir, 'instances');
}

export function baseDir(dataDir: string): string {
  return join(instancesDir(dataDir), '_base');
}

export function guestFiles(dataDir: string, uuid: string): GuestFiles {
  const dir = join(instancesDir(dataDir), assertId(uuid));
  return {
    dir,
    disk: join(dir, 'disk'),
    rescueDisk: join(dir, 'disk.rescue'),
    ephemeral: join(dir, 'disk.eph0'),
    swap: join(dir, 'disk.swap'),
    config: join(dir, 'disk.config'),
    console: join(dir, 'console.log'),
    qmp: join(dir, 'qmp.sock'),
    vnc: join(dir, 'vnc.sock'),
    pid: join(dir, 'qemu.pid'),
    record: join(dir, 'guest.json'),
    memory: join(dir, 'memory.state'),
    saveSocket: join(dir, 'migrate.sock'),
  };
}

/** A boot file (disk image, kernel, ramdisk) as the guest uses it. */
export interface BootFile {
  image_id: string;
  /** The base file under _base. */
  path: string;
  format: string;
}

/** Everything needed to start the guest again, kept in guest.json. */
export interface GuestRecord {
  uuid: string;
  name: string;
  hostname: string;
  flavor: GuestFlavor;
  /** The base image of the root overlay; absent when the root disk is a volume. */
  image?: BootFile;
  kernel?: BootFile;
  ramdisk?: BootFile;
  cmdline?: string;
  ports: GuestPort[];
  volumes: GuestVolume[];
  configDrive: boolean;
  /** While rescued: the rescue image (its overlay is disk.rescue). */
  rescue?: BootFile;
  /** Set until every file of a new guest is made: a spawn found it set starts over. */
  building?: true;
}

/** The guest's record, or undefined when it has none (never made, or removed). */
export async function readRecord(f: GuestFiles): Promise<GuestRecord | undefined> {
  const text = await readFile(f.record, 'utf8').catch(() => '');
  return text ? (JSON.parse(text) as GuestRecord) : undefined;
}

/** Replaces the guest's record whole (written aside, then renamed), so a crash never leaves half of one. */
export async function writeRecord(f: GuestFiles, r: GuestRecord): Promise<void> {
  await writeFile(`${f.record}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  await rename(`${f.record}.tmp`, f.record);
}
