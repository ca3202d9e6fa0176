import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, patch, upload } from './util.js';

describe('image: PATCH and tags', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('adds, replaces and removes core and custom properties in one request', async () => {
    const img = await create(t, 'demo', { name: 'before', os_version: '11' });
    const res = await patch(t, 'demo', img.id, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'add', path: '/os_distro', value: 'debian' },
      { op: 'remove', path: '/os_version' },
      { op: 'replace', path: '/min_ram', value: 512 },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ name: 'renamed', os_distro: 'debian', min_ram: 512 });
    expect(body).not.toHaveProperty('os_version');
    const shown = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'demo' })).json();
    expect(shown).toEqual(body);
  });

  it('takes the v2.0 (draft 4) patch form too', async () => {
    const img = await create(t, 'demo');
    const res = await patch(
      t,
      'demo',
      img.id,
      [{ add: '/color', value: 'blue' }],
      'application/openstack-images-v2.0-json-patch',
    );
    expect(res.json().color).toBe('blue');
    const dup = await patch(
      t,
      'demo',
      img.id,
      [{ add: '/color', value: 'red' }],
      'application/openstack-images-v2.0-json-patch',
    );
    expect(dup.statusCode).toBe(409);
    expect(dup.body).toContain('Property color already present.');
  });

  it('refuses read-only and reserved attributes with 403 and changes nothing', async () => {
    const img = await create(t, 'demo', { name: 'keep' });
    for (const [ops, message] of [
      [[{ op: 'replace', path: '/status', value: 'active' }], "Attribute 'status' is read-only."],
      [[{ op: 'replace', path: '/size', value: 1 }], "Attribute 'size' is read-only."],
      [[{ op: 'add', path: '/deleted', value: 'x' }], "Attribute 'deleted' is reserved."],
      [[{ op: 'remove', path: '/name' }], 'Property name may not be removed.'],
      [
        [
          { op: 'replace', path: '/name', value: 'changed' },
          { op: 'replace', path: '/id', value: 'x' },
        ],
        "Attribute 'id' is read-only.",
      ],
    ] as const) {
      const res = await patch(t, 'demo', img.id, ops);
      expect(res.statusCode, JSON.stringify(ops)).toBe(403);
      expect(res.body).toContain(message);
    }
    const shown = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'demo' })).json();
    expect(shown.name).toBe('keep');
  });

  it('refuses disk_format changes once the image has data', async () => {
    const img = await create(t, 'demo');
    await upload(t, 'demo', img.id, 'data');
    const res = await patch(t, 'demo', img.id, [{ op: 'replace', path: '/disk_format', value: 'qcow2' }]);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Attribute disk_format can be only replaced for a queued image.');
  });

  it('answers malformed patches with 400, a wrong media type with 415 and Accept-Patch', async () => {
    const img = await create(t, 'demo');
    const wrongType = await patch(t, 'demo', img.id, [], 'application/json');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.headers['accept-patch']).toBe(
      'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch',
    );
    for (const [ops, message] of [
      [{ op: 'add' }, 'Request body must be a JSON array of operation objects.'],
      [[{ op: 'move', path: '/name' }], 'Invalid operation: `move`.'],
      [[{ op: 'add', path: 'name', value: 1 }], 'does not start with "/"'],
      [[{ op: 'add', path: '/a/b', value: 1 }], "Invalid JSON pointer for this resource: '/a/b'"],
      [[{ op: 'add', path: '/name' }], 'Operation "add" requires a member named "value".'],
      [[{ op: 'replace', path: '/visibility', value: 'everyone' }], "'everyone' is not one of"],
    ] as const) {
      const res = await patch(t, 'demo', img.id, ops);
      expect(res.statusCode, JSON.stringify(ops)).toBe(400);
      expect(res.body).toContain(message);
    }
    const missing = await patch(t, 'demo', img.id, [{ op: 'replace', path: '/nothing', value: 'x' }]);
    expect(missing.statusCode).toBe(409);
    expect(missing.body).toContain('Property nothing does not exist.');
  });

  it("keeps other projects out: 404 for a private image, 403 for one they can see but don't own", async () => {
    const priv = await create(t, 'demo', { visibility: 'private' });
    const hidden = await patch(t, 'alt_demo', priv.id, [{ op: 'replace', path: '/name', value: 'x' }]);
    expect(hidden.statusCode).toBe(404);
    const pub = await create(t, 'admin', { visibility: 'public' });
    const res = await patch(t, 'demo', pub.id, [{ op: 'replace', path: '/name', value: 'x' }]);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('You do not own this image');
    const publicize = await patch(t, 'demo', priv.id, [{ op: 'replace', path: '/visibility', value: 'public' }]);
    expect(publicize.statusCode).toBe(403);
    const owner = await patch(t, 'demo', priv.id, [{ op: 'replace', path: '/owner', value: 'x' }]);
    expect(owner.statusCode).toBe(403);
    expect(owner.body).toContain("Owner can't be updated by non admin.");
  });

  it('adds and removes tags, and lists by them', async () => {
    const img = await create(t, 'demo', { tags: ['one'] });
    const put = await t.call({ method: 'PUT', url: `/image/v2/images/${img.id}/tags/two`, as: 'demo' });
    expect(put.statusCode).toBe(204);
    const shown = (await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'demo' })).json();
    expect(shown.tags.sort()).toEqual(['one', 'two']);
    const both = await t.call({ method: 'GET', url: '/image/v2/images?tag=one&tag=two', as: 'demo' });
    expect(both.json().images.map((i: { id: string }) => i.id)).toEqual([img.id]);
    expect(
      (await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}/tags/one`, as: 'demo' })).statusCode,
    ).toBe(204);
    const gone = await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}/tags/one`, as: 'demo' });
    expect(gone.statusCode).toBe(404);
    const noImage = await t.call({
      method: 'PUT',
      url: '/image/v2/images/00000000-0000-0000-0000-000000000000/tags/x',
      as: 'demo',
    });
    expect(noImage.statusCode).toBe(404);
    const pub = await create(t, 'admin', { visibility: 'public' });
    const notMine = await t.call({ method: 'PUT', url: `/image/v2/images/${pub.id}/tags/x`, as: 'demo' });
    expect(notMine.statusCode).toBe(403);
  });
});
