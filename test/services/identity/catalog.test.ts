import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { caller, V3 } from './api.js';

describe('identity: regions, services, endpoints and the catalog', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());
  const admin = caller(() => t);

  it('manages regions, with parents, and refuses to delete one in use', async () => {
    const r = await admin('POST', '/regions', { region: { id: 'RegionTwo', description: 'second' } });
    expect(r.statusCode).toBe(201);
    expect(r.json().region).toMatchObject({ id: 'RegionTwo', description: 'second', parent_region_id: null });
    expect((await admin('PUT', '/regions/Child', { region: { parent_region_id: 'RegionTwo' } })).statusCode).toBe(201);
    expect((await admin('GET', '/regions?parent_region_id=RegionTwo')).json().regions.map((x: any) => x.id)).toEqual([
      'Child',
    ]);
    expect((await admin('PATCH', '/regions/RegionTwo', { region: { parent_region_id: 'Child' } })).statusCode).toBe(
      400,
    );
    expect((await admin('POST', '/regions', { region: { id: 'RegionTwo' } })).statusCode).toBe(409);
    expect((await admin('POST', '/regions', { region: { parent_region_id: 'nope' } })).statusCode).toBe(404);
    const svc = (await admin('POST', '/services', { service: { type: 'thing', name: 'thing' } })).json().service;
    const ep = (
      await admin('POST', '/endpoints', {
        endpoint: { service_id: svc.id, interface: 'public', url: 'http://thing/', region_id: 'Child' },
      })
    ).json().endpoint;
    const del = await admin('DELETE', '/regions/RegionTwo');
    expect(del.statusCode).toBe(403);
    expect(del.json().error.message).toBe(
      'Unable to delete region RegionTwo because it or its child regions have associated endpoints.',
    );
    await admin('DELETE', `/endpoints/${ep.id}`);
    expect((await admin('DELETE', '/regions/RegionTwo')).statusCode).toBe(204);
    expect((await admin('GET', '/regions/Child')).statusCode).toBe(404);
    // anyone with a token may read regions
    expect((await t.call({ method: 'GET', url: `${V3}/regions`, as: 'demo' })).statusCode).toBe(200);
    expect(
      (await t.call({ method: 'POST', url: `${V3}/regions`, as: 'demo', payload: { region: {} } })).statusCode,
    ).toBe(403);
  });

  it('manages services and endpoints, with their filters, and the catalog follows', async () => {
    const svc = (
      await admin('POST', '/services', { service: { type: 'widget', name: 'widgets', description: 'w' } })
    ).json().service;
    expect(svc).toMatchObject({ type: 'widget', name: 'widgets', description: 'w', enabled: true });
    const mk = (iface: string) =>
      admin('POST', '/endpoints', {
        endpoint: { service_id: svc.id, interface: iface, url: 'http://w/$(project_id)s', region: 'RegionThree' },
      });
    expect((await mk('public')).statusCode).toBe(201);
    expect((await mk('internal')).statusCode).toBe(201);
    // the legacy `region` made the region
    expect((await admin('GET', '/regions/RegionThree')).statusCode).toBe(200);
    const list = await admin('GET', `/endpoints?service_id=${svc.id}&interface=internal`);
    expect(list.json().endpoints).toHaveLength(1);
    expect(list.json().endpoints[0]).toMatchObject({ interface: 'internal', region_id: 'RegionThree', enabled: true });
    expect((await admin('GET', '/services?type=widget')).json().services.map((s: any) => s.id)).toEqual([svc.id]);
    const cat = await admin('GET', '/auth/catalog');
    const widget = cat.json().catalog.find((s: any) => s.type === 'widget');
    expect(widget.endpoints).toHaveLength(2);
    expect(widget.endpoints[0].url).toMatch(/^http:\/\/w\/[0-9a-f]{32}$/);
    await admin('PATCH', `/services/${svc.id}`, { service: { enabled: false } });
    expect((await admin('GET', '/auth/catalog')).json().catalog.find((s: any) => s.type === 'widget')).toBeUndefined();
    expect((await admin('DELETE', `/services/${svc.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/endpoints?service_id=${svc.id}`)).json().endpoints).toEqual([]);
  });

  it('refuses bad endpoints and services', async () => {
    const svc = (await admin('POST', '/services', { service: { type: 'gadget' } })).json().service;
    const ep = (e: unknown) => admin('POST', '/endpoints', { endpoint: e });
    expect((await ep({ service_id: svc.id, interface: 'sideways', url: 'http://x' })).statusCode).toBe(400);
    expect((await ep({ service_id: svc.id, interface: 'public' })).json().error.message).toBe(
      "'url' is a required property",
    );
    expect((await ep({ service_id: 'nope', interface: 'public', url: 'http://x' })).statusCode).toBe(400);
    expect((await ep({ service_id: svc.id, interface: 'public', url: 'http://x', region_id: 'nope' })).statusCode).toBe(
      400,
    );
    expect((await ep({ service_id: svc.id, interface: 'public', url: 'http://x/$(what)s' })).statusCode).toBe(400);
    expect((await admin('POST', '/services', { service: { name: 'no type' } })).statusCode).toBe(400);
    expect((await admin('GET', '/endpoints/nope')).json().error.message).toBe('Could not find endpoint: nope.');
    expect((await admin('GET', '/services/nope')).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `${V3}/services`, as: 'demo' })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: `${V3}/endpoints`, as: 'demo' })).statusCode).toBe(403);
  });
});
