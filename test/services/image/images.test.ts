import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create } from './util.js';

describe('image: discovery and records', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('discovers v2 at /image with a 300, and at /image/versions with a 200', async () => {
    const res = await t.call({ method: 'GET', url: '/image' });
    expect(res.statusCode).toBe(300);
    const versions = res.json().versions;
    expect(versions[0]).toMatchObject({ id: 'v2.15', status: 'CURRENT' });
    expect(versions[0].links[0].href).toMatch(/\/image\/v2\/$/);
    expect(versions.map((v: { id: string }) => v.id)).toContain('v2.0');
    expect((await t.call({ method: 'GET', url: '/image/versions' })).statusCode).toBe(200);
  });

  it('redirects /v2 to /v2/, which is not a resource (as Glance)', async () => {
    const res = await t.call({ method: 'GET', url: '/image/v2', as: 'demo' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/\/image\/v2\/$/);
    expect((await t.call({ method: 'GET', url: '/image/v2/', as: 'demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: '/image/v2/images/', as: 'demo' })).statusCode).toBe(404);
  });

  it('needs a token for the API', async () => {
    const res = await t.call({ method: 'GET', url: '/image/v2/images' });
    expect(res.statusCode).toBe(401);
  });

  it('creates an image with Glance defaults, a Location and the import headers', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      payload: {
        name: 'debian-12',
        disk_format: 'qcow2',
        container_format: 'bare',
        min_disk: 10,
        architecture: 'amd64',
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'debian-12',
      status: 'queued',
      visibility: 'shared',
      size: null,
      virtual_size: null,
      checksum: null,
      protected: false,
      os_hidden: false,
      min_disk: 10,
      min_ram: 0,
      architecture: 'amd64',
      tags: [],
      schema: '/v2/schemas/image',
    });
    expect(body.self).toBe(`/v2/images/${body.id}`);
    expect(body.file).toBe(`/v2/images/${body.id}/file`);
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body).not.toHaveProperty('stores');
    expect(res.headers.location).toMatch(new RegExp(`/image/v2/images/${body.id}$`));
    expect(res.headers['openstack-image-import-methods']).toBe('glance-direct,web-download,copy-image');
    const shown = await t.call({ method: 'GET', url: `/image/v2/images/${body.id}`, as: 'demo' });
    expect(shown.json()).toEqual(body);
  });

  it('takes a client-chosen id once', async () => {
    const id = '6e316491-a22a-4e4b-8082-eca01d129bef';
    await create(t, 'demo', { id });
    const again = await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: { id } });
    expect(again.statusCode).toBe(409);
  });

  it('refuses a wrong disk or container format with the schema message, in the format Accept asks for', async () => {
    const plain = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      payload: { disk_format: 'bad' },
    });
    expect(plain.statusCode).toBe(400);
    expect(plain.headers['content-type']).toMatch(/^text\/plain/);
    expect(plain.body).toMatch(
      /^400 Bad Request\n\nProvided object does not match schema 'image': 'bad' is not one of \[None, 'ami', 'ari'/,
    );
    const json = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      headers: { accept: 'application/json' },
      payload: { container_format: 'box' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ code: '400 Bad Request', title: 'Bad Request' });
    expect(json.json().message).toMatch(/'box' is not one of \[None, 'ami'/);
    const html = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      headers: { accept: '*/*' },
      payload: { min_ram: 'lots' },
    });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('&#x27;lots&#x27; is not of type &#x27;integer&#x27;');
  });

  it('refuses read-only and reserved attributes with 403', async () => {
    for (const [payload, message] of [
      [{ status: 'active' }, "Attribute 'status' is read-only."],
      [{ self: '/x' }, "Attribute 'self' is read-only."],
      [{ checksum: 'x' }, "Attribute 'checksum' is read-only."],
      [{ deleted: 'yes' }, "Attribute 'deleted' is reserved."],
      [{ os_glance_thing: 'x' }, "Attribute 'os_glance_thing' is reserved."],
      [{ locations: [] }, "Attribute 'locations' is reserved."],
    ] as const) {
      const res = await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(403);
      expect(res.body).toContain(message);
    }
    const neg = await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: { min_disk: -1 } });
    expect(neg.statusCode).toBe(400);
    expect(neg.body).toContain("Invalid value '-1' for parameter 'min_disk': Cannot be a negative value");
  });

  it("takes a property value up to Glance's column (65535 bytes); past it a 400, on create and on update, nothing changed", async () => {
    const before = await t.cloud.db.selectFrom('images').select('id').execute();
    const post = (note: string) => t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: { note } });
    const fits = await post('x'.repeat(65535));
    expect(fits.statusCode).toBe(201);
    const id = fits.json().id;
    // 'é' is two bytes in UTF-8: 32768 of them are 65536 bytes
    const big = await post('é'.repeat(32768));
    expect(big.statusCode).toBe(400);
    expect(big.body).toContain('Value of custom property note should not be greater than 65535 bytes.');
    const patch = await t.call({
      method: 'PATCH',
      url: `/image/v2/images/${id}`,
      as: 'demo',
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      payload: JSON.stringify([{ op: 'replace', path: '/note', value: 'y'.repeat(65536) }]),
    });
    expect(patch.statusCode).toBe(400);
    const kept = await t.call({ method: 'GET', url: `/image/v2/images/${id}`, as: 'demo' });
    expect(kept.json().note).toBe('x'.repeat(65535));
    expect(await t.cloud.db.selectFrom('images').select('id').execute()).toHaveLength(before.length + 1);
    await t.call({ method: 'DELETE', url: `/image/v2/images/${id}`, as: 'demo' });
  });

  it('answers malformed JSON with a 400 and leaves nothing made', async () => {
    const before = await t.cloud.db.selectFrom('images').select('id').execute();
    const res = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Malformed JSON in request body.');
    expect(await t.cloud.db.selectFrom('images').select('id').execute()).toHaveLength(before.length);
  });

  it('lets only admins publicize, and only admins create for another project', async () => {
    const pub = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'demo',
      payload: { visibility: 'public' },
    });
    expect(pub.statusCode).toBe(403);
    expect(pub.body).toContain('You are not authorized to complete publicize_image action.');
    const other = await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: { owner: 'someone' } });
    expect(other.statusCode).toBe(403);
    expect((await create(t, 'admin', { visibility: 'public', owner: 'someone' })).owner).toBe('someone');
    expect((await create(t, 'demo', { visibility: 'community' })).visibility).toBe('community');
  });

  it("hides another project's private image behind Glance's 404", async () => {
    const img = await create(t, 'demo', { visibility: 'private' });
    const res = await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'alt_demo' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe(`404 Not Found\n\nNo image found with ID ${img.id}\n\n   `);
    const del = await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}`, as: 'alt_demo' });
    expect(del.statusCode).toBe(404);
    expect(del.body).toContain(`Failed to find image ${img.id} to delete`);
    // admins see everything
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'admin' })).statusCode).toBe(200);
  });

  it('lets only the owner (or an admin) delete, never while protected', async () => {
    const img = await create(t, 'admin', { visibility: 'public', protected: true });
    const notMine = await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}`, as: 'demo' });
    expect(notMine.statusCode).toBe(403);
    const prot = await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}`, as: 'admin' });
    expect(prot.statusCode).toBe(403);
    expect(prot.body).toContain(`Image ${img.id} is protected and cannot be deleted.`);
    const mine = await create(t, 'demo');
    expect((await t.call({ method: 'DELETE', url: `/image/v2/images/${mine.id}`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${mine.id}`, as: 'demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `/image/v2/images/${mine.id}`, as: 'demo' })).statusCode).toBe(404);
  });

  it('answers a method a path does not take with 405 and Allow', async () => {
    const res = await t.call({ method: 'PUT', url: '/image/v2/images', as: 'demo' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('answers the parts of Glance it does not serve with a clear 501', async () => {
    for (const url of ['/image/v2/tasks', '/image/v2/cache/x', '/image/v2/stores/file/abc']) {
      const res = await t.call({ method: 'GET', url, as: 'demo' });
      expect(res.statusCode, url).toBe(501);
      expect(res.body).toContain('pocketstack does not serve');
    }
  });

  it('registers the default image on first start, public and active', async () => {
    const res = await t.call({ method: 'GET', url: '/image/v2/images?name=cirros-0.6.2-x86_64-disk', as: 'demo' });
    const [img] = res.json().images;
    expect(img).toMatchObject({
      visibility: 'public',
      status: 'active',
      disk_format: 'qcow2',
      virtual_size: 117440512,
    });
    expect(img.size).toBeGreaterThan(0);
    expect(img.checksum).toMatch(/^[0-9a-f]{32}$/);
  });

  it('serves the schemas the glance client builds its options from', async () => {
    const image = (await t.call({ method: 'GET', url: '/image/v2/schemas/image', as: 'demo' })).json();
    expect(image.name).toBe('image');
    for (const p of ['name', 'visibility', 'protected', 'min_disk', 'min_ram', 'disk_format', 'architecture'])
      expect(image.properties).toHaveProperty(p);
    expect(image.additionalProperties).toEqual({ type: 'string' });
    const images = (await t.call({ method: 'GET', url: '/image/v2/schemas/images', as: 'demo' })).json();
    expect(images.properties.images.items.name).toBe('image');
    const members = (await t.call({ method: 'GET', url: '/image/v2/schemas/members', as: 'demo' })).json();
    expect(members.properties.members.items.properties.status.enum).toEqual(['pending', 'accepted', 'rejected']);
  });
});
