import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { volumePath } from '../../../src/services/volume/internal.js';
import { FILE_DRIVER, volumeSuite } from './helpers.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function writeAt(path: string, offset: number, data: Buffer) {
  const fh = await open(path, 'r+');
  await fh.write(data, 0, data.length, offset);
  await fh.close();
}

async function readAt(path: string, offset: number, length: number) {
  const fh = await open(path, 'r');
  const buf = Buffer.alloc(length);
  await fh.read(buf, 0, length, offset);
  await fh.close();
  return buf;
}

describe('volume: backups (file driver)', () => {
  const my = volumeSuite(FILE_DRIVER);
  beforeAll(async () => {
    await my.admin.call('PUT', `/os-quota-sets/${my.demo.project}`, { quota_set: { volumes: 50, backups: 50 } });
  });

  const backup = async (volumeId: string, extra: Record<string, unknown> = {}) => {
    const res = await my.demo.call('POST', '/backups', { backup: { volume_id: volumeId, ...extra } });
    if (res.statusCode !== 202) throw new Error(`backup: ${res.statusCode} ${res.body}`);
    expect(Object.keys(res.json().backup).sort()).toEqual(['id', 'links', 'name']);
    await my.t.cloud.tasks.idle();
    return my.demo.show('backups', res.json().backup.id);
  };
  const stored = async (id: string) => (await stat(join(my.t.cloud.config.dataDir, 'backups', id, 'data'))).size;

  it('restores an incremental chain to exactly the bytes each backup saw, storing only changed chunks', async () => {
    const v = await my.demo.volume({ size: 1, name: 'data', metadata: { kept: 'yes' } });
    const path = volumePath(my.t.cloud, v.id).path;
    const a = Buffer.alloc(4 * MiB, 0x11);
    await writeAt(path, 0, a);
    const full = await backup(v.id, { name: 'full' });
    // 64 KiB chunks; the zero chunks of the rest of the GiB are not stored
    expect(full).toMatchObject({ status: 'available', is_incremental: false, size: 1, object_count: 64 });
    expect(await stored(full.id)).toBe(4 * MiB);
    const state1 = await readAt(path, 0, 8 * MiB);

    await writeAt(path, 2 * MiB, Buffer.alloc(MiB, 0x22)); // changes one chunk
    await writeAt(path, 6 * MiB, Buffer.alloc(10, 0x33)); // and dirties one more
    const inc1 = await backup(v.id, { incremental: true, name: 'inc1' });
    expect(inc1).toMatchObject({ is_incremental: true, object_count: 17 });
    expect(await stored(inc1.id)).toBe(MiB + 64 * 1024);
    const state2 = await readAt(path, 0, 8 * MiB);

    await writeAt(path, 0, Buffer.alloc(MiB, 0x44));
    const inc2 = await backup(v.id, { incremental: true });
    expect(inc2.object_count).toBe(16);
    const state3 = await readAt(path, 0, 8 * MiB);
    expect((await my.demo.show('backups', full.id)).has_dependent_backups).toBe(true);

    // each backup restores to its own point in time, into new volumes
    for (const [b, state] of [
      [full, state1],
      [inc1, state2],
      [inc2, state3],
    ] as const) {
      const res = await my.demo.call('POST', `/backups/${b.id}/restore`, { restore: {} });
      expect(res.statusCode).toBe(202);
      const restored = res.json().restore;
      expect(restored.volume_name).toBe(`restore_backup_${b.id}`);
      await my.t.cloud.tasks.idle();
      expect(await my.demo.show('volumes', restored.volume_id)).toMatchObject({
        status: 'available',
        metadata: { kept: 'yes' },
      });
      expect(sha(await readAt(volumePath(my.t.cloud, restored.volume_id).path, 0, 8 * MiB))).toBe(sha(state));
    }
    // and into an existing volume, replacing what it held
    const target = await my.demo.volume({ size: 2 });
    await writeAt(volumePath(my.t.cloud, target.id).path, 50 * MiB, Buffer.alloc(MiB, 0x99));
    expect(
      (await my.demo.call('POST', `/backups/${inc1.id}/restore`, { restore: { volume_id: target.id } })).statusCode,
    ).toBe(202);
    await my.t.cloud.tasks.idle();
    expect(sha(await readAt(volumePath(my.t.cloud, target.id).path, 0, 8 * MiB))).toBe(sha(state2));
    expect((await readAt(volumePath(my.t.cloud, target.id).path, 50 * MiB, 16)).every((x) => x === 0)).toBe(true);

    // a backup an incremental depends on cannot be deleted
    const refused = await my.demo.call('DELETE', `/backups/${full.id}`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().badRequest.message).toBe('Invalid backup: Incremental backups exist for this backup.');
    for (const b of [inc2, inc1, full]) {
      expect((await my.demo.call('DELETE', `/backups/${b.id}`)).statusCode).toBe(202);
      await my.t.cloud.tasks.idle();
    }
    expect((await my.demo.call('GET', '/backups')).json().backups).toEqual([]);
  });

  it('detects a corrupted chunk on restore and leaves the volume in error_restoring', async () => {
    const v = await my.demo.volume();
    await writeAt(volumePath(my.t.cloud, v.id).path, 0, Buffer.alloc(MiB, 0x5a));
    const b = await backup(v.id);
    await writeAt(join(my.t.cloud.config.dataDir, 'backups', b.id, 'data'), 10, Buffer.from('rot'));
    const res = await my.demo.call('POST', `/backups/${b.id}/restore`, { restore: {} });
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', res.json().restore.volume_id)).status).toBe('error_restoring');
    expect((await my.demo.show('backups', b.id)).status).toBe('available');
  });

  it('refuses bad requests with Cinder errors', async () => {
    const v = await my.demo.volume();
    const inc = await my.demo.call('POST', '/backups', { backup: { volume_id: v.id, incremental: true } });
    expect(inc.statusCode).toBe(400);
    expect(inc.json().badRequest.message).toBe('Invalid backup: No backups available to do an incremental backup.');
    expect((await my.demo.call('POST', '/backups', { backup: {} })).statusCode).toBe(400);
    expect(
      (await my.demo.call('POST', '/backups', { backup: { volume_id: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924' } }))
        .statusCode,
    ).toBe(404);
    const b = await backup(v.id);
    expect((await my.alt.call('GET', `/backups/${b.id}`)).statusCode).toBe(404);
    expect((await my.alt.call('POST', `/backups/${b.id}/restore`, { restore: {} })).statusCode).toBe(404);
    const small = await my.demo.volume({ size: 1 });
    const big = await my.demo.volume({ size: 2 });
    const bigBackup = await backup(big.id);
    const tooSmall = await my.demo.call('POST', `/backups/${bigBackup.id}/restore`, {
      restore: { volume_id: small.id },
    });
    expect(tooSmall.json().badRequest.message).toBe(
      'Invalid volume: volume size 1 is too small to restore backup of size 2.',
    );
    expect(
      (await my.demo.call('GET', '/backups/e3b0c442-98fc-4c14-9afb-f4c8996fb924')).json().itemNotFound.message,
    ).toBe('Backup e3b0c442-98fc-4c14-9afb-f4c8996fb924 could not be found.');
    // an in-use volume needs force
    await my.demo.call('POST', `/volumes/${v.id}/action`, {
      'os-attach': { instance_uuid: 'c7d5b0a2-8f6e-4a1b-9c3d-2e1f0a9b8c7d', mountpoint: '/dev/vdb' },
    });
    const inUse = await my.demo.call('POST', '/backups', { backup: { volume_id: v.id } });
    expect(inUse.json().badRequest.message).toBe(
      'Invalid volume: Backing up an in-use volume must use the force flag.',
    );
    expect((await my.demo.call('POST', '/backups', { backup: { volume_id: v.id, force: true } })).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).status).toBe('in-use');
  });

  it('makes a volume from a backup (3.47) and lists backups with details', async () => {
    const v = await my.demo.volume();
    await writeAt(volumePath(my.t.cloud, v.id).path, MiB, Buffer.alloc(MiB, 0x7e));
    const b = await backup(v.id, { name: 'for-347' });
    const res = await my.demo.call(
      'POST',
      '/volumes',
      { volume: { backup_id: b.id } },
      { 'openstack-api-version': 'volume 3.47' },
    );
    expect(res.statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    const nv = await my.demo.show('volumes', res.json().volume.id);
    expect(nv).toMatchObject({ status: 'available', size: 1 });
    expect(sha(await readAt(volumePath(my.t.cloud, nv.id).path, MiB, MiB))).toBe(sha(Buffer.alloc(MiB, 0x7e)));
    const list = await my.demo.call('GET', '/backups/detail?name=for-347');
    expect(list.json().backups).toHaveLength(1);
    expect(list.json().backups[0]).toMatchObject({ name: 'for-347', volume_id: v.id, has_dependent_backups: false });
  });

  it('exports and imports a backup record that shares the data', async () => {
    const v = await my.admin.volume();
    await writeAt(volumePath(my.t.cloud, v.id).path, 0, Buffer.alloc(MiB, 0x61));
    const res = await my.admin.call('POST', '/backups', { backup: { volume_id: v.id } });
    await my.t.cloud.tasks.idle();
    const id = res.json().backup.id;
    expect((await my.demo.call('GET', `/backups/${id}/export_record`)).statusCode).toBe(403);
    const rec = (await my.admin.call('GET', `/backups/${id}/export_record`)).json()['backup-record'];
    expect(rec.backup_service).toMatch(/^cinder\.backup\.drivers/);
    const again = await my.admin.call('POST', '/backups/import_record', { 'backup-record': rec });
    expect(again.json().badRequest.message).toBe('Invalid backup: Backup already exists in database.');
    const newId = '0b5e1c2d-3f4a-4b6c-8d7e-9f0a1b2c3d4e';
    const url = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(rec.backup_url, 'base64').toString()), id: newId }),
    ).toString('base64');
    const imported = await my.admin.call('POST', '/backups/import_record', {
      'backup-record': { ...rec, backup_url: url },
    });
    expect(imported.statusCode).toBe(201);
    expect(imported.json().backup.id).toBe(newId);
    // deleting the original keeps the data the imported record still uses
    expect((await my.admin.call('DELETE', `/backups/${id}`)).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    const restore = await my.admin.call('POST', `/backups/${newId}/restore`, { restore: {} });
    await my.t.cloud.tasks.idle();
    const restored = restore.json().restore.volume_id;
    expect((await my.admin.show('volumes', restored)).status).toBe('available');
    expect(sha(await readAt(volumePath(my.t.cloud, restored).path, 0, MiB))).toBe(sha(Buffer.alloc(MiB, 0x61)));
  });
});
