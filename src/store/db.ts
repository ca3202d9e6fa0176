import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, type SqliteDatabase, SqliteDialect, type SqliteStatement, sql } from 'kysely';
import { isPostgresUrl, openPostgres, redact } from './postgres.js';

/**
 * The store every service shares. Services type it with their own table
 * interfaces (`cloud.db as Kysely<ImageTables>`): the database is one, the
 * schemas are each service's own business.
 */
export type Store = Kysely<any>;

export type Dialect = 'sqlite' | 'postgres';

/** An open store, whichever database is under it. */
export interface OpenedStore {
  db: Store;
  dialect: Dialect;
  /** The raw handle, SQLite only (status, backups and crash checks read the file through it). */
  sqlite?: SQLite.Database;
  /** Where the data is, fit to print (a PostgreSQL password hidden). */
  location: string;
  close(): Promise<void>;
}

/**
 * Opens the store `database` names: a postgres:// or postgresql:// URL is
 * PostgreSQL (store/postgres.ts), anything else a SQLite file (":memory:" for
 * a throwaway one).
 */
export async function openDatabase(database: string): Promise<OpenedStore> {
  if (isPostgresUrl(database)) {
    const { db } = await openPostgres(database);
    return { db, dialect: 'postgres', location: redact(database), close: () => db.destroy() };
  }
  const { db, sqlite } = openStore(database);
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    location: database,
    async close() {
      await db.destroy();
      if (sqlite.open) sqlite.close();
    },
  };
}

/** Which database a store runs on, for the few places that must say it differently. */
export function dialectOf(db: Store): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Whether a table exists (a new database has none). */
export async function tableExists(db: Store, name: string): Promise<boolean> {
  const q =
    dialectOf(db) === 'postgres'
      ? sql<{ name: string }>`select to_regclass(${name})::text as name`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = ${name}`;
  const r = await q.execute(db);
  return r.rows.length > 0 && r.rows[0].name !== null;
}

/** Opens the SQLite store at `file` (":memory:" for a throwaway one), in WAL mode. */
export function openStore(file: string): { db: Store; sqlite: SQLite.Database } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode is durable against process crashes (what we promise);
    // only an OS crash may lose the last transactions.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.prepare('select count(*) from sqlite_master').get();
  } catch (e) {
    sqlite.close();
    throw unusable(e, file);
  }
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: statementCache(sqlite) }) });
  return { db, sqlite };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing (parsing and
 * planning the SQL) was the largest single cost of a request (a third of a
 * port list's CPU, more than running the query). Kysely produces the same SQL
 * text for the same query shape, so statements are kept by their text and
 * reused, the least recently used dropped beyond `max`. A statement still
 * being iterated (a streamed query) is never handed out twice. A schema change
 * (create, alter, drop) forgets them all: SQLite would re-prepare a kept
 * statement by itself, but the column names kept with it (`rowsAsObjects`) could be stale.
 */
export function statementCache(sqlite: SQLite.Database, max = 1000): SqliteDatabase {
  const kept = new Map<string, { stmt: SQLite.Statement; rows: SqliteStatement }>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = kept.get(sql);
      if (hit && !hit.stmt.busy) {
        kept.delete(sql); // re-inserted last: the Map's order is the eviction order
        kept.set(sql, hit);
        return hit.rows;
      }
      if (/^\s*(create|alter|drop)\b/i.test(sql)) kept.clear();
      const stmt = sqlite.prepare(sql);
      const rows = rowsAsObjects(stmt);
      if (hit) return rows;
      kept.set(sql, { stmt, rows });
      if (kept.size > max) kept.delete(kept.keys().next().value as string);
      return rows;
    },
  };
}

/**
 * A statement whose rows are objects, built here from better-sqlite3's raw
 * rows (arrays): better-sqlite3 builds a row object key by key, looking each
 * column's name up again for every row, which was most of the cost of reading
 * a long list (a thousand ports: 6.4 ms of rows as objects, 2.7 ms as arrays).
 * A repeated column name keeps its first place and its last value, as there.
 */
function rowsAsObjects(stmt: SQLite.Statement): SqliteStatement {
  if (!stmt.reader) return stmt;
  stmt.raw(true);
  const names = stmt.columns().map((c) => c.name);
  const object = (row: unknown[]) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) o[names[i]] = row[i];
    return o;
  };
  return {
    reader: true,
    all: (params) => (stmt.all(params) as unknown[][]).map(object),
    run: (params) => stmt.run(params),
    *iterate(params) {
      for (const row of stmt.iterate(params) as IterableIterator<unknown[]>) yield object(row);
    },
  };
}

/** A database pocketstack cannot use as it is: corrupt, not SQLite, or from a newer version. */
export class DatabaseUnusable extends Error {
  constructor(
    message: string,
    readonly reason: 'corrupt' | 'newer',
  ) {
    super(message);
  }
}

/** SQLite's "not a database" and "malformed" errors become DatabaseUnusable; others pass through. */
export function unusable(e: unknown, file: string): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return new DatabaseUnusable(`the database ${file} is corrupt (${(e as Error).message})`, 'corrupt');
  return e;
}
