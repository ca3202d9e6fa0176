import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, patch, projectId } from './util.js';

describe('image: sharing', () => {
  let t: TestCloud;
  let alt: string;
  beforeAll(async () => {
    t = await testCloud();
    alt = await projectId(t, 'alt_demo');
  });
  afterAll(() => t.close());

  const members = (id: string) => `/image/v2/images/${id}/members`;

  it('shares an image: pending, then listed by the member once accepted', async () => {
    const img = await create(t, 'demo', { visibility: 'shared', name: 'shared-one' });
    const add = await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    expect(add.statusCode).toBe(200);
    expect(add.json()).toMatchObject({
      member_id: alt,
      image_id: img.id,
      status: 'pending',
      schema: '/v2/schemas/member',
    });
    // the member sees it by id, but lists it only once accepted (or when asking for pending ones)
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'alt_demo' })).statusCode).toBe(200);
    const listIds = async (q = '') =>
      (await t.call({ method: 'GET', url: `/image/v2/images${q}`, as: 'alt_demo' }))
        .json()
        .images.map((i: any) => i.id);
    expect(await listIds()).not.toContain(img.id);
    expect(await listIds('?member_status=pending')).toContain(img.id);
    const accept = await t.call({
      method: 'PUT',
      url: `${members(img.id)}/${alt}`,
      as: 'alt_demo',
      payload: { status: 'accepted' },
    });
    expect(accept.statusCode).toBe(200);
    expect(accept.json().status).toBe('accepted');
    expect(await listIds()).toContain(img.id);
    const list = (await t.call({ method: 'GET', url: members(img.id), as: 'demo' })).json();
    expect(list.schema).toBe('/v2/schemas/members');
    expect(list.members.map((m: any) => m.member_id)).toEqual([alt]);
    const dup = await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    expect(dup.statusCode).toBe(409);
  });

  it('lets only the member change its status, and only to a known one', async () => {
    const img = await create(t, 'demo', { visibility: 'shared' });
    await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    const byOwner = await t.call({
      method: 'PUT',
      url: `${members(img.id)}/${alt}`,
      as: 'demo',
      payload: { status: 'accepted' },
    });
    expect(byOwner.statusCode).toBe(403);
    const bad = await t.call({
      method: 'PUT',
      url: `${members(img.id)}/${alt}`,
      as: 'alt_demo',
      payload: { status: 'maybe' },
    });
    expect(bad.statusCode).toBe(400);
    const none = await t.call({ method: 'PUT', url: `${members(img.id)}/${alt}`, as: 'alt_demo', payload: {} });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Status not specified');
  });

  it('keeps a member from changing or re-sharing the image it was given', async () => {
    const img = await create(t, 'demo', { visibility: 'shared', name: 'theirs' });
    await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    const rename = await patch(t, 'alt_demo', img.id, [{ op: 'replace', path: '/name', value: 'mine now' }]);
    expect(rename.statusCode).toBe(403);
    const reshare = await t.call({ method: 'POST', url: members(img.id), as: 'alt_demo', payload: { member: 'x' } });
    expect(reshare.statusCode).toBe(403);
    const remove = await t.call({ method: 'DELETE', url: `${members(img.id)}/${alt}`, as: 'alt_demo' });
    expect(remove.statusCode).toBe(403);
    const del = await t.call({ method: 'DELETE', url: `/image/v2/images/${img.id}`, as: 'alt_demo' });
    expect(del.statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'demo' })).json().name).toBe('theirs');
  });

  it('has members only on shared images', async () => {
    const img = await create(t, 'demo', { visibility: 'private' });
    const add = await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    expect(add.statusCode).toBe(403);
    expect(add.body).toContain(`Not allowed to create members for image ${img.id}.`);
    const list = await t.call({ method: 'GET', url: members(img.id), as: 'demo' });
    expect(list.statusCode).toBe(403);
    expect(list.body).toContain('Only shared images have members.');
  });

  it('answers bad bodies with 400 and missing images or members with 404', async () => {
    const img = await create(t, 'demo', { visibility: 'shared' });
    const noMember = await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: {} });
    expect(noMember.statusCode).toBe(400);
    expect(noMember.body).toContain('Member to be added not specified');
    const empty = await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: '' } });
    expect(empty.statusCode).toBe(400);
    const missingImage = await t.call({
      method: 'GET',
      url: members('00000000-0000-0000-0000-000000000000'),
      as: 'demo',
    });
    expect(missingImage.statusCode).toBe(404);
    const missingMember = await t.call({ method: 'GET', url: `${members(img.id)}/nobody`, as: 'demo' });
    expect(missingMember.statusCode).toBe(404);
    expect(missingMember.body).toContain(`nobody not found in the member list of the image ${img.id}.`);
  });

  it('removes a member: the image disappears for it', async () => {
    const img = await create(t, 'demo', { visibility: 'shared' });
    await t.call({ method: 'POST', url: members(img.id), as: 'demo', payload: { member: alt } });
    expect((await t.call({ method: 'DELETE', url: `${members(img.id)}/${alt}`, as: 'demo' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `/image/v2/images/${img.id}`, as: 'alt_demo' })).statusCode).toBe(404);
  });
});
