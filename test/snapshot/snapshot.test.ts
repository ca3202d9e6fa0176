import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloud, listen } from '../../src/cloud.js';
import { makeConfig } from '../../src/config.js';
import { readSnapshot } from '../../src/snapshot/format.js';
import { writeGate } from '../../src/snapshot/freeze.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { snapshotStream, stateFiles } from '../../src/snapshot/save.js';
import {
  dropTestDatabase,
  onPostgres,
  passwordAuthByName,
  type TestCloud,
  testCloud,
  testDatabase,
} from '../helpers.js';
import { boot, cirros, mv } from '../services/compute/util.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** sha256 of a file read in chunks (volumes are 1 GiB, mostly holes). */
function fileSha(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16 * 1024 * 1024);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Whether two raw files hold the same bytes: qemu-img compare (it skips holes; volumes are 1 GiB, mostly holes). */
function sameBytes(a: string, b: string): boolean {
  try {
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'raw', a, b]);
    return true;
  } catch {
    return false;
  }
}

/** Every resource a client sees, by kind: what must be the same after a round trip. */
async function inventory(call: TestCloud['call'], pid: string) {
  const get = async (url: string, key: string) =>
    ((await call({ method: 'GET', url, as: 'admin' })).json()[key] as Record<string, unknown>[])
      .map((r) => JSON.stringify([r.id, r.name ?? r.stack_name, r.status ?? r.stack_status]))
      .sort();
  return {
    servers: await get('/compute/v2.1/servers/detail?all_tenants=1', 'servers'),
    images: await get('/image/v2/images', 'images'),
    volumes: await get(`/volume/v3/${pid}/volumes/detail?all_tenants=1`, 'volumes'),
    networks: await get('/networking/v2.0/networks', 'networks'),
    ports: await get('/networking/v2.0/ports', 'ports'),
    stacks: await get(`/heat-api/v1/${pid}/stacks`, 'stacks'),
    projects: await get('/identity/v3/projects', 'projects'),
  };
}

async function* bodyOf(res: Response): AsyncGenerator<Buffer> {
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(c);
}

// on SQLite the store is the file; on PostgreSQL a pg_dump archive at the same instant, restored when the
// loaded cloud first opens its (new) database
describe('snapshot save and load', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let url: string;
  let pid: string;
  const dirs: string[] = [];
  const imageData = Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(2 * 1024 * 1024), randomBytes(1000)]);
  beforeAll(async () => {
    t = await testCloud({ port: 0, drivers: { compute: 'fake', network: 'fake', volume: 'file' } });
    url = await listen(t.cloud);
    pid = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'admin' }))
      .json()
      .projects.find((p: { name: string }) => p.name === 'admin').id;
  }, 60_000);
  afterAll(async () => {
    await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('round trip of a running cloud: every resource and every image and volume byte the same', async () => {
    // a cloud with images, volumes, servers and a stack
    const img = (
      await t.call({
        method: 'POST',
        url: '/image/v2/images',
        as: 'admin',
        payload: { name: 'data', disk_format: 'raw', container_format: 'bare' },
      })
    ).json();
    const up = await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/file`,
      as: 'admin',
      headers: { 'content-type': 'application/octet-stream' },
      payload: imageData,
    });
    expect(up.statusCode).toBe(204);
    const vol = async (body: Record<string, unknown>) =>
      (
        await t.call({ method: 'POST', url: `/volume/v3/${pid}/volumes`, as: 'admin', payload: { volume: body } })
      ).json().volume.id as string;
    const fromImage = await vol({ name: 'from-image', size: 1, imageRef: img.id });
    await vol({ name: 'empty', size: 1 });
    await boot(t, 'admin', { name: 's1', imageRef: await cirros(t), flavorRef: '1', networks: 'auto' }, mv('2.37'));
    const stack = await t.call({
      method: 'POST',
      url: `/heat-api/v1/${pid}/stacks`,
      as: 'admin',
      payload: {
        stack_name: 'st',
        template: {
          heat_template_version: '2018-08-31',
          resources: { n: { type: 'OS::Neutron::Net', properties: { name: 'stack-net' } } },
        },
      },
    });
    expect(stack.statusCode).toBe(201);
    await t.cloud.tasks.idle();
    const before = await inventory(t.call, pid);
    expect(before.volumes.filter((v) => v.includes('available'))).toHaveLength(2);
    expect(before.stacks[0]).toContain('CREATE_COMPLETE');

    // saved while serving: writes sent with it land either wholly before the instant it is taken or after
    const admin = await t.token();
    const during = Array.from({ length: 8 }, (_, i) =>
      t.call({
        method: 'POST',
        url: '/networking/v2.0/networks',
        as: 'admin',
        payload: { network: { name: `during-${i}` } },
      }),
    );
    const res = await fetch(`${url}/pocketstack/v1/snapshot`, { headers: { 'x-auth-token': admin } });
    expect(res.status).toBe(200);
    // the cloud goes on while the snapshot streams: reads, and writes too (they are not in it)
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'admin' })).statusCode).toBe(200);
    const late = await t.call({
      method: 'POST',
      url: '/networking/v2.0/networks',
      as: 'admin',
      payload: { network: { name: 'late' } },
    });
    expect(late.statusCode).toBe(201);
    for (const w of await Promise.all(during)) expect(w.statusCode).toBe(201);
    const file = join(mkdtempSync(join(tmpdir(), 'pocketstack-snap-')), 'cloud.snapshot');
    dirs.push(join(file, '..'));
    const chunks: Buffer[] = [];
    for await (const c of bodyOf(res)) chunks.push(c);
    writeFileSync(file, Buffer.concat(chunks));
    // the staging dir of the snapshot is gone once it is sent
    expect(readdirSync(join(t.cloud.config.dataDir, 'tmp')).filter((n) => n.startsWith('snapshot-'))).toEqual([]);
    // sparse volumes stay small: 2 GiB of volumes, a few MiB of snapshot
    expect(statSync(file).size).toBeLessThan(32 * 1024 * 1024);

    // loaded into a fresh data dir, the cloud there is the same
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-load-'));
    dirs.push(dir);
    const m = await loadSnapshot(createReadStream(file), dir);
    expect(m.counts).toMatchObject({ servers: 1, images: 2, volumes: 2, stacks: 1 });
    const config = makeConfig({
      dataDir: dir,
      database: testDatabase(dir),
      passwordHashCost: 8,
      logLevel: 'silent',
      drivers: { compute: 'fake', network: 'fake', volume: 'file' },
    });
    const b = await createCloud(config, { logger: pino({ level: 'silent' }) });
    try {
      const token = (
        await b.app.inject({
          method: 'POST',
          url: '/identity/v3/auth/tokens',
          payload: passwordAuthByName('admin'),
        })
      ).headers['x-subject-token'] as string;
      const callB: TestCloud['call'] = ({ as: _as, ...o }) =>
        b.app.inject({ ...o, headers: { 'x-auth-token': token, ...o.headers } });
      const after = await inventory(callB, pid);
      const { networks, ports, ...rest } = after;
      const { networks: n0, ports: p0, ...rest0 } = before;
      expect(rest).toEqual(rest0);
      // every network made before is there, none made after, and of those sent with it each one wholly or not at all
      const withoutDuring = (l: string[]) => l.filter((n) => !n.includes('during-'));
      expect(withoutDuring(networks)).toEqual(n0);
      expect(withoutDuring(ports)).toEqual(p0);
      expect(networks.some((n) => n.includes('late'))).toBe(false);
      const source = await inventory(t.call, pid);
      for (const n of networks) expect(source.networks).toContain(n);
      const data = await callB({ method: 'GET', url: `/image/v2/images/${img.id}/file` });
      expect(sha(data.rawPayload)).toBe(sha(imageData));
      const files = stateFiles(t.cloud.config.dataDir).filter(
        (f) => f.startsWith('volumes/') || f.startsWith('images/'),
      );
      expect(files.filter((f) => f.startsWith('volumes/'))).toHaveLength(2);
      for (const f of files) {
        expect(existsSync(join(dir, f)), f).toBe(true);
        // images by checksum, volumes byte for byte
        if (f.startsWith('images/')) expect(fileSha(join(dir, f)), f).toBe(fileSha(join(t.cloud.config.dataDir, f)));
        else expect(sameBytes(join(dir, f), join(t.cloud.config.dataDir, f)), f).toBe(true);
      }
      // Glance's own checksums of every image hold for the loaded bytes
      for (const i of (await callB({ method: 'GET', url: '/image/v2/images' })).json().images) {
        if (i.status !== 'active') continue;
        const body = (await callB({ method: 'GET', url: `/image/v2/images/${i.id}/file` })).rawPayload;
        expect(createHash('sha512').update(body).digest('hex'), i.name).toBe(i.os_hash_value);
      }
      // the volume made from the image holds its bytes, and stays sparse
      const volFile = readdirSync(join(dir, 'volumes')).find((n) => n.includes(fromImage))!;
      const st = statSync(join(dir, 'volumes', volFile));
      expect(st.size).toBe(1024 ** 3);
      expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
      const head = Buffer.alloc(imageData.length);
      const fd = openSync(join(dir, 'volumes', volFile), 'r');
      readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      expect(sha(head)).toBe(sha(imageData));
    } finally {
      await b.close();
      await dropTestDatabase(dir);
    }
  });

  it.skipIf(onPostgres)(
    'refuses a damaged or cut short snapshot and leaves the data dir as it was; refuses a cloud there (skipped on PostgreSQL: it reads the SQLite file)',
    async () => {
      const chunks: Buffer[] = [];
      for await (const c of snapshotStream(t.cloud.sqlite, t.cloud.config.dataDir)) chunks.push(c);
      const whole = Buffer.concat(chunks);
      const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-bad-'));
      dirs.push(dir);
      const damaged = Buffer.from(whole);
      damaged[Math.floor(damaged.length / 2)] ^= 0xff;
      const once = async function* (b: Buffer) {
        yield b;
      };
      await expect(loadSnapshot(once(damaged), dir)).rejects.toThrow(/damaged|unknown record|snapshot/);
      await expect(loadSnapshot(once(whole.subarray(0, whole.length - 10)), dir)).rejects.toThrow(/cut short/);
      await expect(loadSnapshot(once(Buffer.from('hello world, not a snapshot')), dir)).rejects.toThrow(
        /not a pocketstack snapshot/,
      );
      expect(readdirSync(dir)).toEqual([]);
      await loadSnapshot(once(whole), dir);
      await expect(loadSnapshot(once(whole), dir)).rejects.toThrow(/already holds a cloud/);
      // replacing: a damaged snapshot leaves the cloud there as it was; a whole one replaces its state, keeps its log
      writeFileSync(join(dir, 'pocketstack.log'), 'the log\n');
      writeFileSync(join(dir, 'volumes', 'volume-stray.raw'), 'not in the snapshot');
      const listing = () =>
        stateFiles(dir).map((f) => {
          const st = statSync(join(dir, f));
          return `${f} ${st.size} ${st.ino} ${st.mtimeMs} ${st.size < 2 ** 24 ? fileSha(join(dir, f)) : ''}`;
        });
      const was = listing();
      await expect(loadSnapshot(once(damaged), dir, { replace: true })).rejects.toThrow(/damaged|unknown record/);
      expect(listing()).toEqual(was);
      await loadSnapshot(once(whole), dir, { replace: true });
      expect(existsSync(join(dir, 'volumes', 'volume-stray.raw'))).toBe(false);
      expect(readFileSync(join(dir, 'pocketstack.log'), 'utf8')).toBe('the log\n');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      // nothing left aside
      expect(readdirSync(join(dir, '..')).filter((n) => n.includes('.snapshot-'))).toEqual([]);
    },
  );

  it.skipIf(onPostgres)(
    'keeps hard links as links and leaves out what belongs to one run (pid files, logs, scratch, temporaries) (skipped on PostgreSQL: it reads the SQLite file)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pocketstack-snap-links-'));
      dirs.push(dir);
      const db = new SQLite(join(dir, 'pocketstack.db'));
      db.exec('CREATE TABLE t (x)');
      const guest = join(dir, 'instances', '0b0e4a52-5d4c-4f2a-9c55-6a0f3f5e0d11');
      mkdirSync(join(dir, 'images'), { recursive: true });
      mkdirSync(join(dir, 'instances', '_base'), { recursive: true });
      mkdirSync(guest, { recursive: true });
      mkdirSync(join(dir, 'tmp'));
      mkdirSync(join(dir, 'run'));
      const big = randomBytes(5 * 1024 * 1024);
      writeFileSync(join(dir, 'images', 'img'), big);
      linkSync(join(dir, 'images', 'img'), join(dir, 'instances', '_base', 'img'));
      // a guest of the qemu driver: an overlay on its base, a record naming both by absolute path
      const base = join(dir, 'instances', '_base', 'img');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, join(guest, 'disk'), '8M']);
      writeFileSync(
        join(guest, 'guest.json'),
        JSON.stringify({ image: { path: base, format: 'raw' }, volumes: [{ path: `${dir}-other/v` }] }),
      );
      writeFileSync(join(guest, 'qemu.pid'), '4242');
      writeFileSync(join(dir, 'tmp', 'scratch'), 'x');
      writeFileSync(join(dir, 'run', 'dnsmasq.pid'), '1');
      writeFileSync(join(dir, 'pocketstack.log'), 'log');
      writeFileSync(join(dir, 'images', 'upload.part'), 'half');
      const chunks: Buffer[] = [];
      try {
        for await (const c of snapshotStream(db, dir)) chunks.push(c);
      } finally {
        db.close();
      }
      const whole = Buffer.concat(chunks);
      // the linked 5 MiB are in it once
      expect(whole.length).toBeLessThan(big.length * 1.5);
      const into = join(mkdtempSync(join(tmpdir(), 'pocketstack-snap-links-load-')), 'data');
      dirs.push(join(into, '..'));
      await loadSnapshot(
        (async function* () {
          yield whole;
        })(),
        into,
      );
      expect(stateFiles(into)).toEqual([
        'images/img',
        `instances/${basename(guest)}/disk`,
        `instances/${basename(guest)}/guest.json`,
        'instances/_base/img',
      ]);
      // the guest's paths point into the loaded data dir (only the paths: other strings stay)
      const loaded = join(into, 'instances', basename(guest));
      expect(JSON.parse(readFileSync(join(loaded, 'guest.json'), 'utf8'))).toEqual({
        image: { path: join(into, 'instances', '_base', 'img'), format: 'raw' },
        volumes: [{ path: `${dir}-other/v` }],
      });
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '--output=json', join(loaded, 'disk')], { encoding: 'utf8' }),
      );
      expect(info['backing-filename']).toBe(join(into, 'instances', '_base', 'img'));
      expect(statSync(join(into, 'images', 'img')).ino).toBe(statSync(join(into, 'instances', '_base', 'img')).ino);
      expect(sha(readFileSync(join(into, 'instances', '_base', 'img')))).toBe(sha(big));
      expect(readdirSync(into).sort()).toEqual(['images', 'instances', 'pocketstack.db']);
      // the scratch dir held the staging files only while streaming
      expect(readdirSync(join(dir, 'tmp'))).toEqual(['scratch']);
    },
  );

  it('while held, writes wait (reads and token issue do not) and the ones in flight finish first', async () => {
    const gate = writeGate(t.cloud);
    await t.token('demo');
    const release = await gate.hold();
    let wrote = false;
    const write = t
      .call({ method: 'POST', url: '/networking/v2.0/networks', as: 'admin', payload: { network: { name: 'held' } } })
      .then((r) => {
        wrote = true;
        return r;
      });
    expect((await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'admin' })).statusCode).toBe(200);
    const login = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'demo', domain: { id: 'default' }, password: 'secret' } },
          },
        },
      },
    });
    expect(login.statusCode).toBe(201);
    expect(wrote).toBe(false);
    release();
    expect((await write).statusCode).toBe(201);
  });

  it.skipIf(onPostgres)(
    'the manifest comes first and says what it holds; only admins may take one (skipped on PostgreSQL: it reads the SQLite file)',
    async () => {
      const events = readSnapshot(snapshotStream(t.cloud.sqlite, t.cloud.config.dataDir));
      const first = await events.next();
      await events.return(undefined);
      expect(first.value).toMatchObject({ type: 'manifest', manifest: { format: 1, counts: { servers: 1 } } });
      const demo = await t.call({ method: 'GET', url: '/pocketstack/v1/snapshot', as: 'demo' });
      expect(demo.statusCode).toBe(403);
      // writes go on once a snapshot is over
      const w = await t.call({
        method: 'POST',
        url: '/networking/v2.0/networks',
        as: 'admin',
        payload: { network: { name: 'after' } },
      });
      expect(w.statusCode).toBe(201);
    },
  );
});
