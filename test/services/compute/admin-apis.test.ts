import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, mv } from './util.js';

describe('compute: usage, hosts, migrations and external events', () => {
  let t: TestCloud;
  let server: string;
  let project: string;
  let host: string;
  beforeAll(async () => {
    t = await testCloud();
    server = await boot(t, 'demo', { name: 'used', imageRef: await cirros(t), flavorRef: '42' });
    project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json().projects[0].id;
    host = (await t.call({ method: 'GET', url: `${base}/os-hosts`, as: 'admin' })).json().hosts[0].host_name;
  });
  afterAll(() => t.close());

  it('reports usage per project; members see only their own', async () => {
    const start = new Date(Date.now() - 3600_000).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 3600_000).toISOString().slice(0, 19);
    const all = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage?start=${start}&end=${end}&detailed=1`,
      as: 'admin',
    });
    const mine = all.json().tenant_usages.find((u: { tenant_id: string }) => u.tenant_id === project);
    expect(mine.server_usages.map((s: { instance_id: string }) => s.instance_id)).toContain(server);
    expect(mine.total_hours).toBeGreaterThan(0);
    const own = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage/${project}?start=${start}&end=${end}`,
      as: 'demo',
    });
    expect(own.json().tenant_usage.tenant_id).toBe(project);
    expect((await t.call({ method: 'GET', url: `${base}/os-simple-tenant-usage`, as: 'demo' })).statusCode).toBe(403);
    const bad = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage?start=${end}&end=${start}`,
      as: 'admin',
    });
    expect(bad.statusCode).toBe(400);
    const junk = await t.call({ method: 'GET', url: `${base}/os-simple-tenant-usage?start=yesterday`, as: 'admin' });
    expect(junk.statusCode).toBe(400);
  });

  it('pages usage from 2.40 with limit and marker (so clients that follow the links end), and defaults the period', async () => {
    for (const name of ['u2', 'u3']) await boot(t, 'demo', { name, imageRef: await cirros(t), flavorRef: '42' });
    const start = new Date(Date.now() - 3600_000).toISOString().slice(0, 19);
    const mv240 = { 'openstack-api-version': 'compute 2.40' };
    const seen: string[] = [];
    let url: string | undefined = `${base}/os-simple-tenant-usage/${project}?start=${start}&limit=2`;
    for (let n = 0; url && n < 5; n++) {
      const res = await t.call({ method: 'GET', url, as: 'admin', headers: mv240 });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      seen.push(...(body.tenant_usage.server_usages ?? []).map((u: { instance_id: string }) => u.instance_id));
      const next = body.tenant_usage_links?.[0]?.href;
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    expect(url).toBeUndefined();
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    const all = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage?start=${start}&limit=1`,
      as: 'admin',
      headers: mv240,
    });
    expect(all.json().tenant_usages_links[0].href).toMatch(/\/compute\/v2\.1\/os-simple-tenant-usage\?.*marker=/);
    const badMarker = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage?marker=nope`,
      as: 'admin',
      headers: mv240,
    });
    expect(badMarker.statusCode).toBe(400);
    // no start and no end: Nova reads both as now, a valid (empty) period
    const bare = await t.call({ method: 'GET', url: `${base}/os-simple-tenant-usage`, as: 'admin' });
    expect(bare.statusCode, bare.body).toBe(200);
    const own = await t.call({ method: 'GET', url: `${base}/os-simple-tenant-usage/${project}`, as: 'demo' });
    expect(own.statusCode, own.body).toBe(200);
    const unknown = await t.call({
      method: 'GET',
      url: `${base}/os-simple-tenant-usage?foo=1`,
      as: 'admin',
      headers: { 'openstack-api-version': 'compute 2.75' },
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('shows the audit log as never run on this host', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/os-instance_usage_audit_log`, as: 'admin' });
    expect(res.json().instance_usage_audit_logs).toMatchObject({
      num_hosts: 1,
      num_hosts_not_run: 1,
      hosts_not_run: [host],
    });
    const at = await t.call({
      method: 'GET',
      url: `${base}/os-instance_usage_audit_log/2024-01-01%2000:00:00`,
      as: 'admin',
    });
    expect(at.json().instance_usage_audit_log.period_ending).toBe('2024-01-01 00:00:00.000000');
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-instance_usage_audit_log/nonsense`, as: 'admin' })).statusCode,
    ).toBe(400);
    expect((await t.call({ method: 'GET', url: `${base}/os-instance_usage_audit_log`, as: 'demo' })).statusCode).toBe(
      403,
    );
  });

  it('lists hosts and their resources (before 2.43)', async () => {
    const detail = await t.call({ method: 'GET', url: `${base}/os-hosts/${host}`, as: 'admin' });
    expect(detail.json().host[0].resource).toMatchObject({ host, project: '(total)' });
    expect((await t.call({ method: 'GET', url: `${base}/os-hosts/nohost`, as: 'admin' })).statusCode).toBe(404);
    const zone = await t.call({ method: 'GET', url: `${base}/os-hosts?zone=nope`, as: 'admin' });
    expect(zone.json().hosts).toEqual([]);
    const bad = await t.call({
      method: 'PUT',
      url: `${base}/os-hosts/${host}`,
      as: 'admin',
      payload: { status: 'bogus' },
    });
    expect(bad.statusCode).toBe(400);
    expect((await t.call({ method: 'GET', url: `${base}/os-hosts/${host}/reboot`, as: 'admin' })).statusCode).toBe(501);
    expect((await t.call({ method: 'GET', url: `${base}/os-hosts`, as: 'demo' })).statusCode).toBe(403);
  });

  it('lists resizes as migrations', async () => {
    await action(t, 'demo', server, { resize: { flavorRef: '84' } });
    await action(t, 'demo', server, { confirmResize: null });
    const res = await t.call({ method: 'GET', url: `${base}/os-migrations`, as: 'admin' });
    const at21 = res.json().migrations[0];
    // Nova's fields only: migration_type from 2.23, uuid from 2.59, flavors by integer id
    expect(Object.keys(at21).sort()).toEqual([
      'created_at',
      'dest_compute',
      'dest_host',
      'dest_node',
      'id',
      'instance_uuid',
      'new_instance_type_id',
      'old_instance_type_id',
      'source_compute',
      'source_node',
      'status',
      'updated_at',
    ]);
    expect(at21).toMatchObject({ instance_uuid: server, status: 'confirmed', new_instance_type_id: 84 });
    const at259 = await t.call({ method: 'GET', url: `${base}/os-migrations`, as: 'admin', headers: mv('2.59') });
    expect(at259.json().migrations[0]).toMatchObject({
      migration_type: 'resize',
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('refuses a resize over the cores or ram quota (403) and takes the disk config it is given', async () => {
    const f = await t.call({
      method: 'POST',
      url: `${base}/flavors`,
      as: 'admin',
      payload: { flavor: { name: 'huge', ram: 1_000_000, vcpus: 1, disk: 5 } },
    });
    const over = await action(t, 'demo', server, { resize: { flavorRef: f.json().flavor.id } });
    expect(over.statusCode).toBe(403);
    expect(over.json().forbidden.message).toMatch(
      /^Quota exceeded for ram: Requested \d+, but already used \d+ of \d+ ram$/,
    );
    const auto = await action(t, 'demo', server, { resize: { flavorRef: '42', 'OS-DCF:diskConfig': 'AUTO' } });
    expect(auto.statusCode).toBe(202);
    const s = (await t.call({ method: 'GET', url: `${base}/servers/${server}`, as: 'demo' })).json().server;
    expect(s['OS-DCF:diskConfig']).toBe('AUTO');
    await action(t, 'demo', server, { confirmResize: null });
  });

  it('accepts external events for known servers', async () => {
    const ok = await t.call({
      method: 'POST',
      url: `${base}/os-server-external-events`,
      as: 'admin',
      payload: { events: [{ name: 'network-changed', server_uuid: server }] },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().events[0]).toMatchObject({ code: 200, status: 'completed' });
    const none = await t.call({
      method: 'POST',
      url: `${base}/os-server-external-events`,
      as: 'admin',
      payload: { events: [{ name: 'network-changed', server_uuid: '00000000-0000-0000-0000-000000000000' }] },
    });
    expect(none.statusCode).toBe(404);
    const badName = await t.call({
      method: 'POST',
      url: `${base}/os-server-external-events`,
      as: 'admin',
      payload: { events: [{ name: 'bogus', server_uuid: server }] },
    });
    expect(badName.statusCode).toBe(400);
  });
});
