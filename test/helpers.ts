import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { allMigrations, type Cloud, type CloudOptions, createCloud } from '../src/cloud.js';
import { type Config, makeConfig } from '../src/config.js';
import { openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { dropDatabase } from '../src/store/postgres.js';

/**
 * With POCKETSTACK_TEST_DATABASE=postgres://user:pass@host:port/db (what
 * scripts/postgres-test.sh sets), every test cloud runs on PostgreSQL, each on
 * a database of its own; otherwise on a SQLite file in its data dir.
 */
const POSTGRES = process.env.POCKETSTACK_TEST_DATABASE;

/** POCKETSTACK_TEST_LOG=error shows what the test clouds log (a 500's stack), silent by default. */
const TEST_LOG = (process.env.POCKETSTACK_TEST_LOG ?? 'silent') as Config['logLevel'];

/** Whether the suite runs on PostgreSQL (tests that are SQLite-only skip then, saying why). */
export const onPostgres = Boolean(POSTGRES);

/** The database of a test cloud whose data dir is `dataDir`: the same one each time (restart tests). */
export function testDatabase(dataDir: string): string {
  if (!POSTGRES) return join(dataDir, 'pocketstack.db');
  const url = new URL(POSTGRES);
  url.pathname = `/ps_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
  return url.toString();
}

/**
 * Migrating a PostgreSQL database takes seconds (hundreds of DDL statements):
 * the first test cloud of a run migrates a template database, and every
 * test cloud's database is a copy of it (CREATE DATABASE ... TEMPLATE). The
 * template's name carries the migrations' names, so a new migration makes a
 * new template.
 */
let template: Promise<string> | undefined;

export async function migratedTemplate(): Promise<string> {
  const names = Object.keys(allMigrations()).sort();
  const name = `ps_template_${createHash('sha256').update(names.join()).digest('hex').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  try {
    // one worker builds it, the others wait for it
    await admin.query('select pg_advisory_lock(4242)');
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      const building = new URL(POSTGRES!);
      building.pathname = `/${name}_building`;
      await dropDatabase(building.toString());
      const store = await openDatabase(building.toString());
      await migrate(store.db, allMigrations());
      await store.close();
      await admin.query(`alter database ${name}_building rename to ${name}`);
    }
    return name;
  } finally {
    await admin.query('select pg_advisory_unlock(4242)').catch(() => {});
    await admin.end();
  }
}

/** Makes a test cloud's PostgreSQL database, a copy of the migrated template (nothing on SQLite). */
export async function createTestDatabase(dataDir: string): Promise<void> {
  if (!POSTGRES) return;
  template ??= migratedTemplate();
  const from = await template;
  const name = new URL(testDatabase(dataDir)).pathname.slice(1);
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${from}`);
  } finally {
    await admin.end();
  }
}

/** Removes a test cloud's database when it is not a file in its data dir. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  if (POSTGRES) await dropDatabase(testDatabase(dataDir));
}

/** The body of a password log-in (POST /identity/v3/auth/tokens) scoped to a project, as the tests' users have it. */
export function passwordAuthByName(user: string, project = user, password = 'secret') {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      scope: { project: { name: project, domain: { id: 'default' } } },
    },
  };
}

export interface TestCloud {
  cloud: Cloud;
  /** A token for a seeded user on a project (default admin on admin). */
  token(user?: string, project?: string): Promise<string>;
  /** An HTTP call through the app, with a token when `as` names a user ("admin", "demo", or "user:project"). */
  call(opts: InjectOptions & { as?: string; token?: string }): Promise<LightMyRequestResponse>;
  /**
   * A restart: this cloud stops (a clean close) and another starts on the same
   * data dir and store, with `overrides` on top of this one's; the new one
   * owns the data dir and store from then on (its close removes them).
   */
  restart(overrides?: Partial<Config>): Promise<TestCloud>;
  close(): Promise<void>;
}

/**
 * A whole cloud in-process: fresh data dir, real store, fake drivers, no
 * listener. Requests go through Fastify's inject, the same path as HTTP.
 * Given a data dir or a database, it leaves them to whoever made them.
 */
export async function testCloud(overrides: Partial<Config> = {}, options: CloudOptions = {}): Promise<TestCloud> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'pocketstack-test-'));
  const config = makeConfig({
    dataDir,
    database: testDatabase(dataDir),
    adminPassword: 'secret',
    passwordHashCost: 8,
    logLevel: TEST_LOG,
    drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
    ...overrides,
  });
  const owns = { dataDir: !overrides.dataDir, database: !overrides.database };
  if (owns.database) await createTestDatabase(dataDir);
  return openTestCloud(config, overrides, options, owns);
}

async function openTestCloud(
  config: Config,
  overrides: Partial<Config>,
  options: CloudOptions,
  owns: { dataDir: boolean; database: boolean },
): Promise<TestCloud> {
  const cloud = await createCloud(config, { logger: pino({ level: TEST_LOG }), ...options });
  const tokens = new Map<string, string>();
  const token = async (
    user = 'admin',
    project = user === 'alt_demo' ? 'alt_demo' : user === 'demo' ? 'demo' : 'admin',
  ) => {
    const key = `${user}:${project}`;
    const hit = tokens.get(key);
    if (hit) return hit;
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName(user, project),
    });
    if (res.statusCode !== 201) throw new Error(`token for ${key}: ${res.statusCode} ${res.body}`);
    const t = res.headers['x-subject-token'] as string;
    tokens.set(key, t);
    return t;
  };
  return {
    cloud,
    token,
    async call({ as, token: given, headers, ...opts }) {
      const t = given ?? (as ? await token(...(as.split(':') as [string, string?])) : undefined);
      return cloud.app.inject({ ...opts, headers: { ...(t ? { 'x-auth-token': t } : {}), ...headers } });
    },
    async restart(more = {}) {
      await cloud.close();
      const next = { ...overrides, ...more };
      return openTestCloud(makeConfig({ ...config, ...more }), next, options, owns);
    },
    async close() {
      await cloud.close();
      if (owns.database) await dropTestDatabase(config.dataDir);
      if (owns.dataDir) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
