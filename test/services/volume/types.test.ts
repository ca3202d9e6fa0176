import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

describe('volume: types', () => {
  const my = volumeSuite();

  it('seeds __DEFAULT__ and lvmdriver-1 as DevStack does; default is lvmdriver-1', async () => {
    const res = await my.demo.call('GET', '/types');
    expect(
      res
        .json()
        .volume_types.map((x: any) => x.name)
        .sort(),
    ).toEqual(['__DEFAULT__', 'lvmdriver-1']);
    // backend names are for admins only
    expect(res.json().volume_types.find((x: any) => x.name === 'lvmdriver-1').extra_specs).toEqual({});
    const def = await my.admin.call('GET', '/types/default');
    expect(def.json().volume_type).toMatchObject({
      name: 'lvmdriver-1',
      extra_specs: { volume_backend_name: 'lvmdriver-1' },
    });
  });

  it('lets admins create, update and delete types; others get 403', async () => {
    const body = { volume_type: { name: 'fast', description: 'd', extra_specs: { multiattach: '<is> True' } } };
    const denied = await my.demo.call('POST', '/types', body);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().forbidden.message).toBe("Policy doesn't allow volume_extension:types_manage to be performed.");
    const res = await my.admin.call('POST', '/types', body);
    expect(res.statusCode).toBe(200);
    const type = res.json().volume_type;
    expect(type).toMatchObject({ name: 'fast', is_public: true, 'os-volume-type-access:is_public': true });
    expect((await my.admin.call('POST', '/types', body)).statusCode).toBe(409);
    expect((await my.admin.call('POST', '/types', { volume_type: {} })).statusCode).toBe(400);
    const up = await my.admin.call('PUT', `/types/${type.id}`, { volume_type: { description: 'e' } });
    expect(up.json().volume_type.description).toBe('e');
    expect((await my.admin.call('PUT', `/types/${type.id}`, { volume_type: {} })).statusCode).toBe(400);
    // a multiattach type makes multiattach volumes
    const v = await my.demo.volume({ volume_type: 'fast' });
    expect(v.multiattach).toBe(true);
    expect((await my.admin.call('DELETE', `/types/${type.id}`)).json().badRequest.message).toBe(
      'Target volume type is still in use.',
    );
    expect((await my.admin.call('GET', '/types/3f6c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09')).statusCode).toBe(404);
  });

  it('manages extra specs and private type access', async () => {
    const t1 = (
      await my.admin.call('POST', '/types', { volume_type: { name: 'priv', 'os-volume-type-access:is_public': false } })
    ).json().volume_type;
    expect((await my.demo.call('GET', `/types/${t1.id}`)).statusCode).toBe(404);
    expect((await my.demo.call('POST', '/volumes', { volume: { size: 1, volume_type: 'priv' } })).statusCode).toBe(404);
    const add = await my.admin.call('POST', `/types/${t1.id}/action`, {
      addProjectAccess: { project: my.demo.project },
    });
    expect(add.statusCode).toBe(202);
    expect(
      (await my.admin.call('POST', `/types/${t1.id}/action`, { addProjectAccess: { project: my.demo.project } }))
        .statusCode,
    ).toBe(409);
    expect((await my.demo.call('GET', `/types/${t1.id}`)).statusCode).toBe(200);
    const access = await my.admin.call('GET', `/types/${t1.id}/os-volume-type-access`);
    expect(access.json().volume_type_access).toEqual([{ volume_type_id: t1.id, project_id: my.demo.project }]);
    const specs = `/types/${t1.id}/extra_specs`;
    expect((await my.admin.call('POST', specs, { extra_specs: { a: '1' } })).json()).toEqual({
      extra_specs: { a: '1' },
    });
    expect((await my.admin.call('PUT', `${specs}/a`, { a: '2' })).json()).toEqual({ a: '2' });
    expect((await my.admin.call('PUT', `${specs}/a`, { b: '2' })).statusCode).toBe(400);
    expect((await my.admin.call('GET', `${specs}/a`)).json()).toEqual({ a: '2' });
    expect((await my.demo.call('POST', specs, { extra_specs: { a: '1' } })).statusCode).toBe(403);
    expect((await my.admin.call('DELETE', `${specs}/a`)).statusCode).toBe(202);
    expect((await my.admin.call('GET', `${specs}/a`)).statusCode).toBe(404);
  });
});
