import type SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { prepareDataDir } from './data-dir.js';
import { migrations as faultMigrations } from './faults/store.js';
import { buildApp } from './server/app.js';
import { allServices } from './services/index.js';
import type { Service } from './services/service.js';
import { openStore, type Store } from './store/db.js';
import { migrate } from './store/migrate.js';
import { migrations as taskMigrations } from './tasks/migrations.js';
import { TaskRunner } from './tasks/runner.js';

/**
 * The running cloud: configuration, the store, the task runner and the HTTP
 * app. Services receive it and keep no other global state.
 */
export interface Cloud {
  config: Config;
  db: Store;
  /** The SQLite handle under db (snapshots take its online backup). */
  sqlite: SQLite.Database;
  log: Logger;
  tasks: TaskRunner;
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

/** Opens the store, migrates, builds the app and runs every service's bootstrap. Does not listen. */
export async function createCloud(config: Config, opts: CloudOptions = {}): Promise<Cloud> {
  const log = opts.logger ?? pino({ level: config.logLevel });
  prepareDataDir(config.dataDir);
  const { db, sqlite } = openStore(config.database);
  const services = allServices();
  await migrate(db, Object.assign({}, taskMigrations, faultMigrations, ...services.map((s) => s.migrations)));
  const tasks = new TaskRunner(db, log);
  const cloud = {
    config,
    db,
    sqlite,
    log,
    tasks,
    services,
    baseUrl: `http://${config.host}:${config.port}`,
    hostReady: opts.hostReady,
  } as Cloud;
  cloud.app = await buildApp(cloud);
  cloud.close = async () => {
    await tasks.stop();
    for (const s of services) await s.close?.(cloud);
    await cloud.app.close();
    await db.destroy();
    if (sqlite.open) sqlite.close();
  };
  for (const s of services) await s.bootstrap?.(cloud);
  tasks.start();
  return cloud;
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
