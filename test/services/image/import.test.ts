import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create } from './util.js';

describe('image: interoperable import', () => {
  let t: TestCloud;
  let web: Server;
  let webUrl: string;
  beforeAll(async () => {
    t = await testCloud();
    web = createServer((req, res) => {
      if (req.url === '/disk.raw') res.end('downloaded data');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    web.close();
    await t.close();
  });

  const show = async (id: string) =>
    (await t.call({ method: 'GET', url: `/image/v2/images/${id}`, as: 'demo' })).json();
  const doImport = (id: string, method: unknown) =>
    t.call({ method: 'POST', url: `/image/v2/images/${id}/import`, as: 'demo', payload: { method } });

  it('tells which import methods and stores there are', async () => {
    const info = (await t.call({ method: 'GET', url: '/image/v2/info/import', as: 'demo' })).json();
    expect(info['import-methods'].value).toEqual(['glance-direct', 'web-download', 'copy-image']);
    const stores = (await t.call({ method: 'GET', url: '/image/v2/info/stores', as: 'demo' })).json();
    expect(stores).toEqual({ stores: [{ id: 'file', default: 'true' }] });
    expect((await t.call({ method: 'GET', url: '/image/v2/info/stores/detail', as: 'demo' })).statusCode).toBe(403);
  });

  it('stages data (uploading), then imports it with glance-direct (active)', async () => {
    const img = await create(t, 'demo');
    const stage = await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/stage`,
      as: 'demo',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'staged data',
    });
    expect(stage.statusCode).toBe(204);
    expect(await show(img.id)).toMatchObject({ status: 'uploading', size: 11 });
    const again = await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/stage`,
      as: 'demo',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    expect(again.statusCode).toBe(409);
    expect((await doImport(img.id, { name: 'glance-direct' })).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    const done = await show(img.id);
    expect(done).toMatchObject({
      status: 'active',
      size: 11,
      checksum: createHash('md5').update('staged data').digest('hex'),
    });
    const data = await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/file`, as: 'demo' });
    expect(data.body).toBe('staged data');
  });

  it('records each import as a task of the image, with the request that asked for it', async () => {
    const img = await create(t, 'demo');
    await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/stage`,
      as: 'demo',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    const res = await doImport(img.id, { name: 'glance-direct' });
    await t.cloud.tasks.idle();
    const { tasks } = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/tasks`, as: 'demo' })).json();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      type: 'api_image_import',
      status: 'success',
      image_id: img.id,
      request_id: res.headers['x-openstack-request-id'],
      input: { import_req: { method: { name: 'glance-direct' } } },
    });
    const hidden = await create(t, 'demo', { visibility: 'private' });
    expect(
      (await t.call({ method: 'GET', url: `/image/v2/images/${hidden.id}/tasks`, as: 'alt_demo' })).statusCode,
    ).toBe(404);
  });

  it('downloads a reachable URL with web-download; an unreachable one is accepted and its import fails', async () => {
    const img = await create(t, 'demo');
    expect((await doImport(img.id, { name: 'web-download', uri: `${webUrl}/disk.raw` })).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect(await show(img.id)).toMatchObject({ status: 'active', size: 15 });

    const far = await create(t, 'demo');
    const res = await doImport(far.id, { name: 'web-download', uri: 'http://192.0.2.1.invalid/disk.qcow2' });
    expect(res.statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect(await show(far.id)).toMatchObject({ status: 'queued', os_glance_failed_import: 'file' });
    const { tasks } = (await t.call({ method: 'GET', url: `/image/v2/images/${far.id}/tasks`, as: 'demo' })).json();
    expect(tasks[0]).toMatchObject({
      status: 'failure',
      message: expect.stringContaining('web-download cannot reach http://192.0.2.1.invalid/disk.qcow2 from this host'),
    });
    const filtered = await doImport(far.id, { name: 'web-download', uri: 'ftp://example.org/disk.qcow2' });
    expect(filtered.statusCode).toBe(400);
    expect(filtered.body).toContain('URI for web-download does not pass filtering: ftp://example.org/disk.qcow2');
  });

  it('puts a failed import back to queued and says so in os_glance_failed_import', async () => {
    const img = await create(t, 'demo');
    expect((await doImport(img.id, { name: 'web-download', uri: `${webUrl}/missing.raw` })).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect(await show(img.id)).toMatchObject({ status: 'queued', os_glance_failed_import: 'file' });
    const { tasks } = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}/tasks`, as: 'demo' })).json();
    expect(tasks[0]).toMatchObject({ status: 'failure', message: expect.stringContaining('answered 404') });
  });

  it('copies to all stores as a no-op (there is one), and refuses a copy to the store the image is in', async () => {
    const img = await create(t, 'demo');
    await t.call({
      method: 'PUT',
      url: `/image/v2/images/${img.id}/file`,
      as: 'demo',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    const copy = (payload: object, as = 'admin') =>
      t.call({ method: 'POST', url: `/image/v2/images/${img.id}/import`, as, payload });
    expect((await copy({ method: { name: 'copy-image' }, all_stores: true }, 'demo')).statusCode).toBe(403);
    expect((await copy({ method: { name: 'copy-image' }, all_stores: true })).statusCode).toBe(202);
    expect(await show(img.id)).toMatchObject({
      status: 'active',
      os_glance_importing_to_stores: '',
      os_glance_failed_import: '',
    });
    const one = await copy({ method: { name: 'copy-image' }, stores: ['file'] });
    expect(one.statusCode).toBe(400);
    expect(one.body).toContain("Image is already present at store 'file'");
  });

  it('refuses imports Glance refuses', async () => {
    const img = await create(t, 'demo');
    const notStaged = await doImport(img.id, { name: 'glance-direct' });
    expect(notStaged.statusCode).toBe(409);
    expect(notStaged.body).toContain("Image needs to be staged before 'glance-direct' method can be used");
    const unknown = await doImport(img.id, { name: 'carrier-pigeon' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain("Unknown import method name 'carrier-pigeon'.");
    const noMethod = await t.call({
      method: 'POST',
      url: `/image/v2/images/${img.id}/import`,
      as: 'demo',
      payload: {},
    });
    expect(noMethod.statusCode).toBe(400);
    const missing = await doImport('00000000-0000-0000-0000-000000000000', { name: 'glance-direct' });
    expect(missing.statusCode).toBe(404);
    const priv = await create(t, 'demo', { visibility: 'private' });
    const other = await t.call({
      method: 'POST',
      url: `/image/v2/images/${priv.id}/import`,
      as: 'alt_demo',
      payload: { method: { name: 'glance-direct' } },
    });
    expect(other.statusCode).toBe(404);
  });
});
