import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ColumnDefinitionNode,
  DataTypeNode,
  type IsolationLevel,
  Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  type OperatorNode,
  OrderByItemNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type Transaction,
  type TransactionBuilder,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';

// PostgreSQL, made to behave as the SQLite store does, so that the same
// migrations and queries serve both. Everything that differs lives here:
//
// - Column types: migrations say 'integer' (SQLite's is 64-bit), 'real' and
//   'text'. Here integer is bigint, real is double precision, text compares
//   byte-wise (collate "C", as SQLite's BINARY does, whatever the database's
//   locale), and an autoincrement key is a bigserial.
// - bigint and numeric come back as JS numbers (count(*) and sum() return
//   them), as SQLite's integers do.
// - LIKE is ASCII case-insensitive in SQLite: here it is ILIKE.
// - NULLs sort first ascending and last descending, as SQLite sorts them.
// - Transactions. SQLite runs one transaction at a time (Kysely serializes
//   them on its one connection), and the services rely on it: IPAM picks the
//   lowest free address, quota checks count then insert, names are checked
//   then inserted, all inside one transaction. On a pool transactions really
//   run concurrently, so every transaction here is SERIALIZABLE: PostgreSQL
//   guarantees the outcome of some serial order, or fails one transaction
//   with a serialization failure (40001, or a deadlock 40P01), which is
//   retried here, whole, a bounded number of times (retries within one
//   process one at a time, so that a crowd of requests after the same row
//   does not keep failing each other). The transaction bodies
//   are database work only (what they change outside the database happens
//   after commit), so running one again is safe. One way for everything, in
//   one place: no SELECT ... FOR UPDATE scattered over the services.
// - A statement that fails inside a transaction aborts the whole
//   transaction in PostgreSQL, not in SQLite: no service tries a statement
//   and carries on when it fails inside a transaction; one that must, does it
//   in a savepoint (SAVEPOINT, ROLLBACK TO SAVEPOINT).

/** How many times a transaction that lost a serialization race runs again. */
const RETRIES = 20;

const RETRYABLE = new Set(['40001', '40P01']);

export function isSerializationFailure(e: unknown): boolean {
  return RETRYABLE.has((e as { code?: string })?.code ?? '');
}

class SqliteLikeSchema extends OperationNodeTransformer {
  protected override transformColumnDefinition(node: ColumnDefinitionNode): ColumnDefinitionNode {
    const n = super.transformColumnDefinition(node);
    if (n.autoIncrement) return ColumnDefinitionNode.cloneWith(n, { autoIncrement: false, ...retype('bigserial') });
    if (!DataTypeNode.is(n.dataType)) return n;
    switch (n.dataType.dataType) {
      case 'integer':
        return ColumnDefinitionNode.cloneWith(n, retype('bigint'));
      case 'real':
        return ColumnDefinitionNode.cloneWith(n, retype('double precision'));
      case 'text':
        return ColumnDefinitionNode.cloneWith(n, retype('text collate "C"'));
      default:
        return n;
    }
  }

  protected override transformOperator(node: OperatorNode): OperatorNode {
    if (node.operator === 'like') return { ...node, operator: 'ilike' };
    if (node.operator === 'not like') return { ...node, operator: 'not ilike' };
    return node;
  }

  protected override transformOrderByItem(node: OrderByItemNode): OrderByItemNode {
    const n = super.transformOrderByItem(node);
    if (n.nulls) return n;
    return OrderByItemNode.cloneWith(n, { nulls: isDescending(n.direction) ? 'last' : 'first' });
  }
}

// cloneWith does not take dataType; the node is a plain frozen object
function retype(type: string): Partial<ColumnDefinitionNode> {
  return { dataType: RawNode.createWithSql(type) } as unknown as Partial<ColumnDefinitionNode>;
}

function isDescending(direction: unknown): boolean {
  if (!direction || typeof direction !== 'object') return false;
  const d = direction as { kind?: string; sqlFragments?: string[]; direction?: string };
  if (d.kind === 'RawNode') return (d.sqlFragments ?? []).join('').trim().toLowerCase() === 'desc';
  return String(d.direction ?? '').toLowerCase() === 'desc';
}

class SqliteLikePlugin implements KyselyPlugin {
  readonly #t = new SqliteLikeSchema();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#t.transformNode(args.node, args.queryId);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** The store on PostgreSQL: every transaction SERIALIZABLE, retried when it loses a race (see above). */
class PostgresStore extends Kysely<any> {
  /**
   * Retries in this process run one at a time: first attempts run
   * concurrently, but fifty requests that all want the lowest free address
   * would otherwise keep failing each other; in turn, each retry meets only
   * first attempts (and other processes' transactions).
   */
  readonly retries = new Mutex();
  /** Transactions that lost a serialization race and ran again (each run again counts once). */
  retried = 0;
  /** Called after every commit (the task runner looks for the tasks a transaction queued). */
  readonly commitListeners: (() => void)[] = [];
  override transaction(): TransactionBuilder<any> {
    return serializable(this, () => super.transaction());
  }
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((r) => {
      release = r;
    });
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

function serializable(
  store: PostgresStore,
  make: () => TransactionBuilder<any>,
  level: IsolationLevel = 'serializable',
) {
  const builder = {
    setIsolationLevel: (l: IsolationLevel) => serializable(store, make, l),
    setAccessMode: () => builder,
    async execute<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
      const once = async () => {
        const out = await make().setIsolationLevel(level).execute(fn);
        for (const l of store.commitListeners) l();
        return out;
      };
      try {
        return await once();
      } catch (e) {
        if (!isSerializationFailure(e)) throw e;
      }
      return store.retries.run(async () => {
        for (let attempt = 1; ; attempt++) {
          store.retried++;
          try {
            return await once();
          } catch (e) {
            if (!isSerializationFailure(e) || attempt >= RETRIES) throw e;
            // another process's transaction won: a short random pause, longer each time
            await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 100)));
          }
        }
      });
    },
  };
  return builder as unknown as TransactionBuilder<any>;
}

/** How many transactions ran again after a serialization failure since the store opened (0 on SQLite). */
export function serializationRetries(db: Kysely<any>): number {
  return db instanceof PostgresStore ? db.retried : 0;
}

/** Calls `fn` after each transaction commits (PostgreSQL; SQLite's one connection needs none: see TaskRunner.enqueue). */
export function onCommit(db: Kysely<any>, fn: () => void): void {
  if (db instanceof PostgresStore) db.commitListeners.push(fn);
}

// Background work (tasks: a stack's resources, a server's build) and the
// requests share one pool. pg.Pool serves its waiters first come first
// served: a stack of 600 resources queues hundreds of transactions at once,
// and a request's every query would wait behind all of them, then behind
// the next hundreds. Here the requests' waiters and the background's take
// turns for each connection that comes free, so a request waits for about
// one background transaction per query, and the background always moves.
const inBackground = new AsyncLocalStorage<boolean>();

/** Runs `fn` as background work: its queries take turns with the requests' for the pool's connections. */
export function background<T>(fn: () => Promise<T>): Promise<T> {
  return inBackground.run(true, fn);
}

/** Whether the caller runs as background work (background()). */
export function isBackground(): boolean {
  return inBackground.getStore() === true;
}

class FairPool {
  readonly #pool: pg.Pool;
  readonly #max: number;
  #used = 0;
  readonly #requests: (() => void)[] = [];
  readonly #background: (() => void)[] = [];
  #backgroundNext = false;

  constructor(pool: pg.Pool, max: number) {
    this.#pool = pool;
    this.#max = max;
  }

  async connect(): Promise<pg.PoolClient> {
    if (this.#used < this.#max && this.#requests.length + this.#background.length === 0) this.#used++;
    else await new Promise<void>((r) => (inBackground.getStore() ? this.#background : this.#requests).push(r));
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      this.#next();
      throw e;
    }
    const release = client.release;
    client.release = (err?: Error | boolean) => {
      client.release = release;
      release.call(client, err);
      this.#next();
    };
    return client;
  }

  /** A connection came free: when both sides wait, to the side whose turn it is; else to whoever waits. */
  #next(): void {
    let waiter: (() => void) | undefined;
    if (this.#requests.length > 0 && this.#background.length > 0) {
      waiter = (this.#backgroundNext ? this.#background : this.#requests).shift();
      this.#backgroundNext = !this.#backgroundNext;
    } else waiter = this.#requests.shift() ?? this.#background.shift();
    if (waiter) waiter();
    else this.#used--;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

// bigint (20) and numeric (1700) as numbers: ids, sizes and counts fit in 2^53
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The URL with its password hidden, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//.test(database);
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
}

/**
 * Opens a pool on `url`, creating the database when it does not exist yet
 * (which needs the CREATEDB privilege; otherwise the error says to create it).
 */
export async function openPostgres(
  url: string,
  opts: PostgresOptions = {},
): Promise<{ db: Kysely<any>; pool: pg.Pool }> {
  await ensureDatabase(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    idleTimeoutMillis: 10_000,
    types,
    application_name: 'pocketstack',
  });
  // an idle connection that breaks (server restart) must not crash the process
  pool.on('error', () => {});
  const fair = new FairPool(pool, opts.max ?? 10);
  const db = new PostgresStore({
    dialect: new PostgresDialect({ pool: fair as unknown as pg.Pool }),
    plugins: [new SqliteLikePlugin()],
  });
  return { db, pool };
}

/** Creates the database `url` names when it does not exist (CREATEDB needed). */
export async function ensureDatabase(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw unreachable(e, url);
  } finally {
    await probe.end().catch(() => {});
  }
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    await client.query(`create database "${name.replace(/"/g, '""')}" template template0 encoding 'UTF8'`);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '42P04' || code === '23505') return; // another process made it meanwhile
    throw new PostgresUnavailable(
      `the PostgreSQL database "${name}" does not exist and could not be created (${(e as Error).message}): create it (createdb ${name}) or give a role with CREATEDB`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** PostgreSQL cannot be reached, refuses the login, or the database cannot be made: the message says which. */
export class PostgresUnavailable extends Error {}

function unreachable(e: unknown, url: string): Error {
  return new PostgresUnavailable(
    `cannot use PostgreSQL at ${redact(url)}: ${(e as Error).message || (e as { code?: string }).code}`,
  );
}

/** Drops a database (tests: every test cloud has its own); connections to it are ended. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  } finally {
    await client.end().catch(() => {});
  }
}
