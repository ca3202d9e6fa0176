import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';

const base = '/compute/v2.1';

describe('compute: quotas, limits, zones, hypervisors, services', () => {
  let t: TestCloud;
  let demo: string;
  beforeAll(async () => {
    t = await testCloud();
    demo = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json().projects[0].id;
  });
  afterAll(() => t.close());

  it("shows Nova's default quotas, minus the proxies from 2.36", async () => {
    const res = await t.call({ method: 'GET', url: `${base}/os-quota-sets/${demo}`, as: 'demo' });
    expect(res.json().quota_set).toMatchObject({
      id: demo,
      instances: 10,
      cores: 20,
      ram: 51200,
      key_pairs: 100,
      security_groups: 10,
    });
    const later = await t.call({
      method: 'GET',
      url: `${base}/os-quota-sets/${demo}`,
      as: 'demo',
      headers: { 'openstack-api-version': 'compute 2.57' },
    });
    expect(later.json().quota_set).not.toHaveProperty('security_groups');
    expect(later.json().quota_set).not.toHaveProperty('injected_files');
  });

  it("refuses another project's quotas to a member and an unknown project", async () => {
    const admin = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'admin' })).json().projects;
    const other = admin.find((p: { name: string }) => p.name === 'alt_demo').id;
    const res = await t.call({ method: 'GET', url: `${base}/os-quota-sets/${other}`, as: 'demo' });
    expect(res.statusCode).toBe(403);
    const unknown = await t.call({ method: 'GET', url: `${base}/os-quota-sets/nope`, as: 'admin' });
    expect(unknown.statusCode).toBe(400);
  });

  it('lets an admin change, validate and reset quotas', async () => {
    const url = `${base}/os-quota-sets/${demo}`;
    const denied = await t.call({ method: 'PUT', url, as: 'demo', payload: { quota_set: { instances: 5 } } });
    expect(denied.statusCode).toBe(403);
    const bad = await t.call({ method: 'PUT', url, as: 'admin', payload: { quota_set: { instances: -5 } } });
    expect(bad.statusCode).toBe(400);
    const unknown = await t.call({ method: 'PUT', url, as: 'admin', payload: { quota_set: { wheels: 5 } } });
    expect(unknown.statusCode).toBe(400);
    const ok = await t.call({ method: 'PUT', url, as: 'admin', payload: { quota_set: { instances: 5, cores: '7' } } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().quota_set).toMatchObject({ instances: 5, cores: 7 });
    expect(ok.json().quota_set).not.toHaveProperty('id');
    const limits = await t.call({ method: 'GET', url: `${base}/limits`, as: 'demo' });
    expect(limits.json().limits.absolute).toMatchObject({
      maxTotalInstances: 5,
      maxTotalCores: 7,
      totalInstancesUsed: 0,
    });
    const detail = await t.call({ method: 'GET', url: `${url}/detail`, as: 'demo' });
    expect(detail.json().quota_set.instances).toEqual({ in_use: 0, limit: 5, reserved: 0 });
    expect((await t.call({ method: 'DELETE', url, as: 'admin' })).statusCode).toBe(202);
    expect((await t.call({ method: 'GET', url, as: 'demo' })).json().quota_set.instances).toBe(10);
  });

  it('changes the default class', async () => {
    const url = `${base}/os-quota-class-sets/default`;
    const res = await t.call({ method: 'PUT', url, as: 'admin', payload: { quota_class_set: { key_pairs: 50 } } });
    expect(res.json().quota_class_set.key_pairs).toBe(50);
    const defaults = await t.call({ method: 'GET', url: `${base}/os-quota-sets/${demo}/defaults`, as: 'demo' });
    expect(defaults.json().quota_set.key_pairs).toBe(50);
    await t.call({ method: 'PUT', url, as: 'admin', payload: { quota_class_set: { key_pairs: 100 } } });
  });

  it('lists the availability zone nova; details are for admins', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/os-availability-zone`, as: 'demo' });
    expect(res.json().availabilityZoneInfo).toEqual([
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
    ]);
    expect((await t.call({ method: 'GET', url: `${base}/os-availability-zone/detail`, as: 'demo' })).statusCode).toBe(
      403,
    );
    const detail = await t.call({ method: 'GET', url: `${base}/os-availability-zone/detail`, as: 'admin' });
    const zones = detail
      .json()
      .availabilityZoneInfo.map((z: { zoneName: string }) => z.zoneName)
      .sort();
    expect(zones).toEqual(['internal', 'nova']);
  });

  it('shows one hypervisor, by integer id before 2.53 and uuid after', async () => {
    expect((await t.call({ method: 'GET', url: `${base}/os-hypervisors`, as: 'demo' })).statusCode).toBe(403);
    const list = await t.call({ method: 'GET', url: `${base}/os-hypervisors/detail`, as: 'admin' });
    const h = list.json().hypervisors[0];
    expect(list.json().hypervisors).toHaveLength(1);
    expect(h).toMatchObject({ state: 'up', status: 'enabled', hypervisor_type: 'fake', running_vms: 0 });
    expect(typeof h.id).toBe('number');
    const show = await t.call({ method: 'GET', url: `${base}/os-hypervisors/${h.id}`, as: 'admin' });
    expect(show.json().hypervisor.hypervisor_hostname).toBe(h.hypervisor_hostname);
    const v253 = await t.call({
      method: 'GET',
      url: `${base}/os-hypervisors`,
      as: 'admin',
      headers: { 'openstack-api-version': 'compute 2.53' },
    });
    expect(v253.json().hypervisors[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.call({ method: 'GET', url: `${base}/os-hypervisors/999`, as: 'admin' })).statusCode).toBe(404);
    const stats = await t.call({ method: 'GET', url: `${base}/os-hypervisors/statistics`, as: 'admin' });
    expect(stats.json().hypervisor_statistics.count).toBe(1);
  });

  it('lists services and disables and enables the compute one', async () => {
    const list = await t.call({ method: 'GET', url: `${base}/os-services`, as: 'admin' });
    const svcs = list.json().services;
    expect(svcs.map((s: { binary: string }) => s.binary).sort()).toEqual([
      'nova-compute',
      'nova-conductor',
      'nova-scheduler',
    ]);
    const host = svcs[0].host;
    const off = await t.call({
      method: 'PUT',
      url: `${base}/os-services/disable-log-reason`,
      as: 'admin',
      payload: { host, binary: 'nova-compute', disabled_reason: 'maintenance' },
    });
    expect(off.json().service).toEqual({
      host,
      binary: 'nova-compute',
      status: 'disabled',
      disabled_reason: 'maintenance',
    });
    const on = await t.call({
      method: 'PUT',
      url: `${base}/os-services/enable`,
      as: 'admin',
      payload: { host, binary: 'nova-compute' },
    });
    expect(on.json().service.status).toBe('enabled');
    expect((await t.call({ method: 'GET', url: `${base}/os-services`, as: 'demo' })).statusCode).toBe(403);
    const missing = await t.call({
      method: 'PUT',
      url: `${base}/os-services/enable`,
      as: 'admin',
      payload: { host: 'nohost', binary: 'nova-compute' },
    });
    expect(missing.statusCode).toBe(404);
  });
});
