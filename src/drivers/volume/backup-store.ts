import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One backup's manifest: the disk's size and, per chunk, the sha256 of its
 * bytes, the backup whose data file holds them and where (null for a chunk
 * of zeroes, never stored). An incremental backup's manifest is complete:
 * chunks it did not store point into the ancestor that did.
 */
export interface BackupManifest {
  version: 2;
  chunkSize: number;
  /** Bytes of the disk that was backed up. */
  size: number;
  chunks: Array<[sha256: string, owner: string, offset: number, length: number] | null>;
  /** What the volume carried, restored with its bytes. */
  volume: { bootable: number; imageMetadata: Record<string, string>; metadata?: Record<string, string> };
}

/** Appends a backup's chunks to its one data file; returns where each went. */
export interface ChunkWriter {
  append(data: Buffer): Promise<number>;
  /** Bytes appended so far. */
  readonly written: number;
  close(): Promise<void>;
}

/**
 * Backups as files: <dataDir>/backups/<backup id>/data (the chunks this
 * backup stored, back to back) and manifest.json, written last (a backup
 * without one is incomplete and is redone from scratch).
 */
export class BackupStore {
  private root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'backups');
  }

  dir(backupId: string): string {
    return join(this.root, backupId);
  }

  async writer(backupId: string): Promise<ChunkWriter> {
    await mkdir(this.dir(backupId), { recursive: true });
    const fh = await open(join(this.dir(backupId), 'data'), 'w');
    // appends are gathered and written WRITE_BATCH bytes at a time
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await fh.write(Buffer.concat(pending, pendingBytes), 0, pendingBytes, written - pendingBytes);
      pending.length = 0;
      pendingBytes = 0;
    };
    return {
      async append(data) {
        const at = written;
        pending.push(Buffer.from(data));
        pendingBytes += data.length;
        written += data.length;
        if (pendingBytes >= WRITE_BATCH) await flush();
        return at;
      },
      get written() {
        return written;
      },
      async close() {
        try {
          await flush();
        } finally {
          await fh.close();
        }
      },
    };
  }

  /** A reader over the data files of many backups (a restore reads a whole chain); close it when done. */
  reader(): { read(owner: string, offset: number, length: number): Promise<Buffer>; close(): Promise<void> } {
    const handles = new Map<string, Promise<FileHandle>>();
    return {
      read: async (owner, offset, length) => {
        let fh = handles.get(owner);
        if (!fh) handles.set(owner, (fh = open(join(this.dir(owner), 'data'), 'r')));
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await (await fh).read(buf, 0, length, offset);
        if (bytesRead !== length) throw new Error(`backup ${owner} data is short at ${offset}`);
        return buf;
      },
      close: async () => {
        for (const fh of handles.values()) await (await fh).close();
      },
    };
  }

  async writeManifest(backupId: string, m: BackupManifest): Promise<void> {
    const file = join(this.dir(backupId), 'manifest.json');
    await writeFile(`${file}.tmp`, JSON.stringify(m));
    await rename(`${file}.tmp`, file);
  }

  async readManifest(backupId: string): Promise<BackupManifest> {
    return JSON.parse(await readFile(join(this.dir(backupId), 'manifest.json'), 'utf8')) as BackupManifest;
  }

  hasManifest(backupId: string): boolean {
    return existsSync(join(this.dir(backupId), 'manifest.json'));
  }

  /**
   * At start: the data of every backup `known` does not name is gone, and
   * every manifest left half-written; returns the backup ids removed.
   */
  async removeOrphans(known: (dataId: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const id of await readdir(this.root).catch(() => [] as string[])) {
      await rm(join(this.dir(id), 'manifest.json.tmp'), { force: true });
      if (known(id)) continue;
      await this.remove(id);
      removed.push(id);
    }
    return removed;
  }

  /** The backup's files are gone (no error when they already were). */
  async remove(backupId: string): Promise<void> {
    await rm(this.dir(backupId), { recursive: true, force: true });
  }
}

const WRITE_BATCH = 4 * 1024 * 1024;

const stores = new WeakMap<object, BackupStore>();

/** The backup store of a data dir, one per config. */
export function backupStore(config: { dataDir: string }): BackupStore {
  let s = stores.get(config);
  if (!s) stores.set(config, (s = new BackupStore(config.dataDir)));
  return s;
}
