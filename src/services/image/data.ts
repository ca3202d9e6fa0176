import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { HEADER_BYTES } from './disk.js';

// Image data lives in files under <data dir>/images/<id> (staged uploads
// under images/staging/<id>); the database holds only their metadata. Data is
// streamed through the hashes to disk, never held whole in memory, and
// written to a ".part" file renamed into place only once complete and synced:
// a file under its final name is always a whole image.

export function imagesDir(cloud: Cloud): string {
  return join(cloud.config.dataDir, 'images');
}

export function imagePath(cloud: Cloud, id: string): string {
  return join(imagesDir(cloud), id);
}

export function stagingPath(cloud: Cloud, id: string): string {
  return join(imagesDir(cloud), 'staging', id);
}

export function ensureDirs(cloud: Cloud): void {
  mkdirSync(join(imagesDir(cloud), 'staging'), { recursive: true });
}

/** What receiving an image's data learnt about it. */
export interface Received {
  size: number;
  checksum: string;
  os_hash_algo: 'sha512';
  os_hash_value: string;
  /** The first HEADER_BYTES of the data, for the format's virtual size. */
  header: Buffer;
}

export class IncompleteUpload extends BadRequest {}

/**
 * Streams `source` into `dest` (md5 and sha512 on the way), durable before it
 * resolves. On any failure, the client going away included, nothing is left
 * at `dest` or beside it. `expectedSize` (a Content-Length) makes a short
 * body a failure. The data is written to `dest<partSuffix>.part` first.
 */
export async function receive(
  source: Readable,
  dest: string,
  expectedSize?: number,
  partSuffix = '',
): Promise<Received> {
  const part = `${dest}${partSuffix}.part`;
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      sha512.update(chunk);
      if (headLength < HEADER_BYTES) {
        const want = chunk.subarray(0, HEADER_BYTES - headLength);
        head.push(Buffer.from(want));
        headLength += want.length;
      }
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(part, { flags: 'wx', highWaterMark: 1 << 20 }));
    if (expectedSize !== undefined && size !== expectedSize)
      throw new IncompleteUpload(`Expected ${expectedSize} bytes of image data, received ${size}.`);
    await syncFile(part);
    await rename(part, dest);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return {
    size,
    checksum: md5.digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: sha512.digest('hex'),
    header: Buffer.concat(head),
  };
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Reads back an image's data, whole or a byte range (end inclusive). */
export function readData(path: string, range?: { start: number; end: number }): Readable {
  return createReadStream(path, { ...(range ?? {}), highWaterMark: 1 << 20 });
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Removes an image's data and anything staged for it; absent files are fine. */
export async function removeData(cloud: Cloud, id: string): Promise<void> {
  await Promise.all([rm(imagePath(cloud, id), { force: true }), rm(stagingPath(cloud, id), { force: true })]);
}
