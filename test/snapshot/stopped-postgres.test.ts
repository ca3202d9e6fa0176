import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFile, snapshotSave } from '../../src/cli/snapshot.js';
import { writeState } from '../../src/cli/state.js';
import { createCloud } from '../../src/cloud.js';
import { makeConfig } from '../../src/config.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { PG_DUMP } from '../../src/snapshot/postgres.js';
import { redact } from '../../src/store/postgres.js';
import { dropTestDatabase, onPostgres, passwordAuthByName, testCloud, testDatabase } from '../helpers.js';

// `snapshot save` of a stopped cloud whose store is PostgreSQL: pg_dump of
// its database as it is (nothing runs, nothing to hold), found from the
// database the last start recorded in the data dir; and `snapshot load`
// without --force refuses such a data dir as it refuses a SQLite cloud's.

const bin = join(__dirname, '../../bin/pocketstack.js');

/** What `pocketstack stop` leaves of a cloud on PostgreSQL: its state file, the database recorded (password hidden). */
function recordStopped(dir: string, database: string): void {
  writeState(dir, {
    url: 'http://127.0.0.1:1',
    pid: 0,
    startedAt: new Date().toISOString(),
    region: 'RegionOne',
    database,
  });
}

describe.skipIf(!onPostgres)('snapshot of a stopped cloud on PostgreSQL', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) {
      await dropTestDatabase(d);
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('saves the database (pg_dump) and the files; loaded, it is the same cloud; load without --force refuses it', async () => {
    const t = await testCloud({ drivers: { compute: 'fake', network: 'fake', volume: 'file' } });
    const dir = t.cloud.config.dataDir;
    dirs.push(dir);
    const bytes = randomBytes(2 * 1024 * 1024 + 7);
    const img = (
      await t.call({
        method: 'POST',
        url: '/image/v2/images',
        as: 'admin',
        payload: { name: 'kept', disk_format: 'raw', container_format: 'bare' },
      })
    ).json();
    const up = await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/file`,
      as: 'admin',
      headers: { 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    expect(up.statusCode).toBe(204);
    const net = await t.call({
      method: 'POST',
      url: '/networking/v2.0/networks',
      as: 'admin',
      payload: { network: { name: 'kept-net' } },
    });
    expect(net.statusCode).toBe(201);
    // stopped, as `pocketstack stop` leaves it: the database recorded with its password hidden
    await t.cloud.close();
    const database = testDatabase(dir);
    recordStopped(dir, redact(database));

    const file = join(mkdtempSync(join(tmpdir(), 'pocketstack-snap-')), 'stopped.snapshot');
    dirs.push(join(file, '..'));
    const before = process.env.PGPASSWORD;
    process.env.PGPASSWORD = decodeURIComponent(new URL(database).password);
    try {
      await snapshotSave(file, { dataDir: dir });
    } finally {
      if (before === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = before;
    }

    // the stopped cloud's data dir holds no store file, yet it is a cloud: load without --force refuses it
    expect(existsSync(join(dir, 'pocketstack.db'))).toBe(false);
    await expect(loadFile(file, dir, false)).rejects.toThrow(
      /already holds a cloud: --force replaces it \(or load into another --data-dir, or `pocketstack reset` first\)/,
    );

    const into = mkdtempSync(join(tmpdir(), 'pocketstack-snap-load-'));
    dirs.push(into);
    const m = await loadSnapshot(createReadStream(file), into);
    expect(m.counts).toMatchObject({ images: 2, networks: expect.any(Number) });
    expect(existsSync(join(into, PG_DUMP))).toBe(true);
    const b = await createCloud(
      makeConfig({
        dataDir: into,
        database: testDatabase(into),
        passwordHashCost: 8,
        logLevel: 'silent',
        drivers: { compute: 'fake', network: 'fake', volume: 'file' },
      }),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const login = await b.app.inject({
        method: 'POST',
        url: '/identity/v3/auth/tokens',
        payload: passwordAuthByName('admin'),
      });
      const headers = { 'x-auth-token': login.headers['x-subject-token'] as string };
      const data = await b.app.inject({ method: 'GET', url: `/image/v2/images/${img.id}/file`, headers });
      expect(data.statusCode).toBe(200);
      expect(Buffer.compare(data.rawPayload, bytes)).toBe(0);
      const nets = await b.app.inject({ method: 'GET', url: '/networking/v2.0/networks?name=kept-net', headers });
      expect(nets.json().networks.map((n: { id: string }) => n.id)).toEqual([net.json().network.id]);
    } finally {
      await b.close();
    }
  });
});

describe('snapshot save of a data dir loaded from a PostgreSQL snapshot and never started', () => {
  it('says so and how to go on, instead of opening a SQLite store that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-pgdump-'));
    try {
      // what `snapshot load` of a PostgreSQL snapshot leaves: the dump, restored at the first start
      writeFileSync(join(dir, PG_DUMP), 'PGDMP');
      const r = spawnSync(process.execPath, [bin, 'snapshot', 'save', join(dir, 'again.snapshot'), '--data-dir', dir], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${dir} holds a PostgreSQL snapshot not restored yet (${PG_DUMP})`);
      expect(existsSync(join(dir, 'again.snapshot'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('snapshot save and load beside processes that joined on PostgreSQL, the first of them gone', () => {
  it('refuse: those processes still write to the database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-joined-'));
    // a live process whose command line names pocketstack stands in for one that joined
    const joined = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'pocketstack-joined'], {
      stdio: 'ignore',
    });
    try {
      writeFileSync(join(dir, `pocketstack-${joined.pid}.pid`), `${joined.pid}\n`);
      recordStopped(dir, 'postgres://ps:***@127.0.0.1:1/cloud');
      const words = `processes that joined the cloud on ${dir} still run (pid ${joined.pid})`;
      for (const args of [
        ['snapshot', 'save', join(dir, 'taken.snapshot'), '--data-dir', dir],
        ['snapshot', 'load', join(dir, 'no-such.snapshot'), '--data-dir', dir, '--force'],
      ]) {
        const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(words);
      }
      expect(existsSync(join(dir, 'taken.snapshot'))).toBe(false);
    } finally {
      joined.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('snapshot load into a data dir whose cloud is on PostgreSQL', () => {
  it('refuses without --force, with the words it has for a SQLite cloud', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-pgdir-'));
    try {
      // what a stopped PostgreSQL cloud leaves: its state file (the database recorded), image files, no store file
      recordStopped(dir, 'postgres://ps:***@127.0.0.1/cloud');
      // refused before the file is read
      await expect(loadFile(join(dir, 'no-such.snapshot'), dir, false)).rejects.toThrow(
        `${dir} already holds a cloud: --force replaces it`,
      );
      const nothing = (async function* (): AsyncGenerator<Buffer> {})();
      await expect(loadSnapshot(nothing, dir)).rejects.toThrow(/already holds a cloud/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
