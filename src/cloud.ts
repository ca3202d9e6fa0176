import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { prepareDataDir } from './data-dir.js';
import { migrations as faultMigrations } from './faults/store.js';
import { buildApp } from './server/app.js';
import { allServices } from './services/index.js';
import type { Service } from './services/service.js';
import { PG_DUMP, restoreIfLoaded } from './snapshot/postgres.js';
import { type Dialect, openDatabase, type Store } from './store/db.js';
import { Leadership } from './store/leader.js';
import { migrate } from './store/migrate.js';
import { background, isPostgresUrl } from './store/postgres.js';
import { migrations as taskMigrations } from './tasks/migrations.js';
import { TaskRunner } from './tasks/runner.js';

/**
 * The running cloud: configuration, the store, the task runner and the HTTP
 * app. Services receive it and keep no other global state.
 */
export interface Cloud {
  config: Config;
  db: Store;
  /** Which database the store is on (SQLite by default, PostgreSQL with --database postgres://...). */
  dialect: Dialect;
  /**
   * The SQLite handle under db (snapshots take its online backup). Undefined
   * on PostgreSQL, whatever the type says (src/snapshot checks it first).
   */
  sqlite: SQLite.Database;
  log: Logger;
  tasks: TaskRunner;
  /**
   * Whether this process runs the tasks and the resume work (store/leader.ts):
   * always with SQLite; with PostgreSQL, the one process holding the lock.
   */
  leadership: Leadership;
  services: Service[];
  app: FastifyInstance;
  /** The listener's base URL once listening (http://127.0.0.1:5000); catalog URLs derive from it. */
  baseUrl: string;
  close(): Promise<void>;
  /**
   * Set while the host is being prepared for the real drivers (first start,
   * src/host/setup.ts): they wait for it (src/host/gate.ts), the API does not.
   */
  hostReady?: Promise<void>;
}

export interface CloudOptions {
  logger?: Logger;
  /** The host setup the real drivers wait for (see Cloud.hostReady). */
  hostReady?: Promise<void>;
}

/** Every migration of the store: the task runner's, the fault rules', each service's. */
export function allMigrations(services: Service[] = allServices()): Record<string, Migration> {
  return Object.assign({}, taskMigrations, faultMigrations, ...services.map((s) => s.migrations));
}

/** Opens the store, migrates, builds the app and runs every service's bootstrap. Does not listen. */
export async function createCloud(config: Config, opts: CloudOptions = {}): Promise<Cloud> {
  const log = opts.logger ?? pino({ level: config.logLevel });
  prepareDataDir(config.dataDir);
  // a data dir loaded from a PostgreSQL snapshot: its store goes into the database first
  if (isPostgresUrl(config.database)) await restoreIfLoaded(config.dataDir, config.database);
  else if (existsSync(join(config.dataDir, PG_DUMP)))
    throw new Error(
      `the data dir ${config.dataDir} was loaded from a snapshot of a PostgreSQL cloud: start it with --database postgres://... (an empty or new database)`,
    );
  const store = await openDatabase(config.database);
  const { db } = store;
  const services = allServices();
  try {
    await migrate(db, allMigrations(services));
  } catch (e) {
    await store.close();
    throw e;
  }
  const tasks = new TaskRunner(db, log);
  const leadership = new Leadership(store.dialect === 'postgres' ? config.database : undefined, log);
  const cloud = {
    config,
    db,
    dialect: store.dialect,
    sqlite: store.sqlite as SQLite.Database,
    log,
    tasks,
    leadership,
    services,
    baseUrl: `http://${config.host}:${config.port}`,
    hostReady: opts.hostReady,
  } as Cloud;
  cloud.app = await buildApp(cloud);
  cloud.close = async () => {
    await tasks.stop();
    await leadership.close();
    for (const s of services) await s.close?.(cloud);
    await cloud.app.close();
    await store.close();
  };
  try {
    // bootstraps one process at a time; the leader's also resume what a stop left (Service.resume)
    await leadership.exclusive(async () => {
      await leadership.claim();
      for (const s of services) await s.bootstrap?.(cloud);
    });
  } catch (e) {
    await leadership.close();
    await store.close();
    throw e;
  }
  if (leadership.leading) tasks.start();
  leadership.watch({ lead: () => takeOver(cloud), stepDown: () => tasks.stop() });
  return cloud;
}

/**
 * A process that joined on PostgreSQL becomes the leader (the first stopped or
 * died): it resumes what was left, as a first start does, and runs the tasks.
 */
export async function takeOver(cloud: Cloud): Promise<void> {
  // background: on PostgreSQL the sweeps take turns with the requests for the pool (postgres.ts)
  await background(async () => {
    for (const s of cloud.services) await s.resume?.(cloud);
  });
  cloud.tasks.start();
}

/** Listens on config.host:config.port, then records the real base URL (port 0 picks one). */
export async function listen(cloud: Cloud): Promise<string> {
  await cloud.app.listen({ host: cloud.config.host, port: cloud.config.port });
  const addr = cloud.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cloud.config.port;
  const host = cloud.config.host.includes(':') ? `[${cloud.config.host}]` : cloud.config.host;
  cloud.baseUrl = `http://${host}:${port}`;
  for (const s of cloud.services) await s.onListen?.(cloud);
  return cloud.baseUrl;
}
