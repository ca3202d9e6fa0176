import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { expectNeutronError, neutron } from './helpers.js';

describe('network: networks, discovery, bootstrap', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it('discovers v2.0 without a token and lists exactly its extensions', async () => {
    const root = await t.call({ method: 'GET', url: '/networking' });
    expect(root.statusCode).toBe(200);
    expect(root.json().versions[0]).toMatchObject({ id: 'v2.0', status: 'CURRENT' });
    expect(root.json().versions[0].links[0].href).toMatch(/\/networking\/v2\.0\/$/);
    const ext = await api('GET', 'extensions');
    const aliases = ext.body.extensions.map((e: { alias: string }) => e.alias);
    expect(aliases).toEqual(expect.arrayContaining(['router', 'security-group', 'external-net', 'standard-attr-tag']));
    expect(aliases).not.toContain('address-scope');
    expectNeutronError(await api('GET', 'extensions/address-scope'), 404, 'HTTPNotFound');
    const noToken = await t.call({ method: 'GET', url: '/networking/v2.0/networks' });
    expect(noToken.statusCode).toBe(401);
  });

  it('is in the catalog as network/neutron', async () => {
    const res = await t.call({ method: 'GET', url: '/identity/v3/auth/catalog', as: 'demo' });
    const svc = res.json().catalog.find((s: { type: string }) => s.type === 'network');
    expect(svc.name).toBe('neutron');
    expect(svc.endpoints[0].url).toMatch(/\/networking$/);
  });

  it("seeds DevStack's public (external, not shared), private and router1", async () => {
    const pub = (await api('GET', 'networks?name=public', undefined, 'demo')).body.networks[0];
    expect(pub['router:external']).toBe(true);
    expect(pub.shared).toBe(false);
    expect(pub.subnets).toHaveLength(2);
    // subnets of a public network that is not shared are the admin's to see (Tempest checks this)
    expect((await api('GET', `subnets?network_id=${pub.id}`, undefined, 'demo')).body.subnets).toEqual([]);
    const subs = (await api('GET', `subnets?network_id=${pub.id}&ip_version=4`)).body.subnets;
    expect(subs[0]).toMatchObject({ cidr: '172.24.4.0/24', gateway_ip: '172.24.4.1', enable_dhcp: false });
    expect(subs[0].allocation_pools).toEqual([{ start: '172.24.4.2', end: '172.24.4.254' }]);
    const priv = (await api('GET', 'networks?name=private', undefined, 'demo')).body.networks;
    expect(priv).toHaveLength(1);
    const privSub = (await api('GET', `subnets?network_id=${priv[0].id}`, undefined, 'demo')).body.subnets[0];
    expect(privSub.cidr).toBe('10.0.0.0/26');
    const router = (await api('GET', 'routers?name=router1', undefined, 'demo')).body.routers[0];
    expect(router.external_gateway_info.network_id).toBe(pub.id);
    // alt_demo sees public (external) but not demo's private network or router
    expect((await api('GET', 'networks?name=private', undefined, 'alt_demo')).body.networks).toHaveLength(0);
    expectNeutronError(await api('GET', `routers/${router.id}`, undefined, 'alt_demo'), 404, 'RouterNotFound');
  });

  it('creates a network with Neutron defaults and standard attributes', async () => {
    const res = await api('POST', 'networks', { network: { name: 'net1' } }, 'demo');
    expect(res.status).toBe(201);
    const n = res.body.network;
    expect(n).toMatchObject({
      name: 'net1',
      admin_state_up: true,
      mtu: 1450,
      status: 'ACTIVE',
      subnets: [],
      shared: false,
      'router:external': false,
      port_security_enabled: true,
      tags: [],
      revision_number: 1,
      description: '',
    });
    expect(n.project_id).toBe(n.tenant_id);
    expect(n.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(n['provider:network_type']).toBeUndefined(); // admin-only
    const upd = await api('PUT', `networks/${n.id}`, { network: { name: 'net1b', description: 'd' } }, 'demo');
    expect(upd.body.network).toMatchObject({ name: 'net1b', description: 'd', revision_number: 2 });
  });

  it('refuses malformed bodies in Neutron error format', async () => {
    expectNeutronError(
      await api('POST', 'networks', { network: { admin_state_up: 'maybe' } }, 'demo'),
      400,
      'InvalidInput',
    );
    const unknown = await api('POST', 'networks', { network: { colour: 'red' } }, 'demo');
    expectNeutronError(unknown, 400, 'HTTPBadRequest');
    expect(unknown.body.NeutronError.message).toBe("Unrecognized attribute(s) 'colour'");
    expectNeutronError(await api('POST', 'networks', { nothing: {} }, 'demo'), 400, 'HTTPBadRequest');
    const bad = await t.call({
      method: 'POST',
      url: '/networking/v2.0/networks',
      as: 'demo',
      headers: { 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().NeutronError.type).toBe('MalformedRequestBody');
    expectNeutronError(
      await api('PUT', 'networks/00000000-0000-0000-0000-000000000000', { network: { id: 'x' } }, 'demo'),
      400,
      'HTTPBadRequest',
    );
  });

  it('answers a missing network with NetworkNotFound', async () => {
    const res = await api('GET', 'networks/0d8f6e4e-0000-4000-8000-000000000000', undefined, 'demo');
    expectNeutronError(res, 404, 'NetworkNotFound');
    expect(res.body.NeutronError.message).toBe('Network 0d8f6e4e-0000-4000-8000-000000000000 could not be found.');
  });

  it("keeps another project's network invisible and untouchable", async () => {
    const n = (await api('POST', 'networks', { network: { name: 'secret-net' } }, 'demo')).body.network;
    expectNeutronError(await api('GET', `networks/${n.id}`, undefined, 'alt_demo'), 404, 'NetworkNotFound');
    expectNeutronError(
      await api('PUT', `networks/${n.id}`, { network: { name: 'x' } }, 'alt_demo'),
      404,
      'NetworkNotFound',
    );
    expectNeutronError(await api('DELETE', `networks/${n.id}`, undefined, 'alt_demo'), 404, 'NetworkNotFound');
    expect(
      (await api('GET', 'networks', undefined, 'alt_demo')).body.networks.map((x: { id: string }) => x.id),
    ).not.toContain(n.id);
    // the admin sees every project's networks
    expect((await api('GET', `networks/${n.id}`)).status).toBe(200);
  });

  it('lets only admins share or externalize a network', async () => {
    const res = await api('POST', 'networks', { network: { name: 's', shared: true } }, 'demo');
    expectNeutronError(res, 403, 'PolicyNotAuthorized');
    const ok = await api('POST', 'networks', { network: { name: 'shared-by-admin', shared: true } });
    expect(ok.body.network.shared).toBe(true);
    expect((await api('GET', `networks/${ok.body.network.id}`, undefined, 'alt_demo')).status).toBe(200);
    expectNeutronError(
      await api('PUT', `networks/${ok.body.network.id}`, { network: { name: 'mine' } }, 'alt_demo'),
      403,
      'PolicyNotAuthorized',
    );
  });

  it('filters, sorts, paginates and projects fields', async () => {
    for (const name of ['pg-c', 'pg-a', 'pg-b'])
      await api('POST', 'networks', { network: { name, description: 'pg' } }, 'demo');
    const sorted = await api(
      'GET',
      'networks?description=pg&sort_key=name&sort_dir=desc&fields=name&fields=id',
      undefined,
      'demo',
    );
    expect(sorted.body.networks.map((n: { name: string }) => n.name)).toEqual(['pg-c', 'pg-b', 'pg-a']);
    expect(Object.keys(sorted.body.networks[0]).sort()).toEqual(['id', 'name']);
    const page1 = await api('GET', 'networks?description=pg&sort_key=name&sort_dir=asc&limit=2', undefined, 'demo');
    expect(page1.body.networks.map((n: { name: string }) => n.name)).toEqual(['pg-a', 'pg-b']);
    const next = page1.body.networks_links.find((l: { rel: string }) => l.rel === 'next').href;
    const page2 = await t.call({ method: 'GET', url: next.replace(/^https?:\/\/[^/]+/, ''), as: 'demo' });
    expect(page2.json().networks.map((n: { name: string }) => n.name)).toEqual(['pg-c']);
    expectNeutronError(await api('GET', 'networks?colour=red', undefined, 'demo'), 400, 'HTTPBadRequest');
    // neutron-lib's BadRequest keeps its type (real Neutron: "Bad limit request: ...")
    expectNeutronError(await api('GET', 'networks?limit=abc', undefined, 'demo'), 400, 'BadRequest');
    expectNeutronError(
      await api('GET', 'networks?sort_key=name&sort_dir=up', undefined, 'demo'),
      400,
      'HTTPBadRequest',
    );
  });

  it('refuses to delete a network with ports, naming them', async () => {
    const n = (await api('POST', 'networks', { network: { name: 'busy' } }, 'demo')).body.network;
    const p = (await api('POST', 'ports', { port: { network_id: n.id } }, 'demo')).body.port;
    const res = await api('DELETE', `networks/${n.id}`, undefined, 'demo');
    expectNeutronError(res, 409, 'NetworkInUse');
    expect(res.body.NeutronError.message).toContain(p.id);
    expect((await api('DELETE', `ports/${p.id}`, undefined, 'demo')).status).toBe(204);
    expect((await api('DELETE', `networks/${n.id}`, undefined, 'demo')).status).toBe(204);
  });

  it('tags a network and filters by tags', async () => {
    const n = (await api('POST', 'networks', { network: { name: 'tagged' } }, 'demo')).body.network;
    expect((await api('PUT', `networks/${n.id}/tags`, { tags: ['a', 'b'] }, 'demo')).body.tags).toEqual(['a', 'b']);
    expect((await api('PUT', `networks/${n.id}/tags/c`, undefined, 'demo')).status).toBe(201);
    const shown = (await api('GET', `networks/${n.id}`, undefined, 'demo')).body.network;
    expect(shown.tags).toEqual(['a', 'b', 'c']);
    expect(shown.revision_number).toBe(n.revision_number + 2); // each tag change is a revision
    const found = await api('GET', 'networks?tags=a,c', undefined, 'demo');
    expect(found.body.networks.map((x: { id: string }) => x.id)).toEqual([n.id]);
    expect(
      (await api('GET', 'networks?not-tags-any=a', undefined, 'demo')).body.networks.map((x: { id: string }) => x.id),
    ).not.toContain(n.id);
    expectNeutronError(await api('DELETE', `networks/${n.id}/tags/zz`, undefined, 'demo'), 404, 'TagNotFound');
    expectNeutronError(await api('PUT', `networks/${n.id}/tags/x`, undefined, 'alt_demo'), 404, 'NetworkNotFound');
  });
});
