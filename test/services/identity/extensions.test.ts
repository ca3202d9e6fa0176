import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { caller, V3 } from './api.js';

// policies (+ OS-ENDPOINT-POLICY), OAuth1 consumers, OS-EP-FILTER, domain
// configuration and unified limits.
describe('identity: the smaller v3 APIs', () => {
  let t: TestCloud;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await testCloud();
    const admin = caller(() => t);
    const identity = (await admin('GET', '/services?type=identity')).json().services[0];
    ids = {
      demo: (await admin('GET', '/projects?name=demo')).json().projects[0].id,
      identity: identity.id,
      publicEndpoint: (await admin('GET', `/endpoints?service_id=${identity.id}&interface=public`)).json().endpoints[0]
        .id,
    };
  });
  afterAll(() => t.close());

  const admin = caller(() => t);
  const demo = caller(() => t, 'demo');

  it('stores policy blobs and ties them to endpoints', async () => {
    const p = (await admin('POST', '/policies', { policy: { blob: '{"a": 1}', type: 'application/json' } })).json()
      .policy;
    expect(p).toMatchObject({ blob: '{"a": 1}', type: 'application/json' });
    expect((await admin('PATCH', `/policies/${p.id}`, { policy: { type: 'x' } })).json().policy.type).toBe('x');
    expect((await admin('GET', '/policies')).json().policies.map((x: any) => x.id)).toEqual([p.id]);
    const assoc = `/policies/${p.id}/OS-ENDPOINT-POLICY/endpoints/${ids.publicEndpoint}`;
    expect((await admin('GET', assoc)).statusCode).toBe(404);
    expect((await admin('PUT', assoc)).statusCode).toBe(204);
    expect((await admin('GET', assoc)).statusCode).toBe(204);
    expect((await admin('GET', `/endpoints/${ids.publicEndpoint}/OS-ENDPOINT-POLICY/policy`)).json().policy.id).toBe(
      p.id,
    );
    expect((await admin('PUT', `/policies/${p.id}/OS-ENDPOINT-POLICY/endpoints/nope`)).statusCode).toBe(404);
    expect((await admin('POST', '/policies', { policy: { type: 'x' } })).statusCode).toBe(400);
    expect((await demo('GET', '/policies')).statusCode).toBe(403);
    expect((await admin('DELETE', `/policies/${p.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/policies/${p.id}`)).json().error.message).toBe(`Could not find policy: ${p.id}.`);
  });

  it('keeps OAuth1 consumers, showing the secret only at creation, and says the rest is not served', async () => {
    const made = await admin('POST', '/OS-OAUTH1/consumers', { consumer: { description: 'ci' } });
    expect(made.statusCode).toBe(201);
    const c = made.json().consumer;
    expect(c.secret).toBeTruthy();
    const shown = (await admin('GET', `/OS-OAUTH1/consumers/${c.id}`)).json().consumer;
    expect(shown).toMatchObject({ id: c.id, description: 'ci' });
    expect(shown.secret).toBeUndefined();
    expect(
      (await admin('PATCH', `/OS-OAUTH1/consumers/${c.id}`, { consumer: { description: 'cd' } })).json().consumer
        .description,
    ).toBe('cd');
    expect((await demo('GET', '/OS-OAUTH1/consumers')).statusCode).toBe(403);
    expect((await admin('DELETE', `/OS-OAUTH1/consumers/${c.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/OS-OAUTH1/consumers/${c.id}`)).statusCode).toBe(404);
    expect((await admin('POST', '/OS-OAUTH1/request_token')).statusCode).toBe(501);
  });

  it('filters a project catalog by endpoint and endpoint group (OS-EP-FILTER)', async () => {
    const catalogTypes = async () =>
      (await demo('GET', '/auth/catalog'))
        .json()
        .catalog.filter((s: any) => s.type === 'identity')
        .flatMap((s: any) => s.endpoints.map((e: any) => e.interface));
    expect((await catalogTypes()).sort()).toEqual(['admin', 'internal', 'public']);
    const pe = `/OS-EP-FILTER/projects/${ids.demo}/endpoints/${ids.publicEndpoint}`;
    expect((await admin('PUT', pe)).statusCode).toBe(204);
    expect((await admin('GET', pe)).statusCode).toBe(204);
    expect(await catalogTypes()).toEqual(['public']);
    expect((await admin('GET', `/OS-EP-FILTER/projects/${ids.demo}/endpoints`)).json().endpoints).toHaveLength(1);
    expect((await admin('DELETE', pe)).statusCode).toBe(204);
    expect((await admin('GET', pe)).statusCode).toBe(404);

    const g = (
      await admin('POST', '/OS-EP-FILTER/endpoint_groups', {
        endpoint_group: { name: 'internal', filters: { interface: 'internal', service_id: ids.identity } },
      })
    ).json().endpoint_group;
    expect((await admin('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/endpoints`)).json().endpoints).toHaveLength(1);
    expect((await admin('PUT', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${ids.demo}`)).statusCode).toBe(204);
    expect(await catalogTypes()).toEqual(['internal']);
    expect(
      (
        await admin('POST', '/OS-EP-FILTER/endpoint_groups', {
          endpoint_group: { name: 'x', filters: { colour: 'red' } },
        })
      ).statusCode,
    ).toBe(400);
    expect((await demo('GET', '/OS-EP-FILTER/endpoint_groups')).statusCode).toBe(403);
    expect((await admin('DELETE', `/OS-EP-FILTER/endpoint_groups/${g.id}`)).statusCode).toBe(204);
    expect((await catalogTypes()).sort()).toEqual(['admin', 'internal', 'public']);
  });

  it('stores domain-specific configuration, group by group and option by option', async () => {
    expect((await admin('GET', '/domains/config/default')).json().config.identity.driver).toBe('sql');
    expect((await admin('GET', '/domains/config/ldap/url/default')).json().config).toEqual({ url: 'ldap://localhost' });
    const cfg = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://x', password: 'hidden' } };
    const put = await admin('PUT', '/domains/default/config', { config: cfg });
    expect(put.statusCode).toBe(201);
    expect(put.json().config).toEqual({ identity: { driver: 'ldap' }, ldap: { url: 'ldap://x' } });
    expect((await admin('PUT', '/domains/default/config', { config: cfg })).statusCode).toBe(200);
    expect((await admin('GET', '/domains/default/config/ldap/url')).json().config).toEqual({ url: 'ldap://x' });
    const patched = await admin('PATCH', '/domains/default/config/identity/driver', { config: { driver: 'sql' } });
    expect(patched.json().config.identity.driver).toBe('sql');
    expect((await admin('PUT', '/domains/default/config', { config: { bogus: { a: 1 } } })).statusCode).toBe(400);
    expect((await admin('DELETE', '/domains/default/config/identity')).statusCode).toBe(204);
    expect((await admin('GET', '/domains/default/config/identity')).statusCode).toBe(404);
    expect((await demo('GET', '/domains/default/config')).statusCode).toBe(403);
    expect((await admin('DELETE', '/domains/default/config')).statusCode).toBe(204);
    expect((await admin('GET', '/domains/default/config')).statusCode).toBe(404);
    expect((await admin('GET', '/domains/nope/config')).statusCode).toBe(404);
  });

  it('serves registered limits and project limits (managed with a system-scoped token)', async () => {
    expect((await demo('GET', '/limits/model')).json().model.name).toBe('flat');
    const sys = await t.call({
      method: 'POST',
      url: `${V3}/auth/tokens`,
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } },
          },
          scope: { system: { all: true } },
        },
      },
    });
    const system = sys.headers['x-subject-token'] as string;
    const admin = (method: any, url: string, payload?: object) =>
      t.call({ method, url: V3 + url, payload, token: system });
    // a project admin may not: unified limits are the system's
    expect((await caller(() => t)('POST', '/registered_limits', { registered_limits: [] })).statusCode).toBe(403);
    const reg = await admin('POST', '/registered_limits', {
      registered_limits: [{ service_id: ids.identity, resource_name: 'widgets', default_limit: 10 }],
    });
    expect(reg.statusCode).toBe(201);
    const r = reg.json().registered_limits[0];
    expect(r).toMatchObject({ resource_name: 'widgets', default_limit: 10, region_id: null });
    const lim = await admin('POST', '/limits', {
      limits: [{ project_id: ids.demo, service_id: ids.identity, resource_name: 'widgets', resource_limit: 5 }],
    });
    expect(lim.statusCode).toBe(201);
    const l = lim.json().limits[0];
    expect((await demo('GET', '/limits')).json().limits.map((x: any) => x.id)).toEqual([l.id]);
    expect((await caller(() => t, 'alt_demo')('GET', '/limits')).json().limits).toEqual([]);
    expect((await admin('DELETE', `/registered_limits/${r.id}`)).statusCode).toBe(403);
    const orphan = await admin('POST', '/limits', {
      limits: [{ project_id: ids.demo, service_id: ids.identity, resource_name: 'gadgets', resource_limit: 5 }],
    });
    expect(orphan.statusCode).toBe(403);
    expect(
      (await admin('PATCH', `/limits/${l.id}`, { limit: { resource_limit: 7 } })).json().limit.resource_limit,
    ).toBe(7);
    expect((await demo('POST', '/registered_limits', { registered_limits: [] })).statusCode).toBe(403);
    expect((await admin('POST', '/registered_limits', { registered_limits: [] })).statusCode).toBe(400);
    expect((await admin('DELETE', `/limits/${l.id}`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/registered_limits/${r.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/registered_limits/${r.id}`)).statusCode).toBe(404);
  });
});
