import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';

/**
 * The store every service shares. Services type it with their own table
 * interfaces (`cloud.db as Kysely<ImageTables>`): the database is one, the
 * schemas are each service's own business.
 */
export type Store = Kysely<any>;

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
 * being iterated (a streamed query) is never handed out twice. SQLite
 * re-prepares a kept statement by itself when the schema changes.
 */
export function statementCache(sqlite: SQLite.Database, max = 1000): SqliteDatabase {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = kept.get(sql);
      if (hit && !hit.busy) {
        kept.delete(sql); // re-inserted last: the Map's order is the eviction order
        kept.set(sql, hit);
        return hit;
      }
      const stmt = sqlite.prepare(sql);
      if (hit) return stmt;
      kept.set(sql, stmt);
      if (kept.size > max) kept.delete(kept.keys().next().value as string);
      return stmt;
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
