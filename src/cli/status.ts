import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { readDefaultImageState } from '../images/default-image.js';
import { isRunning, readState } from './state.js';

function du(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.blocks * 512;
  return readdirSync(path).reduce((sum, f) => sum + du(join(path, f)), 0);
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// The tables whose row counts say "how much state" to a person.
// (Each service names its own tables; a table that is not there is skipped.)
const COUNTED: [string, string][] = [
  ['projects', 'projects'],
  ['users', 'users'],
  ['images', 'images'],
  ['neutron_networks', 'networks'],
  ['neutron_ports', 'ports'],
  ['nova_instances', 'servers'],
  ['volumes', 'volumes'],
  ['heat_stacks', 'stacks'],
];

/**
 * Prints what runs on the data dir. Exit status as LSB's `status`: 0 running
 * and answering, 1 running but not answering, 3 not running.
 */
export async function status(opts: { dataDir: string }): Promise<number> {
  const state = readState(opts.dataDir);
  const running = isRunning(state);
  let answering = false;
  if (running && state) {
    try {
      const res = await fetch(`${state.url}/identity/v3`, { signal: AbortSignal.timeout(2000) });
      answering = res.ok;
    } catch {
      answering = false;
    }
  }
  console.log(
    running
      ? `running   ${state!.url} (pid ${state!.pid}${answering ? '' : ', not answering'}, since ${state!.startedAt})`
      : 'stopped',
  );
  if (running && state?.drivers?.network)
    console.log(
      `network   ${state.drivers.network} driver${state.drivers.network === 'linux' && state.floatingRange ? ` (public network ${state.floatingRange})` : ''}`,
    );
  if (running && state?.drivers?.compute) console.log(`compute   ${state.drivers.compute}`);
  console.log(`data dir  ${opts.dataDir} (${human(du(opts.dataDir))})`);
  const dbFile = join(opts.dataDir, 'pocketstack.db');
  // the counts read the SQLite file; a PostgreSQL store is only named
  if (state?.database) console.log(`database  ${state.database}`);
  else if (existsSync(dbFile)) {
    try {
      printState(dbFile, opts.dataDir);
    } catch (e) {
      console.log(`state     the database ${dbFile} cannot be read (${(e as Error).message})`);
    }
  }
  return !running ? 3 : answering ? 0 : 1;
}

function printState(dbFile: string, dataDir: string): void {
  const db = new SQLite(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(
      (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const counts = COUNTED.filter(([t]) => tables.has(t)).map(
      ([t, label]) => `${label} ${(db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n}`,
    );
    console.log(`state     ${counts.join(', ')}`);
    const image = readDefaultImageState(dataDir);
    if (image) console.log(`image     default: ${image.detail}`);
  } finally {
    db.close();
  }
}
