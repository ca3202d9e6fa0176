import { createHash, randomBytes } from 'node:crypto';
import { constants, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import SQLite from 'better-sqlite3';
import { scratchDir } from '../data-dir.js';
import { dataExtents } from '../host/disk-files.js';
import { VERSION } from '../version.js';
import { CHUNK, dataRecord, type FileHeader, jsonRecord, MAGIC, type Manifest, RecordType } from './format.js';

// What a snapshot holds: the store and every file of the data dir that is
// state (images, volumes, snapshots, backups, instance disks, secrets), not
// what belongs to one run (logs, pid files, sockets, the run/ dir of
// processes, the scratch dir, the state file, host setup).
//
// Consistency: the data dir is crash-consistent by design (the store
// records an intent before a file changes, tasks start over after a crash,
// a start-up sweep finishes or rolls back half-done work). So a snapshot is
// the image a crash would leave at one instant: in one synchronous stretch
// of the event loop, with no store transaction open, the store is copied
// (VACUUM INTO) and every state file is frozen into a staging dir (a
// reflink where the filesystem has them, else a hard link: pocketstack
// replaces files by rename, so a link keeps the bytes of that instant; small
// files, which may be rewritten in place, are copied). The snapshot is then
// streamed from the staging dir while the cloud goes on.

export const DB_NAME = 'pocketstack.db';
const NOT_STATE = new Set([
  DB_NAME,
  `${DB_NAME}-wal`,
  `${DB_NAME}-shm`,
  `${DB_NAME}-journal`,
  'pocketstack.json',
  'pocketstack.pid',
  'pocketstack.pgdump',
  'pocketstack.log',
  'console.log',
  'host-setup.json',
  'run',
  'tmp',
]);
/** Files smaller than this are copied at the instant; larger ones linked. */
const COPY_BELOW = 4 * 1024 * 1024;

/** Whether a path (relative to the data dir) is state a snapshot keeps. */
export function isStatePath(rel: string): boolean {
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  if (parts.length === 1 && (NOT_STATE.has(name) || name.startsWith('.snapshot-') || /\.log(\.\d+)?$/.test(name)))
    return false;
  // a pid file names a process of this host (a guest's qemu.pid): a loaded cloud must not adopt it
  if (name.endsWith('.pid')) return false;
  // temporaries of writes in flight: the start-up sweep removes them anyway
  return !/\.(tmp|part)$/.test(name);
}

/** The state files of a data dir, relative paths, sorted. */
export function stateFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(dataDir, path);
      if (!isStatePath(rel)) continue;
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(rel);
    }
  };
  walk(dataDir);
  return out;
}

/** The kinds `snapshot show` counts, and their tables. */
export const COUNTED: [string, string][] = [
  ['projects', 'projects'],
  ['users', 'users'],
  ['servers', 'nova_instances'],
  ['images', 'images'],
  ['volumes', 'volumes'],
  ['volume_snapshots', 'volume_snapshots'],
  ['volume_backups', 'volume_backups'],
  ['networks', 'neutron_networks'],
  ['subnets', 'neutron_subnets'],
  ['ports', 'neutron_ports'],
  ['routers', 'neutron_routers'],
  ['stacks', 'heat_stacks'],
  ['fault_rules', 'pocketstack_faults'],
];

/** The count of a table's live rows, by which of the soft-delete columns it has. */
export function countSql(table: string, columns: Set<string>): string {
  const live = [
    columns.has('deleted') ? 'deleted = 0' : '',
    columns.has('deleted_at') ? 'deleted_at IS NULL' : '',
    columns.has('status') && table !== 'heat_stacks' ? "status NOT IN ('deleted', 'killed')" : '',
  ].filter(Boolean);
  return `SELECT count(*) AS n FROM ${table}${live.length ? ` WHERE ${live.join(' AND ')}` : ''}`;
}

/** Live resources by kind in a store: what `snapshot show` lists. */
export function countResources(db: SQLite.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, table] of COUNTED) {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (cols.length === 0) continue;
    out[kind] = (db.prepare(countSql(table, new Set(cols.map((c) => c.name)))).get() as { n: number }).n;
  }
  return out;
}

export interface SaveProgress {
  /** Bytes of files covered so far (zeroes included) of manifest.bytes. */
  done: number;
  total: number;
  file: string;
}

export interface Frozen {
  rel: string;
  /** Where its bytes are read from: the staging dir, or (when neither link nor copy worked) the live file. */
  abs: string;
  header: FileHeader;
  /** Whether it may have holes worth skipping (allocated less than its size). */
  sparse: boolean;
}

/** A data dir frozen at one instant (see above), to be streamed and then dropped. */
export interface Capture {
  stage: string;
  files: Frozen[];
  counts: Record<string, number>;
  created_at: string;
  /** Files that could be neither linked nor copied, read live (named in the log). */
  live: string[];
  drop(): void;
}

/**
 * Freezes the store (through `sqlite`, the live handle of a running cloud
 * or one opened on a stopped one's file) and the state files. Synchronous
 * on purpose: nothing else of this process runs meanwhile. The caller
 * makes sure no store transaction is open (a running cloud calls it on the
 * store's connection) and that requests that change state are not midway.
 */
export function captureSync(sqlite: SQLite.Database, dataDir: string): Capture {
  const stage = newStage(dataDir);
  const drop = () => rmSync(stage, { recursive: true, force: true });
  try {
    const dbCopy = join(stage, DB_NAME);
    sqlite.prepare('VACUUM INTO ?').run(dbCopy);
    const copy = new SQLite(dbCopy, { readonly: true });
    let counts: Record<string, number>;
    try {
      counts = countResources(copy);
    } finally {
      copy.close();
    }
    const { files, live } = freezeFiles(stage, dataDir);
    return {
      stage,
      files: [frozen(DB_NAME, dbCopy), ...files],
      counts,
      created_at: new Date().toISOString(),
      live,
      drop,
    };
  } catch (e) {
    drop();
    throw e;
  }
}

/** A new staging dir for a capture of the data dir. */
export function newStage(dataDir: string): string {
  const stage = join(scratchDir(dataDir), `snapshot-${randomBytes(6).toString('hex')}`);
  mkdirSync(stage, { recursive: true, mode: 0o700 });
  return stage;
}

/** Freezes the data dir's state files into `stage` (reflinks, links or copies; see above). */
export function freezeFiles(stage: string, dataDir: string): { files: Frozen[]; live: string[] } {
  const files: Frozen[] = [];
  const live: string[] = [];
  // hard links of one inode (a guest's base image and Glance's file) stay one file
  const seen = new Map<string, string>();
  let reflink = true;
  for (const rel of stateFiles(dataDir)) {
    const src = join(dataDir, rel);
    const dst = join(stage, 'files', rel);
    mkdirSync(dirname(dst), { recursive: true, mode: 0o700 });
    const st = lstatSync(src);
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? seen.get(inode) : undefined;
    if (first !== undefined) {
      files.push({
        rel,
        abs: dst,
        header: { path: rel, size: 0, mode: st.mode & 0o777, link: first },
        sparse: false,
      });
      continue;
    }
    if (st.nlink > 1) seen.set(inode, rel);
    try {
      if (st.size < COPY_BELOW) copyFileSync(src, dst);
      else {
        let done = false;
        if (reflink)
          try {
            copyFileSync(src, dst, constants.COPYFILE_FICLONE_FORCE);
            done = true;
          } catch {
            reflink = false; // this filesystem has none: links from here on
          }
        if (!done) linkSync(src, dst);
      }
      files.push(frozen(rel, dst, st));
    } catch {
      live.push(rel);
      files.push(frozen(rel, src, st));
    }
  }
  return { files, live };
}

export function frozen(rel: string, abs: string, st = statSync(abs)): Frozen {
  return {
    rel,
    abs,
    header: { path: rel, size: st.size, mode: st.mode & 0o777 },
    sparse: st.blocks * 512 < st.size,
  };
}

/** The byte ranges to read of a file: its data extents when it has holes (qemu-img map), else all of it. */
async function ranges(f: Frozen): Promise<{ start: number; length: number }[]> {
  if (f.header.link || f.header.size === 0) return [];
  const all = [{ start: 0, length: f.header.size }];
  if (!f.sparse) return all;
  if (lstatSync(f.abs).blocks === 0) return [];
  return dataExtents(f.abs).catch(() => all);
}

/** The snapshot stream of a capture: the manifest, then every file's non-zero chunks. */
export async function* captureStream(
  cap: Capture,
  source: string,
  onProgress?: (p: SaveProgress) => void,
): AsyncGenerator<Buffer> {
  const manifest: Manifest = {
    format: 1,
    pocketstack: VERSION,
    created_at: cap.created_at,
    source,
    counts: cap.counts,
    files: cap.files.length,
    bytes: cap.files.reduce((n, f) => n + f.header.size, 0),
    dirs: {},
  };
  for (const f of cap.files) {
    const top = f.rel.includes('/') ? f.rel.slice(0, f.rel.indexOf('/')) : '.';
    const d = (manifest.dirs![top] ??= { files: 0, bytes: 0 });
    d.files++;
    d.bytes += f.header.size;
  }
  yield MAGIC;
  yield jsonRecord(RecordType.MANIFEST, manifest);
  let done = 0;
  const zero = Buffer.alloc(CHUNK);
  const buf = Buffer.allocUnsafe(CHUNK);
  for (const f of cap.files) {
    yield jsonRecord(RecordType.FILE, f.header);
    const hash = createHash('sha256');
    if (f.header.link !== undefined) {
      yield jsonRecord(RecordType.FILE_END, { sha256: hash.digest('hex') });
      continue;
    }
    const fh = await open(f.abs, 'r');
    try {
      for (const r of await ranges(f)) {
        const end = Math.min(r.start + r.length, f.header.size);
        for (let offset = r.start; offset < end; offset += CHUNK) {
          const want = Math.min(CHUNK, end - offset);
          const { bytesRead } = await fh.read(buf, 0, want, offset);
          const data = buf.subarray(0, bytesRead);
          // dataRecord copies the bytes: buf is reused
          if (!data.equals(zero.subarray(0, data.length))) yield dataRecord(offset, data, hash);
          onProgress?.({ done: done + offset + bytesRead, total: manifest.bytes, file: f.rel });
          if (bytesRead < want) break; // a file read live shrank meanwhile
        }
      }
    } finally {
      await fh.close();
    }
    done += f.header.size;
    yield jsonRecord(RecordType.FILE_END, { sha256: hash.digest('hex') });
  }
  yield jsonRecord(RecordType.END, {});
}

/** The snapshot of a stopped cloud's data dir whose store is SQLite (`sqlite`: opened on its file). */
export function snapshotStream(
  sqlite: SQLite.Database,
  dataDir: string,
  onProgress?: (p: SaveProgress) => void,
): AsyncGenerator<Buffer> {
  return streamCapture(() => captureSync(sqlite, dataDir), dataDir, onProgress);
}

/** The snapshot stream of the capture `take` makes when the stream is first read, dropping it at the end. */
export async function* streamCapture(
  take: () => Capture | Promise<Capture>,
  dataDir: string,
  onProgress?: (p: SaveProgress) => void,
): AsyncGenerator<Buffer> {
  const cap = await take();
  try {
    yield* captureStream(cap, dataDir, onProgress);
  } finally {
    cap.drop();
  }
}
