import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

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
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against process crashes (what we promise);
  // only an OS crash may lose the last transactions.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, sqlite };
}
