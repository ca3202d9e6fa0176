import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One backup's manifest: the disk's size and, per chunk, the sha256 of its
 * bytes and the backup whose directory holds them (null, null for a chunk
 * of zeroes, which is never stored). An incremental backup's manifest is
 * complete: chunks it did not store name the ancestor that did.
 */
export interface BackupManifest {
  version: 1;
  chunkSize: number;
  /** Bytes of the disk that was backed up. */
  size: number;
  chunks: Array<[sha256: string | null, owner: string | null]>;
  /** What the volume carried, restored with its bytes. */
  volume: { bootable: number; imageMetadata: Record<string, string>; metadata?: Record<string, string> };
}

/**
 * Backups as files: <dataDir>/backups/<backup id>/<chunk index> and
 * manifest.json. Chunk files are written whole under a temporary name and
 * renamed, so a crash never leaves a short chunk under a real name.
 */
export class BackupStore {
  private root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'backups');
  }

  dir(backupId: string): string {
    return join(this.root, backupId);
  }

  private chunkFile(backupId: string, index: number): string {
    return join(this.dir(backupId), index.toString(16).padStart(8, '0'));
  }

  async writeChunk(backupId: string, index: number, data: Buffer): Promise<void> {
    await mkdir(this.dir(backupId), { recursive: true });
    const file = this.chunkFile(backupId, index);
    await writeFile(`${file}.tmp`, data);
    await rename(`${file}.tmp`, file);
  }

  readChunk(backupId: string, index: number): Promise<Buffer> {
    return readFile(this.chunkFile(backupId, index));
  }

  async writeManifest(backupId: string, m: BackupManifest): Promise<void> {
    await mkdir(this.dir(backupId), { recursive: true });
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

  /** The backup's files are gone (no error when they already were). */
  async remove(backupId: string): Promise<void> {
    await rm(this.dir(backupId), { recursive: true, force: true });
  }
}

const stores = new WeakMap<object, BackupStore>();

/** The backup store of a data dir, one per config. */
export function backupStore(config: { dataDir: string }): BackupStore {
  let s = stores.get(config);
  if (!s) stores.set(config, (s = new BackupStore(config.dataDir)));
  return s;
}
