import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { volumePath } from '../../../src/services/volume/internal.js';
import { create, upload } from '../image/util.js';
import { FILE_DRIVER, volumeSuite } from './helpers.js';

// Data checks with the real file driver (sparse raw files through qemu-img and cp).

async function writeAt(path: string, offset: number, data: Buffer) {
  const fh = await open(path, 'r+');
  await fh.write(data, 0, data.length, offset);
  await fh.close();
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('volume data (file driver)', () => {
  const my = volumeSuite(FILE_DRIVER);

  it('makes an empty 1 GiB volume as a sparse file', async () => {
    const v = await my.demo.volume({ size: 1 });
    const s = await stat(volumePath(my.t.cloud, v.id).path);
    expect(s.size).toBe(1024 ** 3);
    expect(s.blocks * 512).toBeLessThan(1024 * 1024);
  });

  it('a volume from a snapshot holds the snapshot bytes, not later writes; a clone holds the source bytes', async () => {
    const v = await my.demo.volume({ size: 1 });
    const path = volumePath(my.t.cloud, v.id).path;
    const first = Buffer.alloc(3 * 1024 * 1024, 0x5a);
    await writeAt(path, 100 * 1024 * 1024, first);
    const snap = await my.demo.snapshot(v.id);
    const later = Buffer.alloc(1024 * 1024, 0x77);
    await writeAt(path, 100 * 1024 * 1024, later);
    const fromSnap = await my.demo.volume({ snapshot_id: snap.id });
    expect(fromSnap.status).toBe('available');
    const clone = await my.demo.volume({ source_volid: v.id, size: 2 });
    const region = async (id: string) => {
      const fh = await open(volumePath(my.t.cloud, id).path, 'r');
      const buf = Buffer.alloc(first.length);
      await fh.read(buf, 0, buf.length, 100 * 1024 * 1024);
      await fh.close();
      return buf;
    };
    expect(sha(await region(fromSnap.id))).toBe(sha(first));
    const expectedClone = Buffer.concat([later, first.subarray(later.length)]);
    expect(sha(await region(clone.id))).toBe(sha(expectedClone));
    expect((await stat(volumePath(my.t.cloud, clone.id).path)).size).toBe(2 * 1024 ** 3);
    // revert brings back the snapshot's bytes
    const h = { 'openstack-api-version': 'volume 3.40' };
    expect(
      (await my.demo.call('POST', `/volumes/${v.id}/action`, { revert: { snapshot_id: snap.id } }, h)).statusCode,
    ).toBe(202);
    await my.t.cloud.tasks.idle();
    expect(sha(await region(v.id))).toBe(sha(first));
  });

  it('a volume from a qcow2 image holds the image bytes, is bootable and keeps the image metadata', async () => {
    const raw = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < raw.length; i += 4096) raw.writeUInt32LE((i * 2654435761) >>> 0, i);
    const dir = my.t.cloud.config.dataDir;
    await writeFile(join(dir, 'disk.raw'), raw);
    execFileSync('qemu-img', [
      'convert',
      '-q',
      '-f',
      'raw',
      '-O',
      'qcow2',
      join(dir, 'disk.raw'),
      join(dir, 'disk.qcow2'),
    ]);
    const img = await create(my.t, 'demo', { disk_format: 'qcow2', name: 'guest', os_distro: 'debian' });
    expect((await upload(my.t, 'demo', img.id, await readFile(join(dir, 'disk.qcow2')))).statusCode).toBe(204);
    const v = await my.demo.volume({ size: 1, imageRef: img.id });
    expect(v).toMatchObject({ status: 'available', bootable: 'true' });
    expect(v.volume_image_metadata).toMatchObject({
      image_id: img.id,
      image_name: 'guest',
      disk_format: 'qcow2',
      os_distro: 'debian',
    });
    const fh = await open(volumePath(my.t.cloud, v.id).path, 'r');
    const head = Buffer.alloc(raw.length);
    await fh.read(head, 0, head.length, 0);
    await fh.close();
    expect(sha(head)).toBe(sha(raw));
    // a volume smaller than the image's minimum disk is refused before anything is made
    const big = await create(my.t, 'demo', { disk_format: 'raw', min_disk: 5 });
    await upload(my.t, 'demo', big.id, raw);
    const small = await my.demo.call('POST', '/volumes', { volume: { size: 1, imageRef: big.id } });
    expect(small.statusCode).toBe(400);
    expect(small.json().badRequest.message).toBe(
      'Invalid input received: Volume size 1GB cannot be smaller than the image minDisk size 5GB.',
    );
    const missing = await my.demo.call('POST', '/volumes', {
      volume: { size: 1, imageRef: '0e7a2b3c-4d5e-4f60-8a1b-2c3d4e5f6a7b' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().itemNotFound.message).toBe('Image 0e7a2b3c-4d5e-4f60-8a1b-2c3d4e5f6a7b could not be found.');
  });

  it('extends the file and keeps its bytes', async () => {
    const v = await my.demo.volume({ size: 1 });
    const path = volumePath(my.t.cloud, v.id).path;
    await writeAt(path, 0, Buffer.from('hello'));
    expect((await my.demo.call('POST', `/volumes/${v.id}/action`, { 'os-extend': { new_size: 2 } })).statusCode).toBe(
      202,
    );
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).size).toBe(2);
    expect((await stat(path)).size).toBe(2 * 1024 ** 3);
    const fh = await open(path, 'r');
    const head = Buffer.alloc(5);
    await fh.read(head, 0, 5, 0);
    await fh.close();
    expect(head.toString()).toBe('hello');
  });
});

describe('volume upload to image (file driver)', () => {
  const my = volumeSuite(FILE_DRIVER);

  it('uploads a volume as a qcow2 image whose data converts back to the volume bytes', async () => {
    const v = await my.demo.volume({ size: 1 });
    const bytes = Buffer.alloc(1024 * 1024, 0x3c);
    await writeAt(volumePath(my.t.cloud, v.id).path, 5 * 1024 * 1024, bytes);
    const res = await my.demo.call(
      'POST',
      `/volumes/${v.id}/action`,
      { 'os-volume_upload_image': { image_name: 'from-volume', disk_format: 'qcow2' } },
      { 'openstack-api-version': 'volume 3.1' },
    );
    expect(res.statusCode).toBe(202);
    const out = res.json()['os-volume_upload_image'];
    expect(out).toMatchObject({
      id: v.id,
      status: 'uploading',
      disk_format: 'qcow2',
      container_format: 'bare',
      image_name: 'from-volume',
      visibility: 'private',
      protected: false,
    });
    expect((await my.demo.show('volumes', v.id)).status).toBe('uploading');
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).status).toBe('available');
    const image = (await my.t.call({ method: 'GET', url: `/image/v2/images/${out.image_id}`, as: 'demo' })).json();
    expect(image).toMatchObject({ status: 'active', disk_format: 'qcow2', virtual_size: 1024 ** 3 });
    const data = await my.t.call({ method: 'GET', url: `/image/v2/images/${out.image_id}/file`, as: 'demo' });
    const dir = my.t.cloud.config.dataDir;
    await writeFile(join(dir, 'up.qcow2'), data.rawPayload);
    execFileSync('qemu-img', ['convert', '-q', '-f', 'qcow2', '-O', 'raw', join(dir, 'up.qcow2'), join(dir, 'up.raw')]);
    const fh = await open(join(dir, 'up.raw'), 'r');
    const back = Buffer.alloc(bytes.length);
    await fh.read(back, 0, back.length, 5 * 1024 * 1024);
    await fh.close();
    expect(sha(back)).toBe(sha(bytes));
    const bad = await my.demo.call('POST', `/volumes/${v.id}/action`, {
      'os-volume_upload_image': { image_name: 'x', disk_format: 'iso9000' },
    });
    expect(bad.statusCode).toBe(400);
    expect((await my.demo.call('POST', `/volumes/${v.id}/action`, { 'os-volume_upload_image': {} })).statusCode).toBe(
      400,
    );
  });
});
