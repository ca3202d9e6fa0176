import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

const v311 = { 'openstack-api-version': 'volume 3.11' };

describe('volume: group types and group specs (3.11)', () => {
  const my = volumeSuite();

  it('creates, lists, shows, updates and deletes group types; specs only for admins', async () => {
    const made = await my.admin.call(
      'POST',
      '/group_types',
      {
        group_type: {
          name: 'gt-a',
          description: 'd',
          group_specs: { consistent_group_snapshot_enabled: '<is> False' },
        },
      },
      v311,
    );
    expect(made.statusCode).toBe(202);
    const gt = made.json().group_type;
    expect(gt).toMatchObject({ name: 'gt-a', description: 'd', is_public: true });
    expect(gt.group_specs).toEqual({ consistent_group_snapshot_enabled: '<is> False' });
    await my.admin.call('POST', '/group_types', { group_type: { name: 'b-private', is_public: false } }, v311);

    const dup = await my.admin.call('POST', '/group_types', { group_type: { name: 'gt-a' } }, v311);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().conflictingRequest.message).toBe('Group Type gt-a already exists.');

    const asc = await my.admin.call('GET', '/group_types?sort=name:asc&is_public=None', undefined, v311);
    expect(asc.json().group_types.map((g: any) => g.name)).toEqual(['b-private', 'gt-a']);
    const priv = await my.admin.call('GET', '/group_types?is_public=false', undefined, v311);
    expect(priv.json().group_types.map((g: any) => g.name)).toEqual(['b-private']);
    const seen = await my.demo.call('GET', '/group_types?is_public=None', undefined, v311);
    expect(seen.json().group_types).toEqual([{ id: gt.id, name: 'gt-a', description: 'd', is_public: true }]);

    const up = await my.admin.call(
      'PUT',
      `/group_types/${gt.id}`,
      { group_type: { name: 'gt-b', description: 'e' } },
      v311,
    );
    expect(up.statusCode).toBe(200);
    expect(up.json().group_type).toMatchObject({ name: 'gt-b', description: 'e' });
    const empty = await my.admin.call('PUT', `/group_types/${gt.id}`, { group_type: {} }, v311);
    expect(empty.json().badRequest.message).toBe('Specify group type name, description or a combination thereof.');
    expect((await my.demo.call('GET', `/group_types/${gt.id}`, undefined, v311)).json().group_type.name).toBe('gt-b');

    expect((await my.admin.call('DELETE', `/group_types/${gt.id}`, undefined, v311)).statusCode).toBe(202);
    expect((await my.admin.call('GET', `/group_types/${gt.id}`, undefined, v311)).json().itemNotFound.message).toBe(
      `Group type ${gt.id} could not be found.`,
    );
  });

  it('refuses bad bodies, missing types, non-admins and older microversions', async () => {
    const noName = await my.admin.call('POST', '/group_types', { group_type: { description: 'x' } }, v311);
    expect(noName.statusCode).toBe(400);
    const badSpecs = await my.admin.call(
      'POST',
      '/group_types',
      { group_type: { name: 'x', group_specs: 'no' } },
      v311,
    );
    expect(badSpecs.statusCode).toBe(400);
    const forbidden = await my.demo.call('POST', '/group_types', { group_type: { name: 'x' } }, v311);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().forbidden.message).toBe("Policy doesn't allow group:group_types:create to be performed.");
    expect((await my.admin.call('GET', '/group_types')).statusCode).toBe(404); // 3.0
    expect((await my.admin.call('GET', '/group_types/default', undefined, v311)).json().itemNotFound.message).toBe(
      'Default group type can not be found.',
    );
    const priv = await my.admin.call(
      'POST',
      '/group_types',
      { group_type: { name: 'hidden', is_public: false } },
      v311,
    );
    const id = priv.json().group_type.id;
    expect((await my.alt.call('GET', `/group_types/${id}`, undefined, v311)).statusCode).toBe(404);
    expect(
      (await my.admin.call('DELETE', '/group_types/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', undefined, v311)).statusCode,
    ).toBe(404);
  });

  it('sets, shows, updates, lists and deletes group specs', async () => {
    const gt = (await my.admin.call('POST', '/group_types', { group_type: { name: 'specs' } }, v311)).json().group_type;
    const base = `/group_types/${gt.id}/group_specs`;
    const set = await my.admin.call('POST', base, { group_specs: { key1: 'value1', key2: 'value2' } }, v311);
    expect(set.statusCode).toBe(202);
    expect(set.json()).toEqual({ group_specs: { key1: 'value1', key2: 'value2' } });
    await my.admin.call('POST', base, { group_specs: { key2: 'v2', key3: 'v3' } }, v311);
    expect((await my.admin.call('GET', `${base}/key2`, undefined, v311)).json()).toEqual({ key2: 'v2' });
    const item = await my.admin.call('PUT', `${base}/key3`, { key3: 'v3b' }, v311);
    expect(item.statusCode).toBe(200);
    expect(item.json()).toEqual({ key3: 'v3b' });
    const mismatch = await my.admin.call('PUT', `${base}/key3`, { key1: 'x' }, v311);
    expect(mismatch.json().badRequest.message).toBe('Request body and URI mismatch');
    expect((await my.admin.call('GET', base, undefined, v311)).json().group_specs).toEqual({
      key1: 'value1',
      key2: 'v2',
      key3: 'v3b',
    });
    expect((await my.admin.call('DELETE', `${base}/key1`, undefined, v311)).statusCode).toBe(202);
    const gone = await my.admin.call('GET', `${base}/key1`, undefined, v311);
    expect(gone.json().itemNotFound.message).toBe(`Group Type ${gt.id} has no extra spec with key key1.`);
    const again = await my.admin.call('DELETE', `${base}/key1`, undefined, v311);
    expect(again.json().itemNotFound.message).toBe(`Group Type ${gt.id} has no specs with key key1.`);
    expect((await my.admin.call('POST', base, { group_specs: { 'bad key': 'x' } }, v311)).statusCode).toBe(400);
    expect((await my.demo.call('GET', base, undefined, v311)).statusCode).toBe(403);
  });
});
