import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';

describe('image: metadata definitions', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  const NS = '/image/v2/metadefs/namespaces';
  const make = (namespace: string, extra: Record<string, unknown> = {}) =>
    t.call({ method: 'POST', url: NS, as: 'admin', payload: { namespace, visibility: 'public', ...extra } });

  it('serves the metadefs schemas under their Glance names', async () => {
    for (const [path, name] of [
      ['namespace', 'namespace'],
      ['namespaces', 'namespaces'],
      ['resource_type', 'resource_type_association'],
      ['resource_types', 'resource_type_associations'],
      ['object', 'object'],
      ['properties', 'properties'],
      ['tags', 'tags'],
    ]) {
      const res = await t.call({ method: 'GET', url: `/image/v2/schemas/metadefs/${path}`, as: 'demo' });
      expect(res.json().name, path).toBe(name);
    }
  });

  it('lists the seeded resource types', async () => {
    const res = await t.call({ method: 'GET', url: '/image/v2/metadefs/resource_types', as: 'demo' });
    expect(res.json().resource_types.map((r: { name: string }) => r.name)).toContain('OS::Glance::Image');
  });

  it('creates, shows, updates and deletes a namespace; a protected one is not deleted', async () => {
    const created = await make('ns-one', {
      display_name: 'One',
      protected: true,
      resource_type_associations: [{ name: 'OS::Glance::Image' }],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      namespace: 'ns-one',
      display_name: 'One',
      visibility: 'public',
      protected: true,
      self: '/v2/metadefs/namespaces/ns-one',
      schema: '/v2/schemas/metadefs/namespace',
    });
    expect((await make('ns-one')).statusCode).toBe(409);
    const listed = (await t.call({ method: 'GET', url: NS, as: 'demo' })).json();
    expect(listed.namespaces.map((n: { namespace: string }) => n.namespace)).toContain('ns-one');
    const del = await t.call({ method: 'DELETE', url: `${NS}/ns-one`, as: 'admin' });
    expect(del.statusCode).toBe(403);
    expect(del.body).toContain('Metadata definition namespace ns-one is protected and cannot be deleted.');
    const upd = await t.call({
      method: 'PUT',
      url: `${NS}/ns-one`,
      as: 'admin',
      payload: { namespace: 'ns-one', visibility: 'private', protected: false },
    });
    expect(upd.json()).toMatchObject({ visibility: 'private', protected: false });
    expect((await t.call({ method: 'GET', url: `${NS}/ns-one`, as: 'demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `${NS}/ns-one`, as: 'admin' })).statusCode).toBe(204);
    const gone = await t.call({ method: 'GET', url: `${NS}/ns-one`, as: 'admin' });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain('Metadata definition namespace=ns-one was not found.');
  });

  it('keeps writes for admins and refuses a namespace without its name', async () => {
    const byMember = await t.call({ method: 'POST', url: NS, as: 'demo', payload: { namespace: 'mine' } });
    expect(byMember.statusCode).toBe(403);
    expect(byMember.body).toContain('add_metadef_namespace');
    const noName = await t.call({ method: 'POST', url: NS, as: 'admin', payload: { visibility: 'public' } });
    expect(noName.statusCode).toBe(400);
    const badVis = await t.call({
      method: 'POST',
      url: NS,
      as: 'admin',
      payload: { namespace: 'x', visibility: 'world' },
    });
    expect(badVis.statusCode).toBe(400);
  });

  it('defines objects, properties and tags in a namespace', async () => {
    await make('ns-two');
    const base = `${NS}/ns-two`;
    const obj = await t.call({ method: 'POST', url: `${base}/objects`, as: 'admin', payload: { name: 'obj1' } });
    expect(obj.statusCode).toBe(201);
    const renamed = await t.call({
      method: 'PUT',
      url: `${base}/objects/obj1`,
      as: 'admin',
      payload: { name: 'obj2' },
    });
    expect(renamed.json().name).toBe('obj2');
    expect((await t.call({ method: 'GET', url: `${base}/objects/obj1`, as: 'demo' })).statusCode).toBe(404);
    const objs = (await t.call({ method: 'GET', url: `${base}/objects`, as: 'demo' })).json().objects;
    expect(objs).toEqual([expect.objectContaining({ name: 'obj2', required: [], properties: {} })]);

    const prop = await t.call({
      method: 'POST',
      url: `${base}/properties`,
      as: 'admin',
      payload: { name: 'hw_x', title: 'X', type: 'string', enum: ['a', 'b'] },
    });
    expect(prop.json()).toEqual({ name: 'hw_x', title: 'X', type: 'string', enum: ['a', 'b'] });
    const noType = await t.call({ method: 'POST', url: `${base}/properties`, as: 'admin', payload: { name: 'p' } });
    expect(noType.statusCode).toBe(400);
    const props = (await t.call({ method: 'GET', url: `${base}/properties`, as: 'demo' })).json().properties;
    expect(Object.keys(props)).toEqual(['hw_x']);

    const tags = await t.call({
      method: 'POST',
      url: `${base}/tags`,
      as: 'admin',
      payload: { tags: [{ name: 't1' }, { name: 't2' }] },
    });
    expect(tags.statusCode).toBe(201);
    await t.call({ method: 'POST', url: `${base}/tags/t3`, as: 'admin' });
    const t4 = await t.call({ method: 'PUT', url: `${base}/tags/t3`, as: 'admin', payload: { name: 't4' } });
    expect(t4.json().name).toBe('t4');
    const names = (await t.call({ method: 'GET', url: `${base}/tags`, as: 'demo' }))
      .json()
      .tags.map((x: any) => x.name);
    expect(names.sort()).toEqual(['t1', 't2', 't4']);
    expect((await t.call({ method: 'DELETE', url: `${base}/tags`, as: 'admin' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${base}/tags`, as: 'demo' })).json().tags).toEqual([]);

    const show = (await t.call({ method: 'GET', url: base, as: 'demo' })).json();
    expect(show.objects.map((o: any) => o.name)).toEqual(['obj2']);
    expect(Object.keys(show.properties)).toEqual(['hw_x']);
    const byMember = await t.call({ method: 'DELETE', url: `${base}/objects/obj2`, as: 'demo' });
    expect(byMember.statusCode).toBe(403);
  });

  it('associates resource types with a namespace and removes them', async () => {
    await make('ns-three');
    const base = `${NS}/ns-three/resource_types`;
    const add = await t.call({
      method: 'POST',
      url: base,
      as: 'admin',
      payload: { name: 'OS::Nova::Flavor', prefix: 'hw_' },
    });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ name: 'OS::Nova::Flavor', prefix: 'hw_' });
    expect(
      (await t.call({ method: 'POST', url: base, as: 'admin', payload: { name: 'OS::Nova::Flavor' } })).statusCode,
    ).toBe(409);
    const filtered = (await t.call({ method: 'GET', url: `${NS}?resource_types=OS::Nova::Flavor`, as: 'demo' })).json();
    expect(filtered.namespaces.map((n: any) => n.namespace)).toEqual(['ns-three']);
    expect((await t.call({ method: 'DELETE', url: `${base}/OS::Nova::Flavor`, as: 'admin' })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: base, as: 'demo' })).json().resource_type_associations).toEqual([]);
    expect((await t.call({ method: 'DELETE', url: `${base}/OS::Nova::Flavor`, as: 'admin' })).statusCode).toBe(404);
  });
});
