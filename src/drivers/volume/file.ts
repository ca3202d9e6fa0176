import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { convert, dataExtents, imageInfo, sparseCopy } from '../../host/disk-files.js';
import { type Chunk, type DiskRef, GiB, type VolumeDriver } from './index.js';

/**
 * Volumes and snapshots as sparse raw files under <dataDir>/volumes, named
 * as Cinder's LVM driver names its logical volumes (volume-<id>,
 * snapshot-<id>). Raw keeps the files directly usable by a hypervisor and
 * lets backups read chunks at offsets; holes keep empty space free. Every
 * write goes to a temporary file renamed into place, so a failure never
 * leaves a half-written disk under a real name.
 */
export class FileVolumeDriver implements VolumeDriver {
  readonly name = 'file';
  private dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'volumes');
    mkdirSync(this.dir, { recursive: true });
  }

  private file(ref: DiskRef): string {
    return join(this.dir, `${ref.kind}-${ref.id}.raw`);
  }

  private temp(ref: DiskRef): string {
    return join(this.dir, `.${ref.kind}-${ref.id}.${randomBytes(4).toString('hex')}.tmp`);
  }

  /** Runs `fill` on a temporary file and renames it over dst; removes the temporary on failure. */
  private async replace(dst: DiskRef, fill: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = this.temp(dst);
    try {
      await fill(tmp);
      await rename(tmp, this.file(dst));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async removeOrphans(known: (ref: DiskRef) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.dir)) {
      const m = /^(volume|snapshot)-([0-9a-f-]{36})\.raw$/.exec(name);
      // temporaries (.volume-<id>.<hex>.tmp) belong to writes a stop cut short: their task starts over
      if (m && known({ kind: m[1] as DiskRef['kind'], id: m[2] })) continue;
      if (!m && !name.endsWith('.tmp')) continue;
      await rm(join(this.dir, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  async create(ref: DiskRef, sizeGb: number): Promise<void> {
    await this.replace(ref, async (tmp) => {
      const fh = await open(tmp, 'w');
      try {
        await fh.truncate(sizeGb * GiB);
      } finally {
        await fh.close();
      }
    });
  }

  async copy(src: DiskRef, dst: DiskRef, sizeGb: number): Promise<void> {
    const from = this.file(src);
    await this.replace(dst, async (tmp) => {
      await sparseCopy(from, tmp);
      if ((await stat(tmp)).size < sizeGb * GiB) await truncate(tmp, sizeGb * GiB);
    });
  }

  async importImage(dst: DiskRef, sizeGb: number, image: { path: string; format: string }): Promise<void> {
    const info = await imageInfo(image.path, image.format);
    if (info.virtualSize > sizeGb * GiB)
      throw new Error(
        `Image virtual size is ${Math.ceil(info.virtualSize / GiB)}GB and doesn't fit in a volume of size ${sizeGb}GB.`,
      );
    await this.replace(dst, async (tmp) => {
      await convert(image.path, image.format, tmp, 'raw');
      await truncate(tmp, sizeGb * GiB);
    });
  }

  async exportImage(src: DiskRef, path: string, format: string): Promise<void> {
    await convert(this.file(src), 'raw', path, format);
  }

  async extend(ref: DiskRef, sizeGb: number): Promise<void> {
    await truncate(this.file(ref), sizeGb * GiB);
  }

  async remove(ref: DiskRef): Promise<void> {
    await rm(this.file(ref), { force: true });
  }

  locate(ref: DiskRef): { path: string; format: 'raw' } {
    return { path: this.file(ref), format: 'raw' };
  }

  async *readChunks(ref: DiskRef, chunkSize: number): AsyncIterable<Chunk> {
    const path = this.file(ref);
    const size = (await stat(path)).size;
    const extents = await dataExtents(path);
    // read up to READ_AHEAD bytes of data at a time (fewer syscalls), hand out chunks of it
    const perRead = Math.max(1, Math.floor(READ_AHEAD / chunkSize));
    const fh = await open(path, 'r');
    try {
      let e = 0;
      let buf: Buffer | undefined;
      let bufStart = -1;
      for (let index = 0; index * chunkSize < size; index++) {
        const start = index * chunkSize;
        const end = Math.min(size, start + chunkSize);
        while (e < extents.length && extents[e].start + extents[e].length <= start) e++;
        if (e >= extents.length || extents[e].start >= end) {
          yield { index, data: null };
          continue;
        }
        if (!buf || start < bufStart || end > bufStart + buf.length) {
          const len = Math.min(size - start, perRead * chunkSize);
          buf = Buffer.allocUnsafe(len);
          const { bytesRead } = await fh.read(buf, 0, len, start);
          buf = buf.subarray(0, bytesRead);
          bufStart = start;
        }
        const data = buf.subarray(start - bufStart, Math.min(end - bufStart, buf.length));
        yield { index, data: isZero(data) ? null : data };
      }
    } finally {
      await fh.close();
    }
  }

  async writeChunks(dst: DiskRef, sizeGb: number, chunkSize: number, chunks: AsyncIterable<Chunk>): Promise<void> {
    await this.replace(dst, async (tmp) => {
      const fh = await open(tmp, 'w');
      try {
        await fh.truncate(sizeGb * GiB);
        for await (const c of chunks) if (c.data) await fh.write(c.data, 0, c.data.length, c.index * chunkSize);
      } finally {
        await fh.close();
      }
    });
  }
}

const ZERO = Buffer.alloc(64 * 1024);
const READ_AHEAD = 4 * 1024 * 1024;

/** Whether a buffer holds only zeroes (compared 64 KiB at a time). */
export function isZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZERO.length) {
    const part = buf.subarray(off, Math.min(buf.length, off + ZERO.length));
    if (!part.equals(ZERO.subarray(0, part.length))) return false;
  }
  return true;
}
