import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../host/exec.js';

// A whole-disk image that boots by itself, assembled without mounting
// anything (so it works unprivileged and in any CI): an MBR partition table
// (sfdisk on a plain file), a FAT boot partition made in place (mkfs.fat
// --offset) and filled with mtools, syslinux installed into that partition
// through mtools (syslinux --offset) with syslinux's mbr.bin in the first 440
// bytes, optionally an ext4 root partition populated from a directory
// (mkfs.ext4 -d -E offset=), then converted to qcow2.

const MiB = 1024 * 1024;
const SECTOR = 512;
/** First partition at 1 MiB, as every partitioning tool does today. */
const FIRST_SECTOR = 2048;

const MBR_CANDIDATES = ['/usr/lib/syslinux/mbr/mbr.bin', '/usr/lib/SYSLINUX/mbr.bin', '/usr/share/syslinux/mbr.bin'];

export interface BootFile {
  /** Name on the FAT partition (8.3 is not required: mtools writes long names). */
  name: string;
  /** Contents: a path on the host or the bytes. */
  from: string | Buffer;
}

export interface DiskLayout {
  /** Size of the boot (FAT) partition. */
  bootMiB: number;
  /** Kernel, initramfs, syslinux.cfg, ... */
  bootFiles: BootFile[];
  /**
   * qcow2 with zlib-compressed clusters (smaller file; every read of a
   * cluster not yet copied to an overlay is inflated again, which under TCG
   * costs the tiny image about a second of boot).
   */
  compress: boolean;
  /** An ext4 root partition after the boot one, filled from `dir`; the disk is `rootMiB` larger. */
  root?: { dir: string; uuid: string; label: string; sizeMiB: number };
}

function mbrBin(): Buffer {
  const path = MBR_CANDIDATES.find((p) => existsSync(p));
  if (!path) throw new Error("syslinux's mbr.bin is missing (apt-get install syslinux-common)");
  const mbr = readFileSync(path);
  if (mbr.length > 440) throw new Error(`${path} is larger than the 440 bytes of MBR boot code`);
  return mbr;
}

/** Writes the raw disk to `work`/disk.raw and the qcow2 to `out`. */
export async function assembleDisk(
  layout: DiskLayout,
  work: string,
  out: string,
  step: (name: 'boot' | 'root' | 'qcow2') => void = () => {},
): Promise<void> {
  const mbr = mbrBin();
  const raw = join(work, 'disk.raw');
  const bootSectors = (layout.bootMiB * MiB) / SECTOR;
  const rootStart = FIRST_SECTOR + bootSectors;
  const totalBytes = (1 + layout.bootMiB + (layout.root?.sizeMiB ?? 0)) * MiB;
  const fd = openSync(raw, 'w');
  try {
    ftruncateSync(fd, totalBytes); // sparse
  } finally {
    closeSync(fd);
  }
  step('boot');
  // type e: FAT16 with LBA; 83: Linux. The boot partition is the active one (syslinux's MBR boots it).
  const table = ['label: dos', 'unit: sectors', `${FIRST_SECTOR},${bootSectors},e,*`];
  if (layout.root) table.push(`${rootStart},,83`);
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', raw], { input: `${table.join('\n')}\n` });

  // a fixed volume id: the same inputs give the same file system
  await run('mkfs.fat', [
    '-F',
    '16',
    '-n',
    'BOOT',
    '-i',
    '50534b54',
    '--offset',
    String(FIRST_SECTOR),
    raw,
    String((bootSectors * SECTOR) / 1024),
  ]);
  const fat = `${raw}@@${FIRST_SECTOR * SECTOR}`;
  for (const f of layout.bootFiles) {
    const src = typeof f.from === 'string' ? f.from : join(work, `boot-${f.name}`);
    if (typeof f.from !== 'string') writeFileSync(src, f.from);
    await run('mcopy', ['-o', '-i', fat, src, `::/${f.name}`], { timeoutMs: 120_000 });
  }
  await run('syslinux', ['--install', '--offset', String(FIRST_SECTOR * SECTOR), raw]);
  const disk = openSync(raw, 'r+');
  try {
    writeSync(disk, mbr, 0, mbr.length, 0);
  } finally {
    closeSync(disk);
  }

  if (layout.root) {
    step('root');
    const r = layout.root;
    await run(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-L',
        r.label,
        '-U',
        r.uuid,
        '-d',
        r.dir,
        '-E',
        `offset=${rootStart * SECTOR}`,
        raw,
        `${r.sizeMiB * 1024}k`,
      ],
      { timeoutMs: 1_800_000 },
    );
  }
  step('qcow2');
  const compress = layout.compress ? ['-c'] : [];
  await run('qemu-img', ['convert', ...compress, '-f', 'raw', '-O', 'qcow2', raw, out], { timeoutMs: 1_800_000 });
}
