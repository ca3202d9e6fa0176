import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The host commands behind volume files: qemu-img (convert, info, map) and
// cp. Every call here is read-only on its inputs and writes only the path it
// is given, so a failed call leaves at most a partial output file that the
// caller removes.

const run = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

export type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhd' | 'vhdx' | 'qed';

/** qemu-img's name for a Glance disk_format (vhd is "vpc" to qemu). */
export function qemuFormat(diskFormat: string): string {
  if (diskFormat === 'vhd') return 'vpc';
  if (diskFormat === 'iso' || diskFormat === 'ami' || diskFormat === 'aki' || diskFormat === 'ari') return 'raw';
  return diskFormat;
}

async function qemuImg(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('qemu-img', args, { maxBuffer: MAX_OUTPUT });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: string };
    if (err.code === 'ENOENT') throw new Error('qemu-img is not installed (apt-get install qemu-utils)');
    throw new Error(`qemu-img ${args[0]} failed: ${(err.stderr || err.message).trim()}`);
  }
}

export interface ImageInfo {
  format: string;
  virtualSize: number;
  actualSize: number;
}

/** `qemu-img info`; format is probed unless given (probing raw is unsafe, so callers pass it when known). */
export async function imageInfo(path: string, format?: string): Promise<ImageInfo> {
  const out = JSON.parse(
    await qemuImg(['info', '--output=json', ...(format ? ['-f', qemuFormat(format)] : []), path]),
  ) as { format: string; 'virtual-size': number; 'actual-size'?: number };
  return { format: out.format, virtualSize: out['virtual-size'], actualSize: out['actual-size'] ?? 0 };
}

/**
 * Converts `src` into `dst` (replacing it), keeping zeroes as holes; -n is
 * not used, so dst gets exactly the source's virtual size.
 */
export async function convert(src: string, srcFormat: string, dst: string, dstFormat: string): Promise<void> {
  await qemuImg(['convert', '-q', '-f', qemuFormat(srcFormat), '-O', qemuFormat(dstFormat), src, dst]);
}

/** Byte ranges of a raw file that hold data; everything else reads as zeroes. */
export async function dataExtents(path: string): Promise<Array<{ start: number; length: number }>> {
  const map = JSON.parse(await qemuImg(['map', '--output=json', '-f', 'raw', path])) as Array<{
    start: number;
    length: number;
    data: boolean;
    zero: boolean;
  }>;
  return map.filter((e) => e.data && !e.zero).map((e) => ({ start: e.start, length: e.length }));
}

/** Copies a file keeping holes (and sharing blocks where the filesystem can reflink). */
export async function sparseCopy(src: string, dst: string): Promise<void> {
  try {
    await run('cp', ['--reflink=auto', '--sparse=always', src, dst]);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`copying ${src} failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** The backing file of a qcow2 file and its format, if it has one (`qemu-img info`, the file alone). */
export async function backingFile(path: string): Promise<{ path: string; format?: string } | undefined> {
  const out = JSON.parse(await qemuImg(['info', '--output=json', '-f', 'qcow2', '-U', path])) as {
    'backing-filename'?: string;
    'backing-filename-format'?: string;
  };
  const b = out['backing-filename'];
  return b ? { path: b, format: out['backing-filename-format'] } : undefined;
}

/**
 * Points a qcow2 file at another backing file holding the same bytes (a
 * data dir moved): only the header changes (`rebase -u`), the backing file
 * is not opened.
 */
export async function renameBacking(path: string, backing: string, format: string): Promise<void> {
  await qemuImg(['rebase', '-q', '-u', '-f', 'qcow2', '-F', qemuFormat(format), '-b', backing, path]);
}
