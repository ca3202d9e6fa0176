import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankQcow2 } from '../../../src/services/image/disk.js';
import { uploadImageData } from '../../../src/services/image/upload.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, projectId, upload } from './util.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('image: data', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  const filesOf = (id: string) => readdirSync(join(t.cloud.config.dataDir, 'images')).filter((f) => f.startsWith(id));

  it('uploads a qcow2: active, with md5, sha512, size and the virtual size from its header', async () => {
    const data = blankQcow2(64 * 1024 * 1024);
    const img = await create(t, 'demo', { disk_format: 'qcow2' });
    const res = await upload(t, 'demo', img.id, data);
    expect(res.statusCode).toBe(204);
    const shown = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'demo' })).json();
    expect(shown).toMatchObject({
      status: 'active',
      size: data.length,
      virtual_size: 64 * 1024 * 1024,
      checksum: md5(data),
      os_hash_algo: 'sha512',
      os_hash_value: sha512(data),
      stores: 'file',
    });
    const back = await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/file`, as: 'demo' });
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-md5']).toBe(md5(data));
    expect(back.headers['content-type']).toBe('application/octet-stream');
    expect(back.rawPayload.equals(data)).toBe(true);
  });

  it('hashes and writes data of many blocks, in chunks that do not fall on block edges', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 12345);
    const img = await create(t, 'demo', { disk_format: 'raw' });
    const chunks = [];
    for (let at = 0; at < data.length; at += 100_003) chunks.push(data.subarray(at, at + 100_003));
    const caller = { projectId: await projectId(t, 'demo'), isAdmin: false };
    await uploadImageData(t.cloud, caller, img.id, Readable.from(chunks), data.length);
    const row = await t.cloud.db.selectFrom('images').selectAll().where('id', '=', img.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'active', size: data.length, virtual_size: data.length });
    expect(row.checksum).toBe(md5(data));
    expect(row.os_hash_value).toBe(sha512(data));
    expect(readFileSync(join(t.cloud.config.dataDir, 'images', img.id)).equals(data)).toBe(true);
  });

  it('takes raw data as its own virtual size; a header that does not match its format gives none', async () => {
    const raw = await create(t, 'demo', { disk_format: 'raw' });
    await upload(t, 'demo', raw.id, Buffer.alloc(4096, 1));
    const fake = await create(t, 'demo', { disk_format: 'qcow2' });
    await upload(t, 'demo', fake.id, 'not a qcow2 at all');
    const get = async (id: string) =>
      (await t.call({ method: 'GET', url: `/image/v2/images/${id}`, as: 'demo' })).json();
    expect((await get(raw.id)).virtual_size).toBe(4096);
    expect((await get(fake.id)).virtual_size).toBeNull();
    expect((await get(fake.id)).status).toBe('active');
  });

  it('serves byte ranges with 206 and refuses a start past the end with 416', async () => {
    const data = Buffer.from('0123456789abcdef');
    const img = await create(t, 'demo');
    await upload(t, 'demo', img.id, data);
    const url = `/image/v2/images/${img.id}/file`;
    const part = await t.call({ method: 'GET', url, as: 'demo', headers: { range: 'bytes=2-5' } });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe('2345');
    expect(part.headers['content-range']).toBe('bytes 2-5/16');
    const tail = await t.call({ method: 'GET', url, as: 'demo', headers: { range: 'bytes=-3' } });
    expect(tail.body).toBe('def');
    const open = await t.call({ method: 'GET', url, as: 'demo', headers: { range: 'bytes=10-' } });
    expect(open.body).toBe('abcdef');
    const past = await t.call({ method: 'GET', url, as: 'demo', headers: { range: 'bytes=16-20' } });
    expect(past.statusCode).toBe(416);
    const multi = await t.call({ method: 'GET', url, as: 'demo', headers: { range: 'bytes=1-2,4-5' } });
    expect(multi.statusCode).toBe(400);
  });

  it('answers 204 for the data of an image that has none', async () => {
    const img = await create(t, 'demo');
    const res = await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/file`, as: 'demo' });
    expect(res.statusCode).toBe(204);
  });

  it('refuses an upload to an active image with 409, and keeps its data', async () => {
    const img = await create(t, 'demo');
    await upload(t, 'demo', img.id, 'first');
    const again = await upload(t, 'demo', img.id, 'second');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('Image status transition from active to saving is not allowed');
    const back = await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/file`, as: 'demo' });
    expect(back.body).toBe('first');
  });

  it('needs disk and container formats before data, and octet-stream data', async () => {
    const res = await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: { name: 'bare' } });
    const id = res.json().id;
    const up = await upload(t, 'demo', id, 'x');
    expect(up.statusCode).toBe(400);
    expect(up.body).toContain('Properties disk_format, container_format must be set prior to saving data.');
    const img = await create(t, 'demo');
    const wrongType = await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/file`,
      as: 'demo',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(wrongType.statusCode).toBe(415);
    const after = (await t.call({ method: 'GET', url: `/image/v2/images/${id}`, as: 'demo' })).json();
    expect(after.status).toBe('queued');
  });

  it("refuses uploads to another project's image: 404 when private, 403 when visible", async () => {
    const priv = await create(t, 'demo', { visibility: 'private' });
    expect((await upload(t, 'alt_demo', priv.id, 'x')).statusCode).toBe(404);
    const pub = await create(t, 'admin', { visibility: 'public' });
    const res = await upload(t, 'demo', pub.id, 'x');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain(`Not allowed to upload image data for image ${pub.id}`);
  });

  it.each([
    ['at once', 1],
    ['after several blocks', 40],
  ])('leaves an upload that is cut off %s queued, with no partial file', async (_when, chunks) => {
    const img = await create(t, 'demo');
    const caller = { projectId: await projectId(t, 'demo'), isAdmin: false };
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(Buffer.alloc(256 * 1024, 7));
        if (++sent === chunks) setImmediate(() => this.destroy(new Error('connection reset')));
      },
    });
    await expect(uploadImageData(t.cloud, caller, img.id, source)).rejects.toThrow('connection reset');
    const row = await t.cloud.db.selectFrom('images').selectAll().where('id', '=', img.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    expect(row.size).toBeNull();
    expect(filesOf(img.id)).toEqual([]);
  });

  it('treats a body shorter than its Content-Length as cut off', async () => {
    const img = await create(t, 'demo');
    const caller = { projectId: await projectId(t, 'demo'), isAdmin: false };
    await expect(uploadImageData(t.cloud, caller, img.id, Readable.from([Buffer.from('abc')]), 10)).rejects.toThrow(
      /Expected 10 bytes/,
    );
    const row = await t.cloud.db
      .selectFrom('images')
      .select('status')
      .where('id', '=', img.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
    expect(existsSync(join(t.cloud.config.dataDir, 'images', img.id))).toBe(false);
  });

  it('removes the data with the image', async () => {
    const img = await create(t, 'demo');
    await upload(t, 'demo', img.id, 'bytes');
    expect(filesOf(img.id)).toEqual([img.id]);
    await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}`, as: 'demo' });
    expect(filesOf(img.id)).toEqual([]);
  });

  it('forbids downloading a deactivated image to all but admins', async () => {
    const img = await create(t, 'demo');
    await upload(t, 'demo', img.id, 'bytes');
    const url = `/image/v2/images/${img.id}`;
    expect((await t.call({ method: 'POST', url: `${url}/actions/deactivate`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url, as: 'demo' })).json().status).toBe('deactivated');
    const denied = await t.call({ method: 'GET', url: `${url}/file`, as: 'demo' });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).toContain('The requested image has been deactivated. Image data download is forbidden.');
    expect((await t.call({ method: 'GET', url: `${url}/file`, as: 'admin' })).body).toBe('bytes');
    expect((await t.call({ method: 'POST', url: `${url}/actions/reactivate`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${url}/file`, as: 'demo' })).body).toBe('bytes');
    const queued = await create(t, 'demo');
    const bad = await t.call({ method: 'POST', url: `/image/v2/images/${queued.id}/actions/deactivate`, as: 'demo' });
    expect(bad.statusCode).toBe(403);
    expect(bad.body).toContain("Not allowed to deactivate image in status 'queued'");
  });

  it('keeps others from deactivating an image they do not own, and 404s a missing one', async () => {
    const pub = await create(t, 'admin', { visibility: 'public' });
    await upload(t, 'admin', pub.id, 'bytes');
    const res = await t.call({ method: 'POST', url: `/image/v2/images/${pub.id}/actions/deactivate`, as: 'demo' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('You do not own this image');
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${pub.id}`, as: 'demo' })).json().status).toBe(
      'active',
    );
    const missing = await t.call({
      method: 'POST',
      url: '/image/v2/images/00000000-0000-0000-0000-000000000000/actions/deactivate',
      as: 'demo',
    });
    expect(missing.statusCode).toBe(404);
  });
});
