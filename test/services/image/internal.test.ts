import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/server/errors.js';
import { blankQcow2 } from '../../../src/services/image/disk.js';
import {
  createSnapshotImage,
  failImage,
  fillImageFromFile,
  fillImageFromStream,
  getImage,
  imageDataPath,
  listVisibleImages,
  openImageData,
} from '../../../src/services/image/internal.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, projectId, upload } from './util.js';

describe('image: in-process API', () => {
  let t: TestCloud;
  let demo: { projectId: string; isAdmin: boolean };
  let alt: { projectId: string; isAdmin: boolean };
  beforeAll(async () => {
    t = await testCloud();
    demo = { projectId: await projectId(t, 'demo'), isAdmin: false };
    alt = { projectId: await projectId(t, 'alt_demo'), isAdmin: false };
  });
  afterAll(() => t.close());

  const status = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      return e instanceof ApiError ? e.status : String(e);
    }
  };

  it("gets an image under Glance's visibility rules", async () => {
    const img = await create(t, 'demo', { visibility: 'private', hw_disk_bus: 'virtio' });
    const seen = await getImage(t.cloud, demo, img.id);
    expect(seen).toMatchObject({ id: img.id, owner: demo.projectId, properties: { hw_disk_bus: 'virtio' } });
    expect(await status(getImage(t.cloud, alt, img.id))).toBe(404);
    expect(await status(getImage(t.cloud, { isAdmin: true }, img.id))).toBe('ok');
  });

  it('lists every image a caller may see, with properties and tags, and none it may not', async () => {
    const mine = await create(t, 'demo', { visibility: 'private', hw_qemu_guest_agent: 'yes', tags: ['t1'] });
    const theirs = await create(t, 'alt_demo', { visibility: 'private' });
    const seen = await listVisibleImages(t.cloud, demo);
    expect(seen.find((i) => i.id === mine.id)).toMatchObject({
      properties: { hw_qemu_guest_agent: 'yes' },
      tags: ['t1'],
    });
    expect(seen.some((i) => i.id === theirs.id)).toBe(false);
    const all = await listVisibleImages(t.cloud, { isAdmin: true });
    expect(all.some((i) => i.id === theirs.id)).toBe(true);
  });

  it("gives the path and a stream of an active image's data, and refuses one without data", async () => {
    const img = await create(t, 'demo', { visibility: 'community' });
    expect(await status(imageDataPath(t.cloud, demo, img.id))).toBe(409);
    await upload(t, 'demo', img.id, 'the bytes');
    const path = await imageDataPath(t.cloud, alt, img.id);
    expect(readFileSync(path, 'utf8')).toBe('the bytes');
    const { stream, size, checksum } = await openImageData(t.cloud, alt, img.id);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('the bytes');
    expect(size).toBe(9);
    expect(checksum).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes a snapshot: saving, then active from a file, with the virtual size of its qcow2', async () => {
    const snap = await createSnapshotImage(t.cloud, demo, {
      name: 'snap',
      properties: { image_type: 'snapshot', instance_uuid: 'abc' },
    });
    expect(snap).toMatchObject({
      status: 'saving',
      visibility: 'private',
      owner: demo.projectId,
      disk_format: 'qcow2',
    });
    const shown = await t.call({ method: 'GET', url: `/image/v2/images/${snap.id}`, as: 'demo' });
    expect(shown.json().status).toBe('saving');
    const file = join(t.cloud.config.dataDir, 'disk.qcow2');
    writeFileSync(file, blankQcow2(1 << 30));
    const done = await fillImageFromFile(t.cloud, snap.id, file);
    expect(done).toMatchObject({ status: 'active', virtual_size: 1 << 30, size: blankQcow2(1 << 30).length });
    expect(readFileSync(file).length).toBe(done.size); // read, not moved
    expect(await status(fillImageFromFile(t.cloud, snap.id, file))).toBe(409);
  });

  it('fails a snapshot: killed keeps the record, deleted removes it', async () => {
    const a = await createSnapshotImage(t.cloud, demo, { name: 'a' });
    await failImage(t.cloud, a.id, 'killed');
    expect((await getImage(t.cloud, demo, a.id)).status).toBe('killed');
    const listed = (await t.call({ method: 'GET', url: '/image/v2/images', as: 'demo' })).json();
    expect(listed.images.map((i: any) => i.id)).not.toContain(a.id);
    const b = await createSnapshotImage(t.cloud, demo, { name: 'b' });
    await failImage(t.cloud, b.id, 'deleted');
    expect(await status(getImage(t.cloud, demo, b.id))).toBe(404);
  });

  it('throws Gone and keeps nothing when the snapshot was deleted while it was filled', async () => {
    const snap = await createSnapshotImage(t.cloud, demo, { name: 'gone' });
    const source = new Readable({
      read() {},
    });
    const filling = status(fillImageFromStream(t.cloud, snap.id, source));
    source.push(Buffer.from('part of it'));
    // deleted while it is filled: once the fill has taken the first part (on PostgreSQL its first
    // read of the image can come after a delete sent at once, which is a 409, not this case)
    await vi.waitFor(
      () => {
        if (source.readableLength > 0) throw new Error('the fill has not read yet');
      },
      { timeout: 10_000, interval: 5 },
    );
    await t.call({ method: 'DELETE', url: `/image/v2/images/${snap.id}`, as: 'demo' });
    source.push(null);
    expect(await filling).toBe(410);
    expect(await status(getImage(t.cloud, demo, snap.id))).toBe(404);
  });

  it('throws Gone too when the snapshot was deleted before its first byte', async () => {
    const snap = await createSnapshotImage(t.cloud, demo, { name: 'gone-early' });
    await t.call({ method: 'DELETE', url: `/image/v2/images/${snap.id}`, as: 'demo' });
    expect(await status(fillImageFromStream(t.cloud, snap.id, Readable.from([Buffer.from('late')])))).toBe(410);
    expect(await status(getImage(t.cloud, demo, snap.id))).toBe(404);
  });
});
