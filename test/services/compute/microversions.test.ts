import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, fake, mv, show } from './util.js';

// Each microversion of 2.80–2.93 (Zed's ceiling) as Nova's API reference
// lists it, checked at the version it starts and the one before.
describe('compute: microversions 2.80 to 2.93', () => {
  let t: TestCloud;
  let image: string;
  let project: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json().projects[0].id;
  });
  afterAll(() => t.close());

  const get = (url: string, as: string, v: string) =>
    t.call({ method: 'GET', url: `${base}${url}`, as, headers: mv(v) });
  const volume = async (body: Record<string, unknown> = { size: 1 }) => {
    const res = await t.call({
      method: 'POST',
      url: `/volume/v3/${project}/volumes`,
      as: 'demo',
      payload: { volume: body },
    });
    expect(res.statusCode, res.body).toBe(202);
    await t.cloud.tasks.idle();
    return res.json().volume.id as string;
  };

  it('serves up to 2.93 and lists it in version discovery', async () => {
    const v = (await t.call({ method: 'GET', url: '/compute' })).json().versions[1];
    expect(v.version).toBe('2.93');
    const latest = await get('/flavors', 'demo', 'latest');
    expect(latest.headers['openstack-api-version']).toBe('compute 2.93');
    expect((await get('/flavors', 'demo', '2.94')).statusCode).toBe(406);
  });

  it('2.80: migrations show and filter by user_id and project_id', async () => {
    const id = await boot(t, 'demo', { name: 'mig', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    await action(t, 'demo', id, { resize: { flavorRef: '84' } });
    const before = (await get('/os-migrations', 'admin', '2.79')).json().migrations[0];
    expect(before).not.toHaveProperty('user_id');
    const after = (await get('/os-migrations', 'admin', '2.80')).json().migrations;
    expect(after[0]).toMatchObject({ instance_uuid: id, project_id: project });
    expect(after[0].user_id).toBeTruthy();
    expect((await get(`/os-migrations?project_id=${project}`, 'admin', '2.80')).json().migrations).toHaveLength(1);
    expect((await get('/os-migrations?project_id=other', 'admin', '2.80')).json().migrations).toEqual([]);
    await action(t, 'demo', id, { confirmResize: null });
  });

  it('2.81: caches images on an aggregate (202), not before', async () => {
    const agg = await t.call({
      method: 'POST',
      url: `${base}/os-aggregates`,
      as: 'admin',
      payload: { aggregate: { name: 'cache' } },
    });
    const aggId = agg.json().aggregate.id;
    const post = (body: unknown, v: string) =>
      t.call({
        method: 'POST',
        url: `${base}/os-aggregates/${aggId}/images`,
        as: 'admin',
        headers: mv(v),
        payload: body as object,
      });
    expect((await post({ cache: [{ id: image }] }, '2.80')).statusCode).toBe(404);
    expect((await post({ cache: [{ id: image }] }, '2.81')).statusCode).toBe(202);
    expect((await post({ cache: [{ id: image }, { id: image }] }, '2.81')).statusCode).toBe(400);
    expect((await post({ cache: [] }, '2.81')).statusCode).toBe(400);
  });

  it('2.82: accepts the accelerator-request-bound event', async () => {
    const id = await boot(t, 'demo', { name: 'arq', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    const send = (v: string) =>
      t.call({
        method: 'POST',
        url: `${base}/os-server-external-events`,
        as: 'admin',
        headers: mv(v),
        payload: { events: [{ name: 'accelerator-request-bound', server_uuid: id, tag: 'arq' }] },
      });
    expect((await send('2.81')).statusCode).toBe(400);
    expect((await send('2.82')).statusCode).toBe(200);
  });

  it('2.83: members filter their servers by vm_state, key_name, availability zone and more', async () => {
    const id = await boot(t, 'demo', { name: 'filt', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    await action(t, 'demo', id, { 'os-stop': null });
    const ids = async (q: string, v: string) =>
      (await get(`/servers?${q}`, 'demo', v)).json().servers.map((s: { id: string }) => s.id);
    expect(await ids('vm_state=stopped', '2.82')).toContain((await ids('', '2.82'))[0]);
    expect(await ids('vm_state=stopped', '2.83')).toEqual([id]);
    expect(await ids('power_state=4', '2.83')).toEqual([id]);
    expect(await ids('config_drive=true', '2.83')).toEqual([]);
  });

  it('2.84: failed action events show their details to admins', async () => {
    const id = await boot(t, 'demo', { name: 'evt', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    fake(t).failNext('pause', new Error('the guest refused'));
    await action(t, 'demo', id, { pause: null });
    const actions = (await get(`/servers/${id}/os-instance-actions`, 'admin', '2.84')).json().instanceActions;
    const pause = actions.find((a: { action: string }) => a.action === 'pause');
    const one = (v: string, as = 'admin') => get(`/servers/${id}/os-instance-actions/${pause.request_id}`, as, v);
    expect((await one('2.83')).json().instanceAction.events[0]).not.toHaveProperty('details');
    expect((await one('2.84')).json().instanceAction.events[0].details).toContain('the guest refused');
    const owner = (await one('2.84', 'demo')).json().instanceAction.events[0];
    expect(owner).not.toHaveProperty('details');
    expect(owner).not.toHaveProperty('traceback');
  });

  it('2.85: PUT on an attachment changes delete_on_termination; 2.89: attachments show attachment_id and bdm_uuid, not id', async () => {
    const id = await boot(t, 'demo', { name: 'att', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    const vol = await volume();
    await t.call({
      method: 'POST',
      url: `${base}/servers/${id}/os-volume_attachments`,
      as: 'demo',
      payload: { volumeAttachment: { volumeId: vol } },
    });
    await t.cloud.tasks.idle();
    const put = (body: Record<string, unknown>, v: string) =>
      t.call({
        method: 'PUT',
        url: `${base}/servers/${id}/os-volume_attachments/${vol}`,
        as: 'demo',
        headers: mv(v),
        payload: { volumeAttachment: { volumeId: vol, ...body } },
      });
    expect((await put({ delete_on_termination: true }, '2.84')).statusCode).toBe(400);
    expect((await put({ delete_on_termination: true }, '2.85')).statusCode).toBe(202);
    expect((await put({ device: '/dev/vdz' }, '2.85')).json().badRequest.message).toBe(
      'The device property is not mutable',
    );
    const shown = (v: string) => get(`/servers/${id}/os-volume_attachments/${vol}`, 'demo', v);
    expect((await shown('2.88')).json().volumeAttachment).toMatchObject({ id: vol, delete_on_termination: true });
    const at289 = (await shown('2.89')).json().volumeAttachment;
    expect(at289).not.toHaveProperty('id');
    expect(at289.attachment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(at289.bdm_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const list = (await get(`/servers/${id}/os-volume_attachments`, 'demo', '2.89')).json().volumeAttachments;
    expect(list[0]).toEqual(at289);
  });

  it('2.86: validates extra specs of known namespaces, lets others through', async () => {
    const f = await t.call({
      method: 'POST',
      url: `${base}/flavors`,
      as: 'admin',
      payload: { flavor: { name: 'specs', ram: 64, vcpus: 1, disk: 1 } },
    });
    const fid = f.json().flavor.id;
    const set = (specs: Record<string, string>, v: string) =>
      t.call({
        method: 'POST',
        url: `${base}/flavors/${fid}/os-extra_specs`,
        as: 'admin',
        headers: mv(v),
        payload: { extra_specs: specs },
      });
    const ok = await set({ 'hw:cpu_policy': 'shared', 'foo:bar': 'baz', 'resources:VCPU': '2' }, '2.86');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().extra_specs['foo:bar']).toBe('baz');
    const cases: [Record<string, string>, string][] = [
      [{ 'hw:cpu_policy': 'sometimes' }, "Validation failed; 'sometimes' is not one of: dedicated, shared, mixed."],
      [{ 'hw:numa_nodes': '0' }, "Validation failed; '0' is less than the min value of '1'."],
      [{ 'hw:numa_nodes': 'two' }, "Validation failed; 'two' is not a valid integer value."],
      [{ 'hw_rng:allowed': 'maybe' }, "Validation failed; 'maybe' is not a valid boolean-like value."],
      [{ 'hw:nonsense': '1' }, "Validation failed; extra spec 'hw:nonsense' does not appear to be a valid extra spec."],
      [{ 'trait:HW_CPU_X86_AVX': 'wanted' }, "Validation failed; 'wanted' is not one of: required, forbidden."],
    ];
    for (const [specs, message] of cases) {
      const res = await set(specs, '2.86');
      expect(res.statusCode, JSON.stringify(specs)).toBe(400);
      expect(res.json().badRequest.message).toBe(message);
      expect((await set(specs, '2.85')).statusCode).toBe(200);
    }
    const put = await t.call({
      method: 'PUT',
      url: `${base}/flavors/${fid}/os-extra_specs/hw:mem_page_size`,
      as: 'admin',
      headers: mv('2.86'),
      payload: { 'hw:mem_page_size': 'huge' },
    });
    expect(put.statusCode).toBe(400);
  });

  it('2.87: rescues a volume-backed server, refused before', async () => {
    const vol = await volume({ size: 1, imageRef: image });
    const id = await boot(
      t,
      'demo',
      {
        name: 'bfv',
        flavorRef: '42',
        networks: 'none',
        block_device_mapping_v2: [{ boot_index: 0, uuid: vol, source_type: 'volume', destination_type: 'volume' }],
      },
      mv('2.37'),
    );
    const early = await action(t, 'demo', id, { rescue: {} }, mv('2.86'));
    expect(early.statusCode).toBe(400);
    expect(early.json().badRequest.message).toBe(
      `Instance ${id} cannot be rescued: Cannot rescue a volume-backed instance`,
    );
    expect((await action(t, 'demo', id, { rescue: { rescue_image_ref: image } }, mv('2.87'))).statusCode).toBe(200);
    expect((await show(t, 'demo', id)).status).toBe('RESCUE');
    await action(t, 'demo', id, { unrescue: null });
  });

  it('2.88: hypervisors drop the resource figures and show uptime; statistics and uptime answer 404', async () => {
    const old = (await get('/os-hypervisors/detail', 'admin', '2.87')).json().hypervisors[0];
    expect(old).toHaveProperty('vcpus');
    expect(old).not.toHaveProperty('uptime');
    const now = (await get('/os-hypervisors/detail', 'admin', '2.88')).json().hypervisors[0];
    for (const gone of ['vcpus', 'memory_mb', 'local_gb', 'free_ram_mb', 'running_vms', 'cpu_info', 'current_workload'])
      expect(now).not.toHaveProperty(gone);
    expect(now.uptime).toMatch(/ up /);
    expect((await get(`/os-hypervisors/${now.id}`, 'admin', '2.88')).json().hypervisor.uptime).toMatch(/ up /);
    expect((await get('/os-hypervisors/statistics', 'admin', '2.87')).statusCode).toBe(200);
    expect((await get('/os-hypervisors/statistics', 'admin', '2.88')).statusCode).toBe(404);
    expect((await get(`/os-hypervisors/${now.id}/uptime`, 'admin', '2.88')).statusCode).toBe(404);
  });

  it('2.90: the hostname is chosen at create, update and rebuild, and shown to members', async () => {
    const create = (v: string, extra: Record<string, unknown> = {}) =>
      t.call({
        method: 'POST',
        url: `${base}/servers`,
        as: 'demo',
        headers: mv(v),
        payload: { server: { name: 'Named Server', imageRef: image, flavorRef: '42', networks: 'none', ...extra } },
      });
    expect((await create('2.89', { hostname: 'web1' })).statusCode).toBe(400);
    expect((await create('2.90', { hostname: 'bad_name' })).statusCode).toBe(400);
    expect((await create('2.90', { hostname: 'web1', max_count: 2 })).statusCode).toBe(400);
    const res = await create('2.90', { hostname: 'web1' });
    expect(res.statusCode, res.body).toBe(202);
    await t.cloud.tasks.idle();
    const id = res.json().server.id;
    expect((await show(t, 'demo', id, mv('2.89')))['OS-EXT-SRV-ATTR:hostname']).toBeUndefined();
    expect((await show(t, 'demo', id, mv('2.90')))['OS-EXT-SRV-ATTR:hostname']).toBe('web1');
    const put = await t.call({
      method: 'PUT',
      url: `${base}/servers/${id}`,
      as: 'demo',
      headers: mv('2.90'),
      payload: { server: { hostname: 'web2' } },
    });
    expect(put.json().server['OS-EXT-SRV-ATTR:hostname']).toBe('web2');
    const rebuilt = await action(t, 'demo', id, { rebuild: { imageRef: image, hostname: 'web3' } }, mv('2.90'));
    expect(rebuilt.json().server['OS-EXT-SRV-ATTR:hostname']).toBe('web3');
    expect((await show(t, 'admin', id, mv('2.90')))['OS-EXT-SRV-ATTR:hostname']).toBe('web3');
  });

  it('2.91: unshelves to a host (admins) and unpins the availability zone', async () => {
    const host = (await get('/os-hypervisors', 'admin', '2.53')).json().hypervisors[0].hypervisor_hostname;
    const id = await boot(
      t,
      'demo',
      { name: 'shelf', imageRef: image, flavorRef: '42', networks: 'none', availability_zone: 'nova' },
      mv('2.37'),
    );
    await action(t, 'demo', id, { shelve: null });
    const unshelve = (body: unknown, v: string, as = 'demo') => action(t, as, id, { unshelve: body }, mv(v));
    expect((await unshelve({ host }, '2.90')).statusCode).toBe(400);
    expect((await unshelve({ host }, '2.91')).statusCode).toBe(403);
    expect((await unshelve({ host: 'nowhere' }, '2.91', 'admin')).statusCode).toBe(400);
    expect((await unshelve({}, '2.91')).statusCode).toBe(400);
    expect((await unshelve({ availability_zone: 'elsewhere' }, '2.91')).statusCode).toBe(400);
    expect((await unshelve({ availability_zone: null }, '2.91')).statusCode).toBe(202);
    const s = await show(t, 'demo', id);
    expect(s.status).toBe('ACTIVE');
    expect(s['OS-EXT-AZ:availability_zone']).toBe('nova');
    const again = await unshelve({ host }, '2.91', 'admin');
    expect(again.statusCode).toBe(409);
  });

  it('2.92: key pairs are imported only, and names may have @ and .', async () => {
    const create = (keypair: Record<string, unknown>, v: string) =>
      t.call({ method: 'POST', url: `${base}/os-keypairs`, as: 'demo', headers: mv(v), payload: { keypair } });
    const generated = await create({ name: 'gen' }, '2.91');
    expect(generated.statusCode).toBe(201);
    expect((await create({ name: 'gen2' }, '2.92')).statusCode).toBe(400);
    const pub = generated.json().keypair.public_key;
    expect((await create({ name: 'me@host.example', public_key: pub }, '2.91')).statusCode).toBe(400);
    const dotted = await create({ name: 'me@host.example', public_key: pub }, '2.92');
    expect(dotted.statusCode, dotted.body).toBe(201);
    expect(dotted.json().keypair).not.toHaveProperty('private_key');
  });

  it('2.93: rebuilds a volume-backed server with another image by re-imaging its root volume', async () => {
    const other = (
      await t.call({
        method: 'POST',
        url: '/image/v2/images',
        as: 'demo',
        payload: { name: 'other', disk_format: 'raw', container_format: 'bare' },
      })
    ).json().id;
    await t.call({
      method: 'PUT',
      url: `/image/v2/images/${other}/file`,
      as: 'demo',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(1024, 1),
    });
    const vol = await volume({ size: 1, imageRef: image });
    const id = await boot(
      t,
      'demo',
      {
        name: 'bfv2',
        flavorRef: '42',
        networks: 'none',
        block_device_mapping_v2: [{ boot_index: 0, uuid: vol, source_type: 'volume', destination_type: 'volume' }],
      },
      mv('2.37'),
    );
    const same = await action(t, 'demo', id, { rebuild: { imageRef: image } }, mv('2.92'));
    expect(same.statusCode, same.body).toBe(202);
    const refused = await action(t, 'demo', id, { rebuild: { imageRef: other } }, mv('2.92'));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().badRequest.message).toBe(
      `Image ${other} is unacceptable: Unable to rebuild with a different image for a volume-backed server.`,
    );
    const ok = await action(t, 'demo', id, { rebuild: { imageRef: other } }, mv('2.93'));
    expect(ok.statusCode, ok.body).toBe(202);
    const s = await show(t, 'demo', id);
    expect(s.status).toBe('ACTIVE');
    expect(s.image).toBe('');
    const v = (await t.call({ method: 'GET', url: `/volume/v3/${project}/volumes/${vol}`, as: 'demo' })).json().volume;
    expect(v.status).toBe('in-use');
    expect(v.volume_image_metadata.image_id).toBe(other);
  });
});
