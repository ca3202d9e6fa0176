import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, fake, mv, show } from './util.js';

describe('compute: servers', () => {
  let t: TestCloud;
  let image: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
  });
  afterAll(() => t.close());

  it('creates a server that becomes ACTIVE, with the create view Nova answers', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: { server: { name: 'vm1', imageRef: image, flavorRef: '42', metadata: { db_ip: '10.0.0.4' } } },
    });
    expect(res.statusCode).toBe(202);
    const s = res.json().server;
    expect(s.adminPass).toMatch(/^\w{12}$/);
    expect(s.security_groups).toEqual([{ name: 'default' }]);
    expect(res.headers.location).toMatch(new RegExp(`/compute/v2.1/servers/${s.id}$`));
    await t.cloud.tasks.idle();
    const shown = await show(t, 'demo', s.id);
    expect(shown).toMatchObject({
      name: 'vm1',
      status: 'ACTIVE',
      metadata: { db_ip: '10.0.0.4' },
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-STS:task_state': null,
      flavor: { id: '42' },
      image: { id: image },
      'OS-EXT-AZ:availability_zone': 'nova',
    });
    expect(shown.hostId).toMatch(/^[0-9a-f]{56}$/);
    expect(shown).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    expect(fake(t).has(s.id)).toBe(true);
  });

  it('shows the embedded flavor from 2.47 and admin attributes to admins', async () => {
    const id = await boot(t, 'demo', { name: 'vm2', imageRef: image, flavorRef: 'd2', networks: 'none' }, mv('2.47'));
    const s = await show(t, 'admin', id, mv('2.47'));
    expect(s.flavor).toMatchObject({
      original_name: 'ds1G',
      ram: 1024,
      vcpus: 1,
      disk: 10,
      extra_specs: { 'hw_rng:allowed': 'True' },
    });
    expect(s['OS-EXT-SRV-ATTR:instance_name']).toMatch(/^instance-[0-9a-f]{8}$/);
    expect(s['OS-EXT-SRV-ATTR:hostname']).toBe('vm2');
    expect(s.locked).toBe(false);
  });

  it("refuses bad requests with Nova's 400s and creates nothing", async () => {
    const bad = async (server: Record<string, unknown>, message: RegExp) => {
      const res = await t.call({ method: 'POST', url: `${base}/servers`, as: 'demo', payload: { server } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().badRequest.message).toMatch(message);
    };
    await bad({ name: 'x', imageRef: image, flavorRef: 'nope' }, /^Flavor nope could not be found\.$/);
    await bad(
      { name: 'x', imageRef: '00000000-0000-0000-0000-000000000000', flavorRef: '1' },
      /^Can not find requested image$/,
    );
    await bad({ name: 'x', imageRef: image, flavorRef: '1', key_name: 'nokey' }, /^Invalid key_name provided\.$/);
    await bad({ name: 'x', imageRef: image, flavorRef: '1', user_data: 'not base64!' }, /user_data/);
    await bad({ imageRef: image, flavorRef: '1' }, /'name' is a required property/);
    await bad(
      { name: 'x', imageRef: image, flavorRef: '1', min_count: 3, max_count: 2 },
      /min_count must be <= max_count/,
    );
    await bad({ name: 'x', imageRef: image, flavorRef: '1', availability_zone: 'elsewhere' }, /availability zone/);
    const list = await t.call({ method: 'GET', url: `${base}/servers?name=^x$`, as: 'demo' });
    expect(list.json().servers).toEqual([]);
  });

  it('keeps servers to their project; admins see all with all_tenants', async () => {
    const id = await boot(t, 'demo', { name: 'mine', imageRef: image, flavorRef: '42' });
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'alt_demo' })).statusCode).toBe(404);
    const del = await t.call({ method: 'DELETE', url: `${base}/servers/${id}`, as: 'alt_demo' });
    expect(del.statusCode).toBe(404);
    expect(del.json().itemNotFound.message).toBe(`Instance ${id} could not be found.`);
    const stop = await t.call({
      method: 'POST',
      url: `${base}/servers/${id}/action`,
      as: 'alt_demo',
      payload: { 'os-stop': null },
    });
    expect(stop.statusCode).toBe(404);
    const alt = await t.call({ method: 'GET', url: `${base}/servers`, as: 'alt_demo' });
    expect(alt.json().servers).toEqual([]);
    const altAll = await t.call({ method: 'GET', url: `${base}/servers?all_tenants=1`, as: 'alt_demo' });
    expect(altAll.statusCode).toBe(403);
    const adminOwn = await t.call({ method: 'GET', url: `${base}/servers`, as: 'admin' });
    expect(adminOwn.json().servers.map((s: { id: string }) => s.id)).not.toContain(id);
    const all = await t.call({ method: 'GET', url: `${base}/servers/detail?all_tenants=True`, as: 'admin' });
    expect(all.json().servers.map((s: { id: string }) => s.id)).toContain(id);
  });

  it('filters lists by name regex, status, flavor and image, and pages them', async () => {
    const a = await boot(t, 'alt_demo', { name: 'web-1', imageRef: image, flavorRef: '42' });
    const b = await boot(t, 'alt_demo', { name: 'web-2', imageRef: image, flavorRef: '84' });
    await boot(t, 'alt_demo', { name: 'db-1', imageRef: image, flavorRef: '42' });
    const names = async (q: string) =>
      (await t.call({ method: 'GET', url: `${base}/servers/detail?${q}`, as: 'alt_demo' }))
        .json()
        .servers.map((s: { name: string }) => s.name);
    expect((await names('name=web')).sort()).toEqual(['web-1', 'web-2']);
    expect(await names('flavor=84')).toEqual(['web-2']);
    expect((await names(`image=${image}`)).length).toBe(3);
    expect((await names('status=ACTIVE')).length).toBe(3);
    expect(await names('status=SHUTOFF')).toEqual([]);
    const bad = await t.call({
      method: 'GET',
      url: `${base}/servers?status=NOPE`,
      as: 'alt_demo',
      headers: mv('2.38'),
    });
    expect(bad.statusCode).toBe(400);
    const page1 = await t.call({ method: 'GET', url: `${base}/servers?limit=2`, as: 'alt_demo' });
    expect(page1.json().servers).toHaveLength(2);
    expect(page1.json().servers_links[0].href).toContain('marker=');
    const marker = page1.json().servers[1].id;
    const page2 = await t.call({ method: 'GET', url: `${base}/servers?limit=2&marker=${marker}`, as: 'alt_demo' });
    expect(page2.json().servers).toHaveLength(1);
    const badMarker = await t.call({ method: 'GET', url: `${base}/servers?marker=nope`, as: 'alt_demo' });
    expect(badMarker.statusCode).toBe(400);
    void a;
    void b;
  });

  it('updates name and description (2.19)', async () => {
    const id = await boot(t, 'demo', { name: 'old', imageRef: image, flavorRef: '42' });
    const res = await t.call({
      method: 'PUT',
      url: `${base}/servers/${id}`,
      as: 'demo',
      headers: mv('2.19'),
      payload: { server: { name: 'new', description: 'renamed' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().server).toMatchObject({ name: 'new', description: 'renamed' });
    const bad = await t.call({
      method: 'PUT',
      url: `${base}/servers/${id}`,
      as: 'demo',
      payload: { server: { description: 'x' } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('stops, starts, reboots, pauses, suspends and refuses what a state forbids', async () => {
    const id = await boot(t, 'demo', { name: 'power', imageRef: image, flavorRef: '42' });
    expect((await action(t, 'demo', id, { 'os-stop': null })).statusCode).toBe(202);
    expect((await show(t, 'demo', id)).status).toBe('SHUTOFF');
    const again = await action(t, 'demo', id, { 'os-stop': null });
    expect(again.statusCode).toBe(409);
    expect(again.json().conflictingRequest.message).toBe(
      `Cannot 'stop' instance ${id} while it is in vm_state stopped`,
    );
    expect((await action(t, 'demo', id, { 'os-start': null })).statusCode).toBe(202);
    expect((await show(t, 'demo', id)).status).toBe('ACTIVE');
    expect((await action(t, 'demo', id, { reboot: { type: 'HARD' } })).statusCode).toBe(202);
    expect((await action(t, 'demo', id, { reboot: { type: 'WARM' } })).statusCode).toBe(400);
    await action(t, 'demo', id, { pause: null });
    expect((await show(t, 'demo', id)).status).toBe('PAUSED');
    await action(t, 'demo', id, { unpause: null });
    await action(t, 'demo', id, { suspend: null });
    expect((await show(t, 'demo', id)).status).toBe('SUSPENDED');
    await action(t, 'demo', id, { resume: null });
    expect((await show(t, 'demo', id)).status).toBe('ACTIVE');
    expect((await action(t, 'demo', id, { nonsense: null })).statusCode).toBe(400);
    const actions = await t.call({ method: 'GET', url: `${base}/servers/${id}/os-instance-actions`, as: 'demo' });
    expect(actions.json().instanceActions.map((a: { action: string }) => a.action)).toEqual([
      'resume',
      'suspend',
      'unpause',
      'pause',
      'reboot',
      'start',
      'stop',
      'create',
    ]);
    const req = actions.json().instanceActions[6].request_id;
    const detail = await t.call({
      method: 'GET',
      url: `${base}/servers/${id}/os-instance-actions/${req}`,
      as: 'admin',
    });
    expect(detail.json().instanceAction.events[0]).toMatchObject({ event: 'compute_stop_instance', result: 'Success' });
  });

  it('locks: the owner cannot act, an admin can; unlock opens it again', async () => {
    const id = await boot(t, 'demo', { name: 'locked', imageRef: image, flavorRef: '42' });
    await action(t, 'demo', id, { lock: null });
    expect((await show(t, 'demo', id, mv('2.9'))).locked).toBe(true);
    const stop = await action(t, 'demo', id, { 'os-stop': null });
    expect(stop.statusCode).toBe(409);
    expect(stop.json().conflictingRequest.message).toBe(`Instance ${id} is locked`);
    expect((await t.call({ method: 'DELETE', url: `${base}/servers/${id}`, as: 'demo' })).statusCode).toBe(409);
    await action(t, 'demo', id, { unlock: null });
    expect((await action(t, 'demo', id, { 'os-stop': null })).statusCode).toBe(202);
  });

  it('records a driver failure as ERROR with a fault, and deletes it cleanly', async () => {
    fake(t).failNext('spawn', { message: 'no room at the inn' });
    const id = await boot(t, 'demo', { name: 'doomed', imageRef: image, flavorRef: '42' });
    const s = await show(t, 'demo', id);
    expect(s.status).toBe('ERROR');
    expect(s.fault).toMatchObject({ code: 500, message: `Build of instance ${id} aborted: no room at the inn` });
    expect(fake(t).has(id)).toBe(false);
    expect((await t.call({ method: 'DELETE', url: `${base}/servers/${id}`, as: 'demo' })).statusCode).toBe(204);
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'demo' })).statusCode).toBe(404);
  });

  it('deletes: the guest goes and the server is 404, but shows in changes-since as DELETED', async () => {
    const since = new Date().toISOString();
    const id = await boot(t, 'demo', { name: 'gone', imageRef: image, flavorRef: '42' });
    const del = await t.call({ method: 'DELETE', url: `${base}/servers/${id}`, as: 'demo' });
    expect(del.statusCode).toBe(204);
    await t.cloud.tasks.idle();
    expect(fake(t).has(id)).toBe(false);
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'demo' })).statusCode).toBe(404);
    const changed = await t.call({ method: 'GET', url: `${base}/servers/detail?changes-since=${since}`, as: 'demo' });
    const gone = changed.json().servers.find((s: { id: string }) => s.id === id);
    expect(gone.status).toBe('DELETED');
  });

  it("enforces the instance quota with Nova's 403", async () => {
    const project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'alt_demo' })).json()
      .projects[0].id;
    await t.call({
      method: 'PUT',
      url: `${base}/os-quota-sets/${project}`,
      as: 'admin',
      payload: { quota_set: { instances: 3, force: true } },
    });
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'alt_demo',
      payload: { server: { name: 'over', imageRef: image, flavorRef: '42' } },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().forbidden.message).toMatch(
      /^Quota exceeded for instances: Requested 1, but already used 3 of 3 instances/,
    );
    await t.call({ method: 'DELETE', url: `${base}/os-quota-sets/${project}`, as: 'admin' });
  });

  it('creates several servers with min/max count and return_reservation_id', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: {
        server: {
          name: 'many',
          imageRef: image,
          flavorRef: '42',
          min_count: 2,
          max_count: 3,
          return_reservation_id: true,
        },
      },
    });
    expect(res.statusCode).toBe(202);
    const resv = res.json().reservation_id;
    expect(resv).toMatch(/^r-[a-z0-9]{8}$/);
    await t.cloud.tasks.idle();
    const list = await t.call({ method: 'GET', url: `${base}/servers/detail?reservation_id=${resv}`, as: 'demo' });
    expect(
      list
        .json()
        .servers.map((s: { name: string }) => s.name)
        .sort(),
    ).toEqual(['many-1', 'many-2', 'many-3']);
  });
});
