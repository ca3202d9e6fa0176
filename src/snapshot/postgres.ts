import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { run } from '../host/exec.js';
import { ensureDatabase } from '../store/postgres.js';
import { type Capture, COUNTED, countSql, freezeFiles, frozen, newStage } from './save.js';

// Snapshots of a cloud whose store is PostgreSQL: the store travels as a
// pg_dump archive (custom format) named PG_DUMP among the data dir's files.
// It is taken inside the snapshot's instant: a REPEATABLE READ transaction
// exports its snapshot while the writes are held (routes.ts), and pg_dump
// then dumps exactly that state (--snapshot) while the cloud goes on. A
// loaded data dir keeps the archive until the cloud first opens its
// database: then pg_restore fills the database (which must be empty), and
// the archive goes.

export const PG_DUMP = 'pocketstack.pgdump';

/** A URL's parts for pg_dump and pg_restore: the password goes in the environment, not on the command line. */
function connection(url: string): { args: string[]; env: Record<string, string> } {
  const u = new URL(url);
  const env: Record<string, string> = {};
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  return { args: ['--dbname', u.toString()], env };
}

/**
 * A running cloud's capture on PostgreSQL. `hold` holds the writes (this
 * process's: the write gate) and gives them back; within it, a REPEATABLE
 * READ transaction exports its snapshot, counts the resources and the files
 * are frozen. Then pg_dump dumps that snapshot while the cloud goes on.
 */
export async function capturePostgres(url: string, dataDir: string, hold: () => Promise<() => void>): Promise<Capture> {
  const stage = newStage(dataDir);
  const drop = () => rmSync(stage, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const release = await hold();
    let id: string;
    const counts: Record<string, number> = {};
    let frozenFiles: ReturnType<typeof freezeFiles>;
    const created_at = new Date().toISOString();
    try {
      await client.query('begin isolation level repeatable read read only');
      id = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0].id;
      frozenFiles = freezeFiles(stage, dataDir);
    } finally {
      release();
    }
    for (const [kind, table] of COUNTED) {
      const cols = await client.query<{ name: string }>(
        'select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1',
        [table],
      );
      if (cols.rows.length === 0) continue;
      const { rows } = await client.query<{ n: string }>(countSql(table, new Set(cols.rows.map((c) => c.name))));
      counts[kind] = Number(rows[0].n);
    }
    const file = join(stage, PG_DUMP);
    await dump(url, id, file);
    await client.query('commit');
    return {
      stage,
      files: [frozen(PG_DUMP, file), ...frozenFiles.files],
      counts,
      created_at,
      live: frozenFiles.live,
      drop,
    };
  } catch (e) {
    drop();
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A stopped cloud's capture on PostgreSQL: nothing runs, so nothing to
 * hold; the same export and pg_dump as a running cloud's.
 */
export function captureStoppedPostgres(url: string, dataDir: string): Promise<Capture> {
  return capturePostgres(url, dataDir, async () => () => {});
}

/** Dumps the database at the exported snapshot `id` to `file` (pg_dump's custom format). */
async function dump(url: string, id: string, file: string): Promise<void> {
  const c = connection(url);
  const args = ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${id}`, '--file', file, ...c.args];
  await run('pg_dump', args, { env: c.env, timeoutMs: 30 * 60_000 });
}

/**
 * A data dir loaded from a PostgreSQL snapshot holds the store as an
 * archive: restores it into `url` (created when missing; it must hold no
 * tables) and removes the archive. Nothing to do otherwise.
 */
export async function restoreIfLoaded(dataDir: string, url: string): Promise<boolean> {
  const file = join(dataDir, PG_DUMP);
  if (!existsSync(file)) return false;
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    );
    if (Number(rows[0].n) > 0)
      throw new Error(
        `the data dir ${dataDir} was loaded from a snapshot, but the database already holds tables: give an empty (or new) database`,
      );
  } finally {
    await client.end().catch(() => {});
  }
  const c = connection(url);
  await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', ...c.args, file], {
    env: c.env,
    timeoutMs: 30 * 60_000,
  });
  rmSync(file, { force: true });
  return true;
}
