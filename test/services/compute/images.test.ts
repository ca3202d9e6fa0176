import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, mv } from './util.js';

describe('compute: the image proxy (2.1–2.35)', () => {
  let t: TestCloud;
  let image: string;
  let snap: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    const id = await boot(t, 'demo', { name: 'imgsrc', imageRef: image, flavorRef: '42' });
    snap = (await action(t, 'demo', id, { createImage: { name: 'snapx' } }, mv('2.45'))).json().image_id;
  });
  afterAll(() => t.close());

  it("lists and shows Glance's images in Nova's shape", async () => {
    const list = await t.call({ method: 'GET', url: `${base}/images`, as: 'demo' });
    expect(list.json().images.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([image, snap]));
    const detail = await t.call({ method: 'GET', url: `${base}/images/${snap}`, as: 'demo' });
    expect(detail.json().image).toMatchObject({
      id: snap,
      name: 'snapx',
      status: 'ACTIVE',
      progress: 100,
      metadata: { image_type: 'snapshot' },
    });
    expect(detail.json().image.server.id).toBeTruthy();
    const snaps = await t.call({ method: 'GET', url: `${base}/images/detail?type=snapshot`, as: 'demo' });
    expect(snaps.json().images.map((i: { id: string }) => i.id)).toEqual([snap]);
    expect(
      (await t.call({ method: 'GET', url: `${base}/images/00000000-0000-0000-0000-000000000000`, as: 'demo' }))
        .statusCode,
    ).toBe(404);
    expect((await t.call({ method: 'GET', url: `${base}/images`, as: 'demo', headers: mv('2.36') })).statusCode).toBe(
      404,
    );
  });

  it('changes image metadata and deletes an own image, not a public one', async () => {
    const url = `${base}/images/${snap}/metadata`;
    const post = await t.call({ method: 'POST', url, as: 'demo', payload: { metadata: { os: 'linux' } } });
    expect(post.json().metadata.os).toBe('linux');
    const one = await t.call({ method: 'PUT', url: `${url}/os`, as: 'demo', payload: { meta: { os: 'bsd' } } });
    expect(one.json()).toEqual({ meta: { os: 'bsd' } });
    expect((await t.call({ method: 'GET', url: `${url}/os`, as: 'demo' })).json()).toEqual({ meta: { os: 'bsd' } });
    expect((await t.call({ method: 'DELETE', url: `${url}/os`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${url}/os`, as: 'demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `${base}/images/${image}`, as: 'demo' })).statusCode).toBe(403);
    expect((await t.call({ method: 'DELETE', url: `${base}/images/${snap}`, as: 'alt_demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `${base}/images/${snap}`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${base}/images/${snap}`, as: 'demo' })).statusCode).toBe(404);
  });
});
