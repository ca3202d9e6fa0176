import { closeSync, constants, createReadStream, mkdirSync, openSync } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { BadRequest } from '../../server/errors.js';
import { type BlockTask, hashHere, hashOffThread, writeHere, writeOffThread } from './block-workers.js';
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
  const file = await open(part, 'wx');
  const sink = new BlockSink(file, part);
  try {
    for await (const chunk of source) await sink.write(chunk as Buffer);
    const got = await sink.end();
    if (expectedSize !== undefined && got.size !== expectedSize)
      throw new IncompleteUpload(`Expected ${expectedSize} bytes of image data, received ${got.size}.`);
    await file.datasync();
    await file.close();
    await rename(part, dest);
    return got;
  } catch (err) {
    await sink.discard();
    await file.close().catch(() => {});
    await rm(part, { force: true });
    throw err;
  }
}

const BLOCK_BYTES = 2 << 20;
const WASM_PAGE = 64 << 10;
/** Blocks per upload: its whole memory, however large the image. */
const BLOCKS = 8;

/**
 * Gathers data into blocks of shared memory. Each full block is written at
 * its offset and hashed at the same time, off this thread (block-workers.ts),
 * and reused once all three are done: up to BLOCKS are in flight.
 *
 * Whole blocks are written with O_DIRECT where the file system takes it. On a
 * busy machine an upload gets only its share of the CPU, so its speed is its
 * CPU per byte: the copy into the page cache (and, in a VM, the faults that
 * bring back pages the host took) cost more than either hash, and left the
 * final fdatasync the whole image to write. Direct writes cost almost no CPU
 * and leave nothing to write back. They need page-aligned memory: the blocks
 * are shared WebAssembly memories (a SharedArrayBuffer at a page boundary;
 * plain ones are only 16-byte aligned).
 */
class BlockSink {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private current?: Buffer;
  private fill = 0;
  private size = 0;
  private header = Buffer.alloc(0);
  private tasks?: [md5: BlockTask, sha512: BlockTask, write: BlockTask];
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: unknown;
  private blockFreed?: () => void;
  private direct?: number;

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      this.current ??= await this.takeBlock();
      const n = chunk.copy(this.current, this.fill, at);
      at += n;
      this.fill += n;
      if (this.fill === BLOCK_BYTES) this.dispatch();
    }
  }

  async end(): Promise<Received> {
    if (this.fill > 0) this.dispatch();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
    const [md5, sha512, write] = this.blockTasks();
    const [checksum, hash] = await Promise.all([md5.finish(), sha512.finish(), write.finish()]);
    this.closeDirect();
    return { size: this.size, checksum: checksum!, os_hash_algo: 'sha512', os_hash_value: hash!, header: this.header };
  }

  /** After a failure: waits for the blocks in flight and forgets the work. */
  async discard(): Promise<void> {
    await Promise.all(this.inFlight);
    for (const task of this.tasks ?? []) task.discard();
    this.closeDirect();
  }

  private openDirect(): number | undefined {
    if (constants.O_DIRECT === undefined) return undefined;
    try {
      this.direct = openSync(this.path, constants.O_WRONLY | constants.O_DIRECT);
    } catch {
      // a file system without O_DIRECT (tmpfs): buffered writes only
    }
    return this.direct;
  }

  private closeDirect(): void {
    if (this.direct !== undefined) closeSync(this.direct);
    this.direct = undefined;
  }

  /**
   * Worker threads only once a whole block is there: less data is handled
   * here. md5 and sha512 each on its lane; the write on a third, where it
   * waits for the disk without holding up either hash.
   */
  private blockTasks(): [BlockTask, BlockTask, BlockTask] {
    const whole = this.fill === BLOCK_BYTES;
    this.tasks ??= whole
      ? [hashOffThread('md5', 0), hashOffThread('sha512', 1), writeOffThread(this.file, 2, this.openDirect())]
      : [hashHere('md5'), hashHere('sha512'), writeHere(this.file)];
    return this.tasks;
  }

  private dispatch(): void {
    const block = this.current!;
    const data = block.subarray(0, this.fill);
    if (this.size === 0) this.header = Buffer.from(data.subarray(0, HEADER_BYTES));
    const done = Promise.all(this.blockTasks().map((task) => task.update(data, this.size)))
      .then(
        () => {
          this.free.push(block);
        },
        (err) => {
          this.failure ??= err;
        },
      )
      .finally(() => {
        this.inFlight.delete(done);
        this.blockFreed?.();
      });
    this.inFlight.add(done);
    this.size += data.length;
    this.current = undefined;
    this.fill = 0;
  }

  private async takeBlock(): Promise<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure;
      const block = this.free.pop();
      if (block) return block;
      if (this.allocated < BLOCKS) {
        this.allocated++;
        const pages = BLOCK_BYTES / WASM_PAGE;
        return Buffer.from(new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer);
      }
      await new Promise<void>((resolve) => {
        this.blockFreed = resolve;
      });
    }
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
