import { existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { readState } from '../cli/state.js';
import { guestFiles, instancesDir } from '../drivers/compute/qemu/layout.js';
import { livePid } from '../drivers/compute/qemu/process.js';
import { type FileHeader, type Manifest, readSnapshot, SnapshotFormatError } from './format.js';
import { PG_DUMP } from './postgres.js';
import { relocateGuests } from './relocate.js';
import { DB_NAME, isStatePath } from './save.js';

export interface LoadProgress {
  done: number;
  total: number;
  file: string;
}

/**
 * Whether the data dir holds a cloud's state: its store (SQLite's file, a
 * loaded PostgreSQL archive) or the PostgreSQL database a start recorded.
 */
export function hasState(dataDir: string): boolean {
  return (
    existsSync(join(dataDir, DB_NAME)) ||
    existsSync(join(dataDir, PG_DUMP)) ||
    readState(dataDir)?.database !== undefined
  );
}

/** The qemu guests of the data dir's cloud that still run (they outlive pocketstack). */
export async function liveGuests(dataDir: string): Promise<string[]> {
  const dir = instancesDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const uuid of readdirSync(dir)) {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) continue;
    if (await livePid(guestFiles(dataDir, uuid).pid, uuid).catch(() => undefined)) out.push(uuid);
  }
  return out;
}

/** What a replaced data dir hands on to the loaded one: the host's, not the cloud's (logs, host setup). */
const KEEP = (name: string) =>
  ['host-setup.json', 'pocketstack.json', 'console.log'].includes(name) || /\.log(\.\d+)?$/.test(name);

function checkedPath(path: string): string {
  const rel = normalize(path);
  if (isAbsolute(rel) || rel.startsWith('..') || (rel !== DB_NAME && rel !== PG_DUMP && !isStatePath(rel)))
    throw new SnapshotFormatError(`a file in the snapshot has a bad path: ${path}`);
  return rel;
}

/**
 * Loads a snapshot stream as the data dir `dataDir`. Everything is written
 * aside first (a sibling dir), checked (every file's checksum, the end
 * record), and only then put in place by renames: the old data dir moves
 * aside, the new one takes its name, the old one is removed. A damaged or
 * cut short snapshot, or a crash meanwhile, never leaves a half-loaded data
 * dir. A data dir holding a cloud is replaced only with `replace`; the cloud
 * must not be running on it.
 */
export async function loadSnapshot(
  stream: AsyncIterable<Buffer>,
  dataDir: string,
  opts: { replace?: boolean; onProgress?: (p: LoadProgress) => void } = {},
): Promise<Manifest> {
  const target = resolve(dataDir);
  if (hasState(target) && !opts.replace)
    throw new Error(`${target} already holds a cloud: load into an empty data dir, or replace it (--force)`);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const stage = join(parent, `.${basename(target)}.snapshot-load-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { mode: 0o700 });
  let manifest: Manifest | undefined;
  let file: FileHeader | undefined;
  let fh: FileHandle | undefined;
  let done = 0;
  const paths = new Set<string>();
  try {
    for await (const ev of readSnapshot(stream)) {
      if (ev.type === 'manifest') manifest = ev.manifest;
      else if (ev.type === 'file') {
        file = ev.file;
        const rel = checkedPath(file.path);
        if (paths.has(rel)) throw new SnapshotFormatError(`a file is twice in the snapshot: ${rel}`);
        paths.add(rel);
        mkdirSync(dirname(join(stage, rel)), { recursive: true, mode: 0o700 });
        if (file.link !== undefined) {
          const to = checkedPath(file.link);
          if (!paths.has(to)) throw new SnapshotFormatError(`a link in the snapshot to nothing: ${file.path}`);
          linkSync(join(stage, to), join(stage, rel));
        } else fh = await open(join(stage, rel), 'w', (file.mode || 0o600) & 0o700);
      } else if (ev.type === 'data') {
        if (!fh || !file) throw new SnapshotFormatError('data outside a file');
        await fh.write(ev.data, 0, ev.data.length, ev.offset);
        opts.onProgress?.({ done: done + ev.offset + ev.data.length, total: manifest?.bytes ?? 0, file: file.path });
      } else if (ev.type === 'file-end') {
        if (!file) throw new SnapshotFormatError('file end outside a file');
        if (fh) {
          // holes stay holes: the size is set, the zeroes never written
          await fh.truncate(file.size);
          await fh.sync();
          await fh.close();
          fh = undefined;
        }
        done += file.size;
        opts.onProgress?.({ done, total: manifest?.bytes ?? 0, file: file.path });
        file = undefined;
      }
    }
    if (!manifest) throw new SnapshotFormatError('the snapshot has no manifest');
    if (!paths.has(DB_NAME) && !paths.has(PG_DUMP)) throw new SnapshotFormatError('the snapshot has no store');
    await relocateGuests(stage, manifest.source, target);
    if (!existsSync(target)) renameSync(stage, target);
    else {
      const old = join(parent, `.${basename(target)}.snapshot-old-${process.pid}`);
      rmSync(old, { recursive: true, force: true });
      try {
        renameSync(target, old);
      } catch (e) {
        throw new Error(
          `cannot move ${target} aside (${(e as NodeJS.ErrnoException).code}): is it a mount point? Load into a data dir below it`,
        );
      }
      try {
        renameSync(stage, target);
      } catch (e) {
        renameSync(old, target);
        throw e;
      }
      for (const name of readdirSync(old)) if (KEEP(name)) renameSync(join(old, name), join(target, name));
      rmSync(old, { recursive: true, force: true });
    }
    // the layout's empty dirs (images/staging, tmp) come back when the services start
    return manifest;
  } finally {
    await fh?.close().catch(() => {});
    rmSync(stage, { recursive: true, force: true });
  }
}
