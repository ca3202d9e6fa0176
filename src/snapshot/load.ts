import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { type FileHeader, type Manifest, readSnapshot, SnapshotFormatError } from './format.js';
import { DB_NAME, stateFiles } from './save.js';

export interface LoadProgress {
  done: number;
  total: number;
  file: string;
}

/** Whether the data dir holds a cloud's state (its store). */
export function hasState(dataDir: string): boolean {
  return existsSync(join(dataDir, DB_NAME));
}

/**
 * Loads a snapshot stream into `dataDir` (made if missing): the files go to a
 * scratch dir first and move into place only once the whole snapshot has
 * been read and checked, replacing the state there (`replace`), so a damaged
 * file leaves the data dir as it was. The cloud must not be running on it.
 */
export async function loadSnapshot(
  stream: AsyncIterable<Buffer>,
  dataDir: string,
  opts: { replace?: boolean; onProgress?: (p: LoadProgress) => void } = {},
): Promise<Manifest> {
  mkdirSync(dataDir, { recursive: true });
  if (hasState(dataDir) && !opts.replace)
    throw new Error(`${dataDir} already holds a cloud: load into an empty data dir, or replace it (--yes)`);
  const scratch = join(dataDir, `.snapshot-load-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  let manifest: Manifest | undefined;
  let file: FileHeader | undefined;
  let fh: FileHandle | undefined;
  let done = 0;
  const paths: string[] = [];
  try {
    for await (const ev of readSnapshot(stream)) {
      if (ev.type === 'manifest') manifest = ev.manifest;
      else if (ev.type === 'file') {
        file = ev.file;
        const rel = normalize(file.path);
        if (isAbsolute(rel) || rel.startsWith('..') || rel.startsWith('.snapshot-'))
          throw new SnapshotFormatError(`a file in the snapshot has a bad path: ${file.path}`);
        paths.push(rel);
        mkdirSync(dirname(join(scratch, rel)), { recursive: true });
        fh = await open(join(scratch, rel), 'w', file.mode || 0o600);
      } else if (ev.type === 'data') {
        if (!fh || !file) throw new SnapshotFormatError('data outside a file');
        await fh.write(ev.data, 0, ev.data.length, ev.offset);
        opts.onProgress?.({ done: done + ev.offset + ev.data.length, total: manifest?.bytes ?? 0, file: file.path });
      } else if (ev.type === 'file-end') {
        if (!fh || !file) throw new SnapshotFormatError('file end outside a file');
        // holes stay holes: the size is set, the zeroes never written
        await fh.truncate(file.size);
        await fh.sync();
        await fh.close();
        fh = undefined;
        done += file.size;
        opts.onProgress?.({ done, total: manifest?.bytes ?? 0, file: file.path });
      }
    }
    if (!manifest) throw new SnapshotFormatError('the snapshot has no manifest');
    if (!paths.includes(DB_NAME)) throw new SnapshotFormatError('the snapshot has no store');
    if (opts.replace) {
      for (const rel of stateFiles(dataDir)) rmSync(join(dataDir, rel), { force: true });
      for (const name of [DB_NAME, `${DB_NAME}-wal`, `${DB_NAME}-shm`, 'init-hooks.json'])
        rmSync(join(dataDir, name), { force: true });
    }
    for (const rel of paths) {
      mkdirSync(dirname(join(dataDir, rel)), { recursive: true });
      renameSync(join(scratch, rel), join(dataDir, rel));
    }
    // the layout's empty dirs (images/staging) come back when the services start
    return manifest;
  } finally {
    await fh?.close().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  }
}
