import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Manifest, readSnapshot } from '../snapshot/format.js';
import { hasState, liveGuests, loadSnapshot } from '../snapshot/load.js';
import { captureStoppedPostgres, PG_DUMP } from '../snapshot/postgres.js';
import { DB_NAME, snapshotStream, streamCapture } from '../snapshot/save.js';
import { isPostgresUrl, redact } from '../store/postgres.js';
import { Client } from './client.js';
import { progressBar } from './images.js';
import { cloudCredentials } from './openrc.js';
import { joinedPids, readState, runningPid } from './state.js';

// `pocketstack snapshot save|load|status FILE`: the whole cloud (store, images,
// volumes, every state file of the data dir) to one file and back.

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function fail(message: string): never {
  console.error(`pocketstack snapshot: ${message}`);
  process.exit(1);
}

/** Writes `chunks` to `file` (through a .partial file renamed at the end), handing them on as they go. */
async function* teeToFile(chunks: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  const out = createWriteStream(file, { mode: 0o600 });
  try {
    for await (const c of chunks) {
      if (!out.write(c)) await once(out, 'drain');
      yield c;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

async function* bodyOf(res: Response): AsyncGenerator<Buffer> {
  if (!res.body) return;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(c);
}

/**
 * The PostgreSQL database of a stopped cloud: --database (POCKETSTACK_DATABASE),
 * else the one its last start recorded, whose password is hidden there
 * (PGPASSWORD or ~/.pgpass gives it then). Undefined: the store is SQLite.
 */
function stoppedDatabase(opts: { dataDir: string; database?: string }): string | undefined {
  const url = opts.database ?? readState(opts.dataDir)?.database;
  if (url === undefined) return undefined;
  if (!isPostgresUrl(url)) fail(`--database takes a postgres:// URL (not ${url})`);
  const u = new URL(url);
  if (opts.database === undefined && decodeURIComponent(u.password) === '***') u.password = '';
  return u.toString();
}

/**
 * Refuses when processes that joined the cloud on PostgreSQL still run while
 * its first process is gone: they write to the database, and neither a stopped
 * save nor a load may go on under them.
 */
function refuseOrphanedJoined(dataDir: string): void {
  const joined = joinedPids(dataDir);
  if (joined.length)
    fail(
      `processes that joined the cloud on ${dataDir} still run (pid ${joined.join(', ')}), its first process gone: \`pocketstack stop\` first`,
    );
}

/** The running cloud's snapshot (GET /pocketstack/v1/snapshot), else one taken from the data dir's files. */
export async function snapshotSave(file: string, opts: { dataDir: string; database?: string }): Promise<void> {
  const target = resolve(file);
  const partial = `${target}.partial`;
  const t0 = performance.now();
  const bar = progressBar('');
  let source: AsyncIterable<Buffer>;
  let sqlite: SQLite.Database | undefined;
  let database: string | undefined;
  if (runningPid(opts.dataDir) !== undefined) {
    const creds = cloudCredentials(opts.dataDir, 'admin', 'admin');
    const c = new Client(creds);
    await c.login().catch((e: Error) => fail(e.message));
    const res = await c.fetch(`${creds.url}/pocketstack/v1/snapshot`);
    if (!res.ok) fail(`the cloud answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    source = bodyOf(res);
  } else {
    if (!hasState(opts.dataDir)) fail(`no cloud in ${opts.dataDir}`);
    refuseOrphanedJoined(opts.dataDir);
    database = stoppedDatabase(opts);
    if (database !== undefined) {
      const url = database;
      // nothing runs, so nothing to hold: pg_dump of the database as it is
      source = streamCapture(() => captureStoppedPostgres(url, opts.dataDir), opts.dataDir);
    } else {
      if (!existsSync(join(opts.dataDir, DB_NAME)) && existsSync(join(opts.dataDir, PG_DUMP)))
        fail(
          `${opts.dataDir} holds a PostgreSQL snapshot not restored yet (${PG_DUMP}): start it once with --database postgres://..., or save it with --database`,
        );
      sqlite = new SQLite(join(opts.dataDir, DB_NAME), { readonly: true });
      source = snapshotStream(sqlite, opts.dataDir);
    }
  }
  let manifest: Manifest | undefined;
  let done = 0;
  let size = 0;
  try {
    for await (const ev of readSnapshot(teeToFile(source, partial))) {
      if (ev.type === 'manifest') manifest = ev.manifest;
      else if (ev.type === 'file') size = ev.file.size;
      else if (ev.type === 'data') bar(done + ev.offset + ev.data.length, manifest?.bytes ?? 0, 'saving');
      else if (ev.type === 'file-end') {
        done += size;
        bar(done, manifest?.bytes ?? 0, 'saving');
      }
    }
    renameSync(partial, target);
  } catch (e) {
    rmSync(partial, { force: true });
    fail(database === undefined ? (e as Error).message : `PostgreSQL at ${redact(database)}: ${(e as Error).message}`);
  } finally {
    sqlite?.close();
  }
  bar(1, 1, 'saved');
  console.log(
    `snapshot ${target}: ${describeCounts(manifest!)}; ${manifest!.files} files, ${mib(manifest!.bytes)} of data (${Math.round(performance.now() - t0)} ms)`,
  );
}

export function describeCounts(m: Manifest): string {
  return Object.entries(m.counts)
    .filter(([k, n]) => n > 0 || ['servers', 'images', 'volumes', 'networks', 'stacks'].includes(k))
    .map(([k, n]) => `${n} ${k.replace('_', ' ')}`)
    .join(', ');
}

/** Replaces the data dir's state with the snapshot's (the cloud must be stopped). */
export async function snapshotLoad(file: string, opts: { dataDir: string; force?: boolean }): Promise<void> {
  const pid = runningPid(opts.dataDir);
  if (pid !== undefined) fail(`pocketstack runs on ${opts.dataDir} (pid ${pid}): stop it first`);
  refuseOrphanedJoined(opts.dataDir);
  const m = await loadFile(file, opts.dataDir, opts.force === true).catch((e: Error) => fail(e.message));
  console.log(`loaded ${resolve(file)} into ${opts.dataDir}: ${describeCounts(m)}; start it with pocketstack start`);
}

/**
 * Loads FILE as the data dir (written aside, then renamed into place). A
 * cloud there is replaced only with `replace`, and never while guests of it
 * still run (they would keep using the old disks).
 */
export async function loadFile(file: string, dataDir: string, replace: boolean): Promise<Manifest> {
  if (hasState(dataDir)) {
    if (!replace)
      throw new Error(
        `${dataDir} already holds a cloud: --force replaces it (or load into another --data-dir, or \`pocketstack reset\` first)`,
      );
    const guests = await liveGuests(dataDir);
    if (guests.length)
      throw new Error(
        `${guests.length} qemu guest(s) of the cloud in ${dataDir} still run: \`pocketstack reset\` first (or start it and delete them)`,
      );
  }
  const bar = progressBar('loading');
  const m = await loadSnapshot(createReadStream(file, { highWaterMark: 1024 * 1024 }), dataDir, {
    replace,
    onProgress: (p) => bar(p.done, p.total),
  });
  bar(1, 1, 'loaded');
  return m;
}

/** What a snapshot holds: read from its head only. */
export async function snapshotShow(file: string): Promise<void> {
  try {
    for await (const ev of readSnapshot(createReadStream(file, { highWaterMark: 64 * 1024 }))) {
      if (ev.type !== 'manifest') break;
      const m = ev.manifest;
      const dirs = Object.entries(m.dirs ?? {}).map(
        ([d, v]) =>
          `\n            ${d === '.' ? 'store, keys' : `${d}/`}: ${v.files} file${v.files === 1 ? '' : 's'}, ${mib(v.bytes)}`,
      );
      console.log(`snapshot ${resolve(file)} (${mib(statSync(file).size)})
  taken     ${m.created_at} from ${m.source} (pocketstack ${m.pocketstack})
  holds     ${describeCounts(m)}
  files     ${m.files}, ${mib(m.bytes)} of data (holes included)${dirs.join('')}`);
      return;
    }
  } catch (e) {
    // reading stops early on purpose; only a bad head is an error
    fail((e as Error).message);
  }
}
