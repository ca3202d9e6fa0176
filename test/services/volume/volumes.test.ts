import { describe, expect, it } from 'vitest';
import { volumeClient, volumeSuite } from './helpers.js';

describe('volume: versions and volumes', () => {
  const my = volumeSuite();

  it('discovers v3 at /volume with 300, and /volume/v3 with a token', async () => {
    const res = await my.t.call({ method: 'GET', url: '/volume/' });
    expect(res.statusCode).toBe(300);
    const v = res.json().versions[0];
    expect(v).toMatchObject({ id: 'v3.0', status: 'CURRENT', min_version: '3.0', version: '3.70' });
    expect(v.links.find((l: any) => l.rel === 'self').href).toMatch(/\/volume\/v3\/$/);
    expect((await my.t.call({ method: 'GET', url: '/volume/v3/' })).statusCode).toBe(401);
    const v3 = await my.t.call({ method: 'GET', url: '/volume/v3/', as: 'demo' });
    expect(v3.statusCode).toBe(200);
    expect(v3.headers['openstack-api-version']).toBe('volume 3.0');
  });

  it('negotiates microversions and refuses out-of-range ones with 406 in Cinder format', async () => {
    const ok = await my.demo.call('GET', '/volumes', undefined, { 'openstack-api-version': 'volume 3.60' });
    expect(ok.headers['openstack-api-version']).toBe('volume 3.60');
    const bad = await my.demo.call('GET', '/volumes', undefined, { 'openstack-api-version': 'volume 3.99' });
    expect(bad.statusCode).toBe(406);
    expect(Object.keys(bad.json())).toEqual(['computeFault']);
  });

  it('puts block-storage and volumev3 in the catalog with the project in the URL', async () => {
    const res = await my.t.call({ method: 'GET', url: '/identity/v3/auth/catalog', as: 'demo' });
    const svc = res.json().catalog.filter((s: any) => ['volumev3', 'block-storage'].includes(s.type));
    expect(svc.map((s: any) => s.name).sort()).toEqual(['cinder', 'cinderv3']);
    expect(svc[0].endpoints[0].url).toMatch(new RegExp(`/volume/v3/${my.demo.project}$`));
  });

  it('creates an empty volume: 202 creating, then available, in the default type lvmdriver-1', async () => {
    const res = await my.demo.call('POST', '/volumes', { volume: { size: 1, name: 'v1', metadata: { a: 'b' } } });
    expect(res.statusCode).toBe(202);
    const v = res.json().volume;
    expect(v).toMatchObject({
      status: 'creating',
      size: 1,
      name: 'v1',
      volume_type: 'lvmdriver-1',
      bootable: 'false',
      metadata: { a: 'b' },
    });
    expect(v['os-vol-tenant-attr:tenant_id']).toBeUndefined();
    expect(v.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    await my.t.cloud.tasks.idle();
    const shown = await my.demo.show('volumes', v.id);
    expect(shown.status).toBe('available');
    expect(shown['os-vol-tenant-attr:tenant_id']).toBe(my.demo.project);
    // host and migration attributes are for admins only
    expect(shown['os-vol-host-attr:host']).toBeUndefined();
    // admins see every project's volumes by id, with the admin-only attributes
    const asAdmin = await my.admin.call('GET', `/volumes/${v.id}`);
    expect(asAdmin.json().volume['os-vol-host-attr:host']).toMatch(/.+@.+#.+/);
    // but list only their own project's unless all_tenants
    expect((await my.admin.call('GET', '/volumes')).json().volumes.map((x: any) => x.id)).not.toContain(v.id);
    expect((await my.admin.call('GET', '/volumes?all_tenants=1')).json().volumes.map((x: any) => x.id)).toContain(v.id);
  });

  it('answers 400 for bad sizes and a missing size, and 404 for a missing source', async () => {
    for (const size of [0, -1, 'abc', 1.5]) {
      const res = await my.demo.call('POST', '/volumes', { volume: { size } });
      expect(res.statusCode).toBe(400);
      expect(res.json().badRequest.code).toBe(400);
    }
    const none = await my.demo.call('POST', '/volumes', { volume: {} });
    expect(none.statusCode).toBe(400);
    expect(none.json().badRequest.message).toMatch(/must be an integer and greater than 0/);
    const snap = await my.demo.call('POST', '/volumes', {
      volume: { snapshot_id: '3b1a4c9e-0f6d-4f52-9d0c-8b4a2b0e1f11' },
    });
    expect(snap.statusCode).toBe(404);
    expect(snap.json().itemNotFound.message).toBe('Snapshot 3b1a4c9e-0f6d-4f52-9d0c-8b4a2b0e1f11 could not be found.');
    const type = await my.demo.call('POST', '/volumes', { volume: { size: 1, volume_type: 'nope' } });
    expect(type.statusCode).toBe(404);
    expect(type.json().itemNotFound.message).toBe('Volume type with name nope could not be found.');
    const az = await my.demo.call('POST', '/volumes', { volume: { size: 1, availability_zone: 'mars' } });
    expect(az.statusCode).toBe(400);
    const bad = await my.demo.call('POST', '/volumes', 'not json', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    // nothing half-made
    const list = await my.demo.call('GET', '/volumes');
    expect(list.json().volumes.every((v: any) => v.name === 'v1')).toBe(true);
  });

  it('hides volumes of other projects (404) and refuses a URL of another project (400)', async () => {
    const v = await my.demo.volume({ name: 'mine' });
    const res = await my.alt.call('GET', `/volumes/${v.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().itemNotFound.message).toBe(`Volume ${v.id} could not be found.`);
    expect((await my.alt.call('DELETE', `/volumes/${v.id}`)).statusCode).toBe(404);
    expect((await my.alt.call('PUT', `/volumes/${v.id}`, { volume: { name: 'x' } })).statusCode).toBe(404);
    const cross = await my.t.call({ method: 'GET', url: `/volume/v3/${my.demo.project}/volumes`, as: 'alt_demo' });
    expect(cross.statusCode).toBe(400);
    expect(cross.json().badRequest.message).toBe('Malformed request url');
    expect((await my.alt.call('GET', '/volumes')).json().volumes).toEqual([]);
  });

  it('copies a volume (--source) and a snapshot into new volumes', async () => {
    const src = await my.demo.volume({ size: 2, name: 'src' });
    const copy = await my.demo.volume({ source_volid: src.id });
    expect(copy).toMatchObject({ status: 'available', size: 2, source_volid: src.id });
    const snap = await my.demo.snapshot(src.id, { name: 's' });
    expect(snap).toMatchObject({
      status: 'available',
      size: 2,
      volume_id: src.id,
      'os-extended-snapshot-attributes:progress': '100%',
    });
    const fromSnap = await my.demo.volume({ snapshot_id: snap.id, size: 3 });
    expect(fromSnap).toMatchObject({ status: 'available', size: 3, snapshot_id: snap.id });
    const small = await my.demo.call('POST', '/volumes', { volume: { snapshot_id: snap.id, size: 1 } });
    expect(small.statusCode).toBe(400);
    expect(small.json().badRequest.message).toMatch(/cannot be smaller than the snapshot size 2GB/);
  });

  it('refuses to delete a volume with snapshots unless cascade', async () => {
    const v = await my.demo.volume();
    await my.demo.snapshot(v.id);
    const res = await my.demo.call('DELETE', `/volumes/${v.id}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().badRequest.message).toMatch(/^Invalid volume: Volume status must be available or error/);
    expect((await my.demo.call('DELETE', `/volumes/${v.id}?cascade=true`)).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.call('GET', `/volumes/${v.id}`)).statusCode).toBe(404);
    const snaps = await my.demo.call('GET', `/snapshots?volume_id=${v.id}`);
    expect(snaps.json().snapshots).toEqual([]);
  });

  it('updates name, description and metadata; refuses unknown fields', async () => {
    const v = await my.demo.volume({ name: 'before' });
    const res = await my.demo.call('PUT', `/volumes/${v.id}`, {
      volume: { name: 'after', description: 'd', metadata: { k: 'v' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().volume).toMatchObject({ name: 'after', description: 'd', metadata: { k: 'v' } });
    const bad = await my.demo.call('PUT', `/volumes/${v.id}`, { volume: { size: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(
      (await my.demo.call('PUT', '/volumes/8c2e7f3a-1d4b-4c5e-9f6a-7b8c9d0e1f2a', { volume: { name: 'x' } }))
        .statusCode,
    ).toBe(404);
  });

  it('lists with filters, sorting and pagination links', async () => {
    const c = await volumeClient(my.t, 'admin', 'alt_demo');
    for (const n of ['p1', 'p2', 'p3']) await c.volume({ name: n, metadata: { tier: n === 'p2' ? 'gold' : 'silver' } });
    const all = (await c.call('GET', '/volumes/detail?sort=name:asc')).json().volumes.map((v: any) => v.name);
    expect(all).toEqual(['p1', 'p2', 'p3']);
    const gold = await c.call('GET', `/volumes/detail?metadata=${encodeURIComponent("{'tier': 'gold'}")}`);
    expect(gold.json().volumes.map((v: any) => v.name)).toEqual(['p2']);
    const page1 = await c.call('GET', '/volumes?sort=name:asc&limit=2');
    expect(page1.json().volumes.map((v: any) => v.name)).toEqual(['p1', 'p2']);
    const next = new URL(page1.json().volumes_links[0].href);
    expect(next.searchParams.get('marker')).toBe(page1.json().volumes[1].id);
    const page2 = await c.call('GET', `/volumes?${next.searchParams}`);
    expect(page2.json().volumes.map((v: any) => v.name)).toEqual(['p3']);
    expect((await c.call('GET', '/volumes?name=p3')).json().volumes).toHaveLength(1);
    expect((await c.call('GET', '/volumes?limit=x')).statusCode).toBe(400);
    // Cinder has no route for the collection with a trailing slash
    expect((await c.call('GET', '/volumes/')).json().itemNotFound.code).toBe(404);
    expect((await c.call('GET', '/volumes?sort=bogus:asc')).statusCode).toBe(400);
    // 3.31+: unknown filters are refused; before, ignored
    expect(
      (await c.call('GET', '/volumes?foo=1', undefined, { 'openstack-api-version': 'volume 3.31' })).statusCode,
    ).toBe(400);
    expect((await c.call('GET', '/volumes?foo=1')).statusCode).toBe(200);
    const counted = await c.call('GET', '/volumes?with_count=true', undefined, {
      'openstack-api-version': 'volume 3.45',
    });
    expect(counted.json().count).toBe(3);
  });

  it('serves volume metadata items', async () => {
    const v = await my.demo.volume({ metadata: { a: '1' } });
    const base = `/volumes/${v.id}/metadata`;
    expect((await my.demo.call('POST', base, { metadata: { b: '2' } })).json().metadata).toEqual({ a: '1', b: '2' });
    expect((await my.demo.call('PUT', base, { metadata: { c: '3' } })).json().metadata).toEqual({ c: '3' });
    expect((await my.demo.call('GET', `${base}/c`)).json()).toEqual({ meta: { c: '3' } });
    expect((await my.demo.call('PUT', `${base}/c`, { meta: { d: '4' } })).statusCode).toBe(400);
    expect((await my.demo.call('DELETE', `${base}/c`)).statusCode).toBe(200);
    expect((await my.demo.call('GET', `${base}/c`)).json().itemNotFound.message).toBe('Metadata item was not found');
    expect((await my.demo.call('POST', base, { metadata: 'x' })).statusCode).toBe(400);
    expect((await my.alt.call('GET', base)).statusCode).toBe(404);
  });

  it('enforces the volumes and gigabytes quotas with 413 overLimit', async () => {
    const c = await volumeClient(my.t, 'admin', 'admin');
    const set = await c.call('PUT', `/os-quota-sets/${c.project}`, { quota_set: { volumes: 1, gigabytes: 5 } });
    expect(set.statusCode).toBe(200);
    const big = await c.call('POST', '/volumes', { volume: { size: 6 } });
    expect(big.statusCode).toBe(413);
    expect(big.json().overLimit.message).toBe(
      'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 6G, quota is 5G and 0G has been consumed.',
    );
    await c.volume();
    const second = await c.call('POST', '/volumes', { volume: { size: 1 } });
    expect(second.statusCode).toBe(413);
    expect(second.json().overLimit.message).toBe("Maximum number of volumes allowed (1) exceeded for quota 'volumes'.");
    expect(second.headers['retry-after']).toBe('0');
    const usage = await c.call('GET', `/os-quota-sets/${c.project}?usage=true`);
    expect(usage.json().quota_set.volumes).toEqual({ limit: 1, in_use: 1, reserved: 0 });
    expect(
      (await my.demo.call('PUT', `/os-quota-sets/${my.demo.project}`, { quota_set: { volumes: 100 } })).statusCode,
    ).toBe(403);
    expect((await my.demo.call('GET', `/os-quota-sets/${c.project}`)).statusCode).toBe(403);
    const low = await c.call('PUT', `/os-quota-sets/${c.project}`, { quota_set: { volumes: 0 } });
    expect(low.statusCode).toBe(400);
    expect((await c.call('DELETE', `/os-quota-sets/${c.project}`)).statusCode).toBe(200);
  });

  it('keeps a failed create as error with nothing left on the driver', async () => {
    const { volumeDriver } = await import('../../../src/drivers/volume/index.js');
    const driver = volumeDriver(my.t.cloud.config) as import('../../../src/drivers/volume/fake.js').FakeVolumeDriver;
    driver.failNext('create');
    const v = await my.demo.volume();
    expect(v.status).toBe('error');
    expect(driver.disks.has(`volume-${v.id}`)).toBe(false);
    expect((await my.demo.call('DELETE', `/volumes/${v.id}`)).statusCode).toBe(202);
  });
});
