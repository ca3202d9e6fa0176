import type { Config } from '../../config.js';
import { VOLUME_STEPS, withStepFaults } from '../../faults/faults.js';
import { FakeVolumeDriver } from './fake.js';
import { FileVolumeDriver } from './file.js';

/** A disk the driver keeps: a volume or a snapshot, by its Cinder id. */
export interface DiskRef {
  kind: 'volume' | 'snapshot';
  id: string;
}

/** One chunk of a disk: `data` is null when the whole chunk reads as zeroes. */
export interface Chunk {
  index: number;
  data: Buffer | null;
}

export const GiB = 1024 ** 3;

/**
 * Where volume bytes live. Every method is documented by its postcondition;
 * a method that throws leaves the destination as it was (or absent, when it
 * was being created). Sizes are whole GiB, as Cinder counts them.
 */
export interface VolumeDriver {
  readonly name: 'file' | 'fake';
  /** `ref` exists, sizeGb long, all zeroes, without writing sizeGb of data. */
  create(ref: DiskRef, sizeGb: number): Promise<void>;
  /** `dst` holds `src`'s bytes followed by zeroes up to sizeGb (replacing what dst held). */
  copy(src: DiskRef, dst: DiskRef, sizeGb: number): Promise<void>;
  /**
   * `dst` holds the image file's data (converted from `format` to the disk's
   * own format), zero-padded to sizeGb. Throws when the image's virtual size
   * exceeds sizeGb.
   */
  importImage(dst: DiskRef, sizeGb: number, image: { path: string; format: string }): Promise<void>;
  /** A new file at `path` holds the disk's bytes in `format` (raw, qcow2, ...). */
  exportImage(src: DiskRef, path: string, format: string): Promise<void>;
  /** The disk is sizeGb long; bytes below the old size are kept. */
  extend(ref: DiskRef, sizeGb: number): Promise<void>;
  /** The disk is gone (no error when it already was). */
  remove(ref: DiskRef): Promise<void>;
  /** Where a hypervisor finds the disk. */
  locate(ref: DiskRef): { path: string; format: 'raw' };
  /** The disk's bytes in chunks of chunkSize, in order; chunks of zeroes come as data null without being read. */
  readChunks(ref: DiskRef, chunkSize: number): AsyncIterable<Chunk>;
  /**
   * `dst` (created or replaced whole) is sizeGb long and holds the given
   * chunks at index * chunkSize, zeroes elsewhere.
   */
  writeChunks(dst: DiskRef, sizeGb: number, chunkSize: number, chunks: AsyncIterable<Chunk>): Promise<void>;
  /**
   * At start, before any other call: every temporary file is gone, and
   * every disk `known` does not name; returns what was removed.
   */
  removeOrphans?(known: (ref: DiskRef) => boolean): Promise<string[]>;
}

const drivers = new WeakMap<Config, VolumeDriver>();

/** The driver config.drivers.volume names, one per cloud. */
export function volumeDriver(config: Config): VolumeDriver {
  let d = drivers.get(config);
  if (!d) {
    d = config.drivers.volume === 'fake' ? new FakeVolumeDriver() : new FileVolumeDriver(config.dataDir);
    d = withStepFaults(config, d, 'volume', VOLUME_STEPS);
    drivers.set(config, d);
  }
  return d;
}
