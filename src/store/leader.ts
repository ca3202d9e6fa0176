import pg from 'pg';
import type { Logger } from 'pino';

// Several pocketstack processes may serve one PostgreSQL database; exactly
// one of them, the leader, runs the task runner and the work that resumes
// what a stop cut short (recovery sweeps, the drivers' reconcile). The leader
// is whoever holds a session advisory lock on a connection of its own: when
// its process dies, even by kill -9, PostgreSQL ends the session and frees
// the lock, and a follower, which tries again every RETRY_MS, takes over.
// A leader whose connection breaks steps down (stops its task runner) before
// it tries again, so two never run tasks at once for longer than the
// server takes to notice a dead connection.
//
// SQLite has one process per data dir (start refuses a second), which leads.

/** The advisory lock keys: a constant per purpose ('pock', 'ldr' / 'boot'); advisory locks are per database. */
const LEADER_KEY = [0x706f636b, 0x6c6472];
const BOOTSTRAP_KEY = [0x706f636b, 0x626f6f74];

export const RETRY_MS = 2000;

export interface LeaderHooks {
  /** This process became the leader after start (a takeover): resume and run tasks. */
  lead(): Promise<void>;
  /** This process lost leadership (its lock connection broke): stop running tasks. */
  stepDown(): Promise<void>;
}

export class Leadership {
  leading = false;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #hooks: LeaderHooks | undefined;
  #busy: Promise<void> = Promise.resolve();

  /** `url` undefined: SQLite, the one process leads. */
  constructor(
    private readonly url: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Tries once to lead (SQLite: leads); no hooks run. Then the start-up bootstrap knows its part. */
  async claim(): Promise<boolean> {
    if (!this.url) {
      this.leading = true;
      return true;
    }
    this.leading = await this.#try();
    if (this.leading) this.log.info('leader: this process runs the tasks');
    else this.log.info('follower: another process runs the tasks; trying to take over every 2 s');
    return this.leading;
  }

  /**
   * Runs `fn` while no other process bootstraps (first-start seeding of two
   * processes started together must not race); SQLite: runs it.
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.url) return fn();
    const client = await this.#connection();
    await client.query('select pg_advisory_lock($1, $2)', BOOTSTRAP_KEY);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', BOOTSTRAP_KEY).catch(() => {});
    }
  }

  /** From now on a follower tries to take over every RETRY_MS. */
  watch(hooks: LeaderHooks): void {
    this.#hooks = hooks;
    if (!this.url) return;
    this.#timer = setInterval(() => {
      this.#busy = this.#busy.then(() => this.#tick());
    }, RETRY_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#busy;
    const c = this.#client;
    this.#client = undefined;
    // ending the session frees the lock at once for a follower
    await c?.end().catch(() => {});
  }

  async #tick(): Promise<void> {
    if (this.#closed || this.leading) return;
    const got = await this.#try();
    if (!got || this.#closed) return;
    this.leading = true;
    this.log.warn('leader: took over the tasks from a process that stopped');
    try {
      await this.#hooks?.lead();
    } catch (err) {
      this.log.error({ err }, 'leader: resuming after the takeover failed');
    }
  }

  async #try(): Promise<boolean> {
    try {
      const client = await this.#connection();
      const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', LEADER_KEY);
      return r.rows[0]?.ok === true;
    } catch (err) {
      this.log.warn({ err }, 'leader: the lock could not be tried');
      return false;
    }
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({ connectionString: this.url, application_name: 'pocketstack-leader' });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    await client.connect();
    this.#client = client;
    return client;
  }

  #lost(client: pg.Client, err?: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    if (this.#closed || !this.leading) return;
    this.leading = false;
    this.log.error({ err }, 'leader: the lock connection broke; stepping down until the lock is free again');
    this.#busy = this.#busy.then(() => this.#hooks?.stepDown()).catch(() => {});
  }
}
