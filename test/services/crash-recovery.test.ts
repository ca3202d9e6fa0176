import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../../src/cloud.js';
import { makeConfig } from '../../src/config.js';
import { QemuComputeDriver } from '../../src/drivers/compute/qemu/driver.js';
import { passwordAuthByName } from '../helpers.js';

// What a kill -9 leaves in the data dir, made by hand between two starts of
// the same cloud; the start-up recovery must finish or roll back each
// operation and leave no file without a record (README "Crash recovery").

const UUID = '3f1c2a4e-8b7d-4e5f-9a0b-1c2d3e4f5a6b';

describe('crash recovery of files at start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-crash-'));
  const open = () =>
    createCloud(
      makeConfig({
        dataDir,
        database: join(dataDir, 'pocketstack.db'),
        passwordHashCost: 8,
        logLevel: 'silent',
        drivers: { compute: 'fake', network: 'fake', volume: 'file' },
      }),
      { logger: pino({ level: 'silent' }) },
    );
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function token(cloud: Cloud) {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName('admin'),
    });
    return res.headers['x-subject-token'] as string;
  }
  const call = async (c: Cloud, opts: any) =>
    c.app.inject({ ...opts, headers: { 'x-auth-token': await token(c), ...opts.headers } });
  const newImage = async (c: Cloud) =>
    (
      await call(c, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { disk_format: 'raw', container_format: 'bare' },
      })
    ).json().id as string;

  it('rolls back uploads and stages cut short, removes files no record names, and the data dir is private', async () => {
    let cloud = await open();
    const images = join(dataDir, 'images');
    // an upload whose file was renamed into place, the stop before the status turned active
    const renamed = await newImage(cloud);
    await cloud.db.updateTable('images').set({ status: 'saving' }).where('id', '=', renamed).execute();
    writeFileSync(join(images, renamed), 'whole data');
    // an image deleted at the moment of the stop: its row gone, its file not
    writeFileSync(join(images, UUID), 'orphan');
    // a stage that finished (renamed) before its size was recorded, and one cut short
    const staged = await newImage(cloud);
    const cutStage = await newImage(cloud);
    await cloud.db.updateTable('images').set({ status: 'uploading' }).where('id', 'in', [staged, cutStage]).execute();
    writeFileSync(join(images, 'staging', staged), 'staged!');
    writeFileSync(join(images, 'staging', `${cutStage}.part`), 'sta');
    // an import whose task is gone
    const importing = await newImage(cloud);
    await cloud.db.updateTable('images').set({ status: 'importing' }).where('id', '=', importing).execute();
    // a volume being written, a volume and a snapshot deleted, a backup deleted, scratch work
    const vol = (
      await call(cloud, { method: 'POST', url: '/volume/v3/volumes', payload: { volume: { size: 1 } } })
    ).json().volume.id as string;
    await cloud.tasks.idle();
    const volumes = join(dataDir, 'volumes');
    writeFileSync(join(volumes, `.volume-${vol}.0a1b2c3d.tmp`), '');
    writeFileSync(join(volumes, `volume-${UUID}.raw`), '');
    writeFileSync(join(volumes, `snapshot-${UUID}.raw`), '');
    mkdirSync(join(dataDir, 'backups', UUID), { recursive: true });
    writeFileSync(join(dataDir, 'backups', UUID, 'data'), 'chunks');
    writeFileSync(join(dataDir, 'tmp', 'snapshot-x'), 'flattening');
    await cloud.close();

    cloud = await open();
    const status = async (id: string) =>
      (await call(cloud, { method: 'GET', url: `/image/v2/images/${id}` })).json() as Record<string, unknown>;
    expect(await status(renamed)).toMatchObject({ status: 'queued', size: null });
    expect(existsSync(join(images, renamed))).toBe(false);
    // the image can be uploaded again (before: 409, and an empty download)
    const put = await call(cloud, {
      method: 'PUT',
      url: `/image/v2/images/${renamed}/file`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'again',
    });
    expect(put.statusCode).toBe(204);
    expect((await call(cloud, { method: 'GET', url: `/image/v2/images/${renamed}/file` })).body).toBe('again');
    expect(await status(staged)).toMatchObject({ status: 'uploading', size: 7 });
    expect(await status(cutStage)).toMatchObject({ status: 'queued' });
    expect(await status(importing)).toMatchObject({ status: 'queued', os_glance_failed_import: 'file' });
    expect(readdirSync(join(images, 'staging'))).toEqual([staged]);
    expect(existsSync(join(images, UUID))).toBe(false);
    expect(readdirSync(volumes)).toEqual([`volume-${vol}.raw`]);
    expect(readdirSync(join(dataDir, 'backups'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const f of [
      'pocketstack.db',
      'pocketstack.db-wal',
      join('images', renamed),
      join('volumes', `volume-${vol}.raw`),
    ])
      if (existsSync(join(dataDir, f))) expect(statSync(join(dataDir, f)).mode & 0o777, f).toBe(0o600);
    await cloud.close();
  });

  it('the qemu driver removes guests with no instance and half-linked bases, keeps the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-crash-qemu-'));
    try {
      const kept = '0b3f9c52-1d2e-4f60-8a7b-9c0d1e2f3a4b';
      const base = join(dir, 'instances', '_base');
      mkdirSync(base, { recursive: true });
      for (const uuid of [kept, UUID]) {
        mkdirSync(join(dir, 'instances', uuid));
        const record = {
          uuid,
          ports: [],
          volumes: [],
          image: { image_id: 'i', path: join(base, uuid), format: 'raw' },
        };
        writeFileSync(join(dir, 'instances', uuid, 'guest.json'), JSON.stringify(record));
        writeFileSync(join(dir, 'instances', uuid, 'disk'), '');
        writeFileSync(join(base, uuid), '');
      }
      writeFileSync(join(base, `${kept}.part`), '');
      const driver = new QemuComputeDriver({ dataDir: dir, accel: { accel: 'tcg', reason: 'test' } as any });
      expect(await driver.removeOrphans((u) => u === kept)).toEqual([UUID]);
      expect(readdirSync(join(dir, 'instances')).sort()).toEqual(['_base', kept].sort());
      expect(readdirSync(base)).toEqual([kept]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
