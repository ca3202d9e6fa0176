import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import SQLite from 'better-sqlite3';
import { VERSION } from '../version.js';
import { CHUNK, dataRecord, type FileHeader, jsonRecord, MAGIC, type Manifest, RecordType } from './format.js';

// What a snapshot holds: the store (SQLite's online backup, consistent by
// itself) and every file of the data dir that is state (images, volumes,
// snapshots, backups, instance disks, secrets), not what belongs to one run
// (logs, pid files, the run/ dir of processes, the state file, host setup).

export const DB_NAME = 'pocketstack.db';
const NOT_STATE = new Set([
  DB_NAME,
  `${DB_NAME}-wal`,
  `${DB_NAME}-shm`,
  `${DB_NAME}-journal`,
  'pocketstack.json',
  'pocketstack.pid',
  'pocketstack.log',
  'console.log',
  'host-setup.json',
  'run',
]);

/** The state files of a data dir, relative paths, sorted. */
export function stateFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(dataDir, path);
      if (dir === dataDir && (NOT_STATE.has(name) || name.startsWith('.snapshot-') || /\.log(\.\d+)?$/.test(name)))
        continue;
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(rel);
    }
  };
  walk(dataDir);
  return out;
}

/** Live resources by kind in a store: what `snapshot status` shows. */
export function countResources(db: SQLite.Database): Record<string, number> {
  const kinds: [string, string][] = [
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
  ];
  const out: Record<string, number> = {};
  for (const [kind, table] of kinds) {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (cols.length === 0) continue;
    const names = new Set(cols.map((c) => c.name));
    const live = [
      names.has('deleted') ? 'deleted = 0' : '',
      names.has('deleted_at') ? 'deleted_at IS NULL' : '',
      names.has('status') && table !== 'heat_stacks' ? "status NOT IN ('deleted', 'killed')" : '',
    ].filter(Boolean);
    const where = live.length ? ` WHERE ${live.join(' AND ')}` : '';
    out[kind] = (db.prepare(`SELECT count(*) AS n FROM ${table}${where}`).get() as { n: number }).n;
  }
  return out;
}

export interface SaveProgress {
  /** Bytes of files covered so far (zeroes included) of manifest.bytes. */
  done: number;
  total: number;
  file: string;
}

/**
 * The snapshot of a data dir as a stream: the store through `sqlite`'s
 * online backup (the live handle of a running cloud, or one opened on the
 * file), then the files. The caller keeps the files still meanwhile (a
 * running cloud holds its writers: see freeze.ts).
 */
export async function* snapshotStream(
  sqlite: SQLite.Database,
  dataDir: string,
  onProgress?: (p: SaveProgress) => void,
): AsyncGenerator<Buffer> {
  const tmp = join(dataDir, `.snapshot-${randomBytes(6).toString('hex')}.db`);
  try {
    await sqlite.backup(tmp);
    const copy = new SQLite(tmp, { readonly: true });
    let counts: Record<string, number>;
    try {
      counts = countResources(copy);
    } finally {
      copy.close();
    }
    const files: [rel: string, abs: string, header: FileHeader][] = [];
    for (const [rel, abs] of [
      [DB_NAME, tmp] as const,
      ...stateFiles(dataDir).map((r) => [r, join(dataDir, r)] as const),
    ]) {
      const st = lstatSync(abs);
      files.push([rel, abs, { path: rel, size: st.size, mode: st.mode & 0o777 }]);
    }
    const manifest: Manifest = {
      format: 1,
      pocketstack: VERSION,
      created_at: new Date().toISOString(),
      source: dataDir,
      counts,
      files: files.length,
      bytes: files.reduce((n, f) => n + f[2].size, 0),
    };
    yield MAGIC;
    yield jsonRecord(RecordType.MANIFEST, manifest);
    let done = 0;
    const zero = Buffer.alloc(CHUNK);
    for (const [rel, abs, header] of files) {
      yield jsonRecord(RecordType.FILE, header);
      const hash = createHash('sha256');
      const fh = await open(abs, 'r');
      try {
        for (let offset = 0; offset < header.size; offset += CHUNK) {
          const buf = Buffer.alloc(Math.min(CHUNK, header.size - offset));
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          const data = buf.subarray(0, bytesRead);
          if (!data.equals(zero.subarray(0, data.length))) yield dataRecord(offset, data, hash);
          onProgress?.({ done: done + offset + data.length, total: manifest.bytes, file: rel });
          if (bytesRead < buf.length) break; // the file shrank meanwhile: what is there is what was
        }
      } finally {
        await fh.close();
      }
      done += header.size;
      yield jsonRecord(RecordType.FILE_END, { sha256: hash.digest('hex') });
    }
    yield jsonRecord(RecordType.END, {});
  } finally {
    rmSync(tmp, { force: true });
  }
}
