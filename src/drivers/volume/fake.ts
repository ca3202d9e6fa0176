import { readFile, writeFile } from 'node:fs/promises';
import { type Chunk, type DiskRef, GiB, type VolumeDriver } from './index.js';

interface Disk {
  size: number;
  /** Non-zero data, by byte offset; written chunks replace whole entries. */
  blocks: Map<number, Buffer>;
}

/**
 * Keeps disks in memory, so the whole API runs without qemu-img or disk
 * space. Data is real (backups, copies and snapshots move bytes) but
 * images are taken byte for byte (no format conversion). `failNext` makes
 * the next call of an operation throw, to test what a failed driver leaves.
 */
export class FakeVolumeDriver implements VolumeDriver {
  readonly name = 'fake';
  readonly disks = new Map<string, Disk>();
  private failures = new Map<string, string>();

  failNext(op: keyof VolumeDriver, message = `fake ${op} failure`): void {
    this.failures.set(op, message);
  }

  private holds = new Map<string, Promise<void>>();

  /** Makes the next call of an operation wait until the returned function is called (to see transitional statuses). */
  hold(op: keyof VolumeDriver): () => void {
    let release = () => {};
    this.holds.set(op, new Promise<void>((r) => (release = r)));
    return () => release();
  }

  private async waitHold(op: string): Promise<void> {
    const h = this.holds.get(op);
    if (h) {
      this.holds.delete(op);
      await h;
    }
  }

  private check(op: string): void {
    const msg = this.failures.get(op);
    if (msg !== undefined) {
      this.failures.delete(op);
      throw new Error(msg);
    }
  }

  private key(ref: DiskRef): string {
    return `${ref.kind}-${ref.id}`;
  }

  private get(ref: DiskRef): Disk {
    const d = this.disks.get(this.key(ref));
    if (!d) throw new Error(`no such disk ${this.key(ref)}`);
    return d;
  }

  async create(ref: DiskRef, sizeGb: number): Promise<void> {
    this.check('create');
    this.disks.set(this.key(ref), { size: sizeGb * GiB, blocks: new Map() });
  }

  async copy(src: DiskRef, dst: DiskRef, sizeGb: number): Promise<void> {
    this.check('copy');
    const s = this.get(src);
    this.disks.set(this.key(dst), { size: Math.max(s.size, sizeGb * GiB), blocks: new Map(s.blocks) });
  }

  async importImage(dst: DiskRef, sizeGb: number, image: { path: string; format: string }): Promise<void> {
    await this.waitHold('importImage');
    this.check('importImage');
    const bytes = await readFile(image.path);
    if (bytes.length > sizeGb * GiB)
      throw new Error(
        `Image virtual size is ${Math.ceil(bytes.length / GiB)}GB and doesn't fit in a volume of size ${sizeGb}GB.`,
      );
    const blocks = new Map<number, Buffer>();
    if (bytes.length > 0) blocks.set(0, bytes);
    this.disks.set(this.key(dst), { size: sizeGb * GiB, blocks });
  }

  async exportImage(src: DiskRef, path: string): Promise<void> {
    this.check('exportImage');
    await writeFile(path, this.bytes(src));
  }

  async extend(ref: DiskRef, sizeGb: number): Promise<void> {
    this.check('extend');
    this.get(ref).size = sizeGb * GiB;
  }

  async remove(ref: DiskRef): Promise<void> {
    this.check('remove');
    this.disks.delete(this.key(ref));
  }

  locate(ref: DiskRef): { path: string; format: 'raw' } {
    return { path: `fake://${this.key(ref)}`, format: 'raw' };
  }

  /** The disk's whole content (tests only: it allocates the full size). */
  bytes(ref: DiskRef): Buffer {
    const d = this.get(ref);
    const out = Buffer.alloc(Math.min(d.size, this.used(d)));
    for (const [off, b] of d.blocks) b.copy(out, off, 0, Math.max(0, Math.min(b.length, out.length - off)));
    return out;
  }

  /** Writes bytes at an offset, as a guest would. */
  write(ref: DiskRef, offset: number, data: Buffer): void {
    const d = this.get(ref);
    const all = this.bytes(ref);
    const next = Buffer.alloc(Math.max(all.length, offset + data.length));
    all.copy(next);
    data.copy(next, offset);
    d.blocks = new Map([[0, next]]);
  }

  private used(d: Disk): number {
    let end = 0;
    for (const [off, b] of d.blocks) end = Math.max(end, off + b.length);
    return end;
  }

  async *readChunks(ref: DiskRef, chunkSize: number): AsyncIterable<Chunk> {
    this.check('readChunks');
    const d = this.get(ref);
    const data = this.bytes(ref);
    for (let index = 0; index * chunkSize < d.size; index++) {
      const start = index * chunkSize;
      const part = start < data.length ? data.subarray(start, Math.min(data.length, start + chunkSize)) : null;
      yield { index, data: part?.some((b) => b !== 0) ? Buffer.from(part) : null };
    }
  }

  async writeChunks(dst: DiskRef, sizeGb: number, chunkSize: number, chunks: AsyncIterable<Chunk>): Promise<void> {
    this.check('writeChunks');
    const blocks = new Map<number, Buffer>();
    for await (const c of chunks) if (c.data) blocks.set(c.index * chunkSize, Buffer.from(c.data));
    this.disks.set(this.key(dst), { size: sizeGb * GiB, blocks });
  }
}
