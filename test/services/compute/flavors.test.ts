import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordAuthByName, type TestCloud, testCloud } from '../../helpers.js';

const mv = (v: string) => ({ 'openstack-api-version': `compute ${v}` });

describe('compute: discovery and flavors', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('discovers v2.1 with its microversion range, without a token', async () => {
    const res = await t.call({ method: 'GET', url: '/compute/' });
    expect(res.statusCode).toBe(200);
    const v = res.json().versions[1];
    expect(v).toMatchObject({ id: 'v2.1', status: 'CURRENT', min_version: '2.1' });
    expect(Number(v.version.split('.')[1])).toBeGreaterThanOrEqual(79);
    const one = await t.call({ method: 'GET', url: '/compute/v2.1' });
    expect(one.json().version.links[0].href).toMatch(/\/compute\/v2\.1\/$/);
  });

  it('is in the catalog as compute/nova at /compute/v2.1', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName('demo'),
    });
    const svc = res.json().token.catalog.find((s: { type: string }) => s.type === 'compute');
    expect(svc.name).toBe('nova');
    expect(svc.endpoints[0].url).toMatch(/\/compute\/v2\.1$/);
  });

  it('echoes the negotiated microversion and refuses one out of range in Nova format', async () => {
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'demo', headers: mv('2.55') });
    expect(res.headers['openstack-api-version']).toBe('compute 2.55');
    expect(res.headers['x-openstack-nova-api-version']).toBe('2.55');
    const latest = await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'demo', headers: mv('latest') });
    expect(latest.headers['openstack-api-version']).toMatch(/^compute 2\.\d+$/);
    const bad = await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'demo', headers: mv('2.999') });
    expect(bad.statusCode).toBe(406);
    expect(bad.json().computeFault.code).toBe(406);
  });

  it("lists DevStack's flavors with DevStack's ids", async () => {
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/detail', as: 'demo' });
    const byId = Object.fromEntries(res.json().flavors.map((f: { id: string; name: string }) => [f.id, f]));
    expect(byId.d3).toMatchObject({ name: 'ds2G', ram: 2048, vcpus: 2, disk: 10, swap: '' });
    expect(byId['42'].name).toBe('m1.nano');
    expect(byId['84'].name).toBe('m1.micro');
    expect(byId.c1.name).toBe('cirros256');
    expect(Object.keys(byId).sort()).toEqual(['1', '2', '3', '4', '42', '5', '84', 'c1', 'd1', 'd2', 'd3', 'd4']);
    expect(byId.d3.links[0].href).toMatch(/\/compute\/v2\.1\/flavors\/d3$/);
  });

  it('shows swap as 0 and extra_specs and description at later microversions', async () => {
    const old = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/d2', as: 'demo' });
    expect(old.json().flavor).not.toHaveProperty('description');
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/d2', as: 'demo', headers: mv('2.75') });
    expect(res.json().flavor).toMatchObject({ swap: 0, description: null, extra_specs: { 'hw_rng:allowed': 'True' } });
  });

  it('answers 404 for a missing flavor in Nova format', async () => {
    const res = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/nope', as: 'demo' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
  });

  it('lets admins create, describe (2.55) and delete flavors; members may not', async () => {
    const body = { flavor: { name: 'f-test', ram: 64, vcpus: 1, disk: 0, id: 'ft1' } };
    const denied = await t.call({ method: 'POST', url: '/compute/v2.1/flavors', as: 'demo', payload: body });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().forbidden.message).toMatch(/os-flavor-manage:create/);
    const res = await t.call({ method: 'POST', url: '/compute/v2.1/flavors', as: 'admin', payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json().flavor).toMatchObject({ id: 'ft1', name: 'f-test', 'os-flavor-access:is_public': true });
    const dup = await t.call({ method: 'POST', url: '/compute/v2.1/flavors', as: 'admin', payload: body });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().conflictingRequest.message).toBe('Flavor with name f-test already exists.');
    const upd = await t.call({
      method: 'PUT',
      url: '/compute/v2.1/flavors/ft1',
      as: 'admin',
      headers: mv('2.55'),
      payload: { flavor: { description: 'small' } },
    });
    expect(upd.json().flavor.description).toBe('small');
    const del = await t.call({ method: 'DELETE', url: '/compute/v2.1/flavors/ft1', as: 'admin' });
    expect(del.statusCode).toBe(202);
    const gone = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/ft1', as: 'admin' });
    expect(gone.statusCode).toBe(404);
  });

  it('refuses malformed flavors with a 400 naming the field', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors',
      as: 'admin',
      payload: { flavor: { name: 'x', ram: -1, vcpus: 1, disk: 0 } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().badRequest.message).toMatch(/^Invalid input for field\/attribute ram\./);
    const extra = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors',
      as: 'admin',
      payload: { flavor: { name: 'x', ram: 1, vcpus: 1, disk: 0, bogus: 1 } },
    });
    expect(extra.json().badRequest.message).toMatch(/Additional properties are not allowed \('bogus' was unexpected\)/);
  });

  it('keeps private flavors to the projects given access', async () => {
    const create = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors',
      as: 'admin',
      payload: {
        flavor: { name: 'private1', ram: 64, vcpus: 1, disk: 0, id: 'p1', 'os-flavor-access:is_public': false },
      },
    });
    expect(create.statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/flavors/p1', as: 'demo' })).statusCode).toBe(404);
    const demoProject = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json()
      .projects[0].id;
    const add = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors/p1/action',
      as: 'admin',
      payload: { addTenantAccess: { tenant: demoProject } },
    });
    expect(add.json().flavor_access).toEqual([{ flavor_id: 'p1', tenant_id: demoProject }]);
    const again = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors/p1/action',
      as: 'admin',
      payload: { addTenantAccess: { tenant: demoProject } },
    });
    expect(again.statusCode).toBe(409);
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/flavors/p1', as: 'demo' })).statusCode).toBe(200);
    const list = await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'demo' });
    expect(list.json().flavors.map((f: { id: string }) => f.id)).toContain('p1');
    expect((await t.call({ method: 'GET', url: '/compute/v2.1/flavors/p1', as: 'alt_demo' })).statusCode).toBe(404);
    const pub = await t.call({ method: 'GET', url: '/compute/v2.1/flavors/1/os-flavor-access', as: 'admin' });
    expect(pub.statusCode).toBe(404);
    const badTenant = await t.call({
      method: 'POST',
      url: '/compute/v2.1/flavors/p1/action',
      as: 'admin',
      payload: { addTenantAccess: { tenant: 'no-such-project' } },
    });
    expect(badTenant.statusCode).toBe(400);
  });

  it('keeps extra specs', async () => {
    const url = '/compute/v2.1/flavors/d1/os-extra_specs';
    const set = await t.call({
      method: 'POST',
      url,
      as: 'admin',
      payload: { extra_specs: { 'hw:cpu_policy': 'dedicated', n: 2 } },
    });
    expect(set.statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `${url}/n`, as: 'demo' })).json()).toEqual({ n: '2' });
    const mismatch = await t.call({ method: 'PUT', url: `${url}/n`, as: 'admin', payload: { m: '3' } });
    expect(mismatch.statusCode).toBe(400);
    expect((await t.call({ method: 'DELETE', url: `${url}/n`, as: 'admin' })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `${url}/n`, as: 'demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'POST', url, as: 'demo', payload: { extra_specs: { a: 'b' } } })).statusCode).toBe(
      403,
    );
    expect(
      (await t.call({ method: 'GET', url: '/compute/v2.1/flavors/zz/os-extra_specs', as: 'demo' })).statusCode,
    ).toBe(404);
  });
});

describe("compute: an action's body read as Nova's dispatcher reads it (wsgi.py action_peek)", () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  const action = (payload: string, type = 'application/json') =>
    t.call({
      as: 'admin',
      method: 'POST',
      url: '/compute/v2.1/flavors/42/action',
      payload,
      headers: { 'content-type': type },
    });

  it('a JSON value with no len() (1, true, null), or one item without keys, is a bare 404', async () => {
    for (const body of ['1', '1.5', 'true', 'null', '["addTenantAccess"]', '"a"']) {
      const r = await action(body);
      expect(r.statusCode, body).toBe(404);
      expect(r.json(), body).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    }
  });

  it('anything but one key is a malformed body; one unknown key is no such action', async () => {
    for (const body of ['{}', '[]', '"ab"', '{"addTenantAccess": {"tenant": "x"}, "removeTenantAccess": {}}', 'nope']) {
      const r = await action(body, body === 'nope' ? 'text/plain' : 'application/json');
      expect(r.statusCode, body).toBe(400);
      expect(r.json(), body).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    }
    const unknown = await action('{"fly": {}}');
    expect(unknown.json()).toEqual({ badRequest: { code: 400, message: 'There is no such action: fly' } });
  });

  it('text/plain is read as JSON, as Nova reads it; another media type is a 415', async () => {
    const project = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/projects?name=demo' })).json()
      .projects[0].id;
    await t.call({
      as: 'admin',
      method: 'POST',
      url: '/compute/v2.1/flavors',
      payload: {
        flavor: { name: 'private', ram: 64, vcpus: 1, disk: 1, id: 'p1', 'os-flavor-access:is_public': false },
      },
    });
    const r = await t.call({
      as: 'admin',
      method: 'POST',
      url: '/compute/v2.1/flavors/p1/action',
      payload: JSON.stringify({ addTenantAccess: { tenant: project } }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().flavor_access).toEqual([{ flavor_id: 'p1', tenant_id: project }]);
    const xml = await action('<addTenantAccess/>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual({ badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
  });

  it("reads any route's body as JSON with text/plain or no Content-Type; another media type is a 415", async () => {
    const create = (
      name: string,
      type?: string,
      payload = JSON.stringify({ flavor: { name, ram: 64, vcpus: 1, disk: 1 } }),
    ) =>
      t.call({
        as: 'admin',
        method: 'POST',
        url: '/compute/v2.1/flavors',
        payload,
        headers: type ? { 'content-type': type } : {},
      });
    const plain = await create('plain', 'text/plain');
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().flavor.name).toBe('plain');
    const bare = await create('bare');
    expect(bare.statusCode, bare.body).toBe(200);
    const xml = await create('xml', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual({ badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
    const junk = await create('junk', 'text/plain', 'flavor=junk');
    expect(junk.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    const names = (await t.call({ as: 'admin', method: 'GET', url: '/compute/v2.1/flavors' }))
      .json()
      .flavors.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['plain', 'bare']));
    expect(names).not.toContain('xml');
    expect(names).not.toContain('junk');
  });
});
