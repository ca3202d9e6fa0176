import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { statementCache } from '../../src/store/db.js';

describe('store: prepared statements are kept', () => {
  let sqlite: SQLite.Database;
  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  function open(max?: number) {
    sqlite = new SQLite(':memory:');
    const prepare = vi.spyOn(sqlite, 'prepare');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: statementCache(sqlite, max) }) });
    return { db, prepare };
  }

  it('prepares a query shape once, however often it runs, with its own parameters each time', async () => {
    const { db, prepare } = open();
    await db.schema.createTable('t').addColumn('id', 'integer').addColumn('name', 'text').execute();
    const calls = prepare.mock.calls.length;
    for (let i = 0; i < 5; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    for (let i = 0; i < 5; i++)
      expect(await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirst()).toEqual({ name: `n${i}` });
    expect(prepare.mock.calls.length - calls).toBe(2);
    await db.destroy();
  });

  it('sees a schema change through a kept statement', async () => {
    const { db } = open();
    await db.schema.createTable('t').addColumn('id', 'integer').execute();
    await db.insertInto('t').values({ id: 1 }).execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1 }]);
    await db.schema.alterTable('t').addColumn('extra', 'text').execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1, extra: null }]);
    await db.destroy();
  });

  it('keeps at most `max`, dropping the least recently used', async () => {
    const { db, prepare } = open(2);
    const q = (n: number) => sql`select ${sql.lit(n)} as n`.execute(db);
    await q(1);
    await q(2);
    await q(1); // 1 is now the most recent
    await q(3); // drops 2
    const calls = prepare.mock.calls.length;
    await q(1);
    await q(3);
    expect(prepare.mock.calls.length).toBe(calls);
    await q(2);
    expect(prepare.mock.calls.length).toBe(calls + 1);
    await db.destroy();
  });

  it('never hands out a statement that is still being iterated', () => {
    sqlite = new SQLite(':memory:');
    const cache = statementCache(sqlite);
    cache.prepare('create table t (id integer)').run([]);
    for (let i = 0; i < 3; i++) cache.prepare('insert into t values (?)').run([i]);
    const text = 'select id from t order by id';
    const outer = cache.prepare(text);
    const seen: number[][] = [];
    for (const row of outer.iterate([]) as IterableIterator<{ id: number }>) {
      const inner = cache.prepare(text);
      expect(inner).not.toBe(outer);
      seen.push([row.id, (inner.all([]) as unknown[]).length]);
    }
    expect(seen).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(cache.prepare(text)).toBe(outer); // free again
  });

  it('answers rows as better-sqlite3 does: column order, a repeated name its last value, streamed or not', async () => {
    const { db } = open();
    await db.schema.createTable('t').addColumn('id', 'integer').addColumn('name', 'text').execute();
    await db
      .insertInto('t')
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: null },
      ])
      .execute();
    const text = "select name, id, 7 as name, x'00' as blob from t order by id";
    const direct = sqlite.prepare(text).all();
    expect(direct).toEqual([
      { name: 7, id: 1, blob: Buffer.from([0]) },
      { name: 7, id: 2, blob: Buffer.from([0]) },
    ]);
    const kept = await sql.raw(text).execute(db);
    expect(kept.rows).toEqual(direct);
    expect(kept.rows.map((r) => Object.keys(r as object))).toEqual(direct.map((r) => Object.keys(r as object)));
    const streamed: unknown[] = [];
    for await (const r of db.selectFrom('t').select(['id', 'name']).orderBy('id').stream()) streamed.push(r);
    expect(streamed).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: null },
    ]);
    await db.destroy();
  });
});
