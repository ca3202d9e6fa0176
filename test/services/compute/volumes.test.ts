import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, fake, mv, show } from './util.js';

describe('compute: volumes through the volume service', () => {
  let t: TestCloud;
  let image: string;
  let project: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json().projects[0].id;
  });
  afterAll(() => t.close());

  const volume = async (body: Record<string, unknown>) => {
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
  const volumeShow = async (id: string) =>
    (await t.call({ method: 'GET', url: `/volume/v3/${project}/volumes/${id}`, as: 'demo' })).json().volume;

  it('attaches a volume at the next device and detaches it', async () => {
    const vm = await boot(t, 'demo', { name: 'vol', imageRef: image, flavorRef: '42' });
    const vol = await volume({ size: 1, name: 'data' });
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'demo',
      payload: { volumeAttachment: { volumeId: vol } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().volumeAttachment).toEqual({ id: vol, serverId: vm, volumeId: vol, device: '/dev/vdb' });
    await t.cloud.tasks.idle();
    const v = await volumeShow(vol);
    expect(v.status).toBe('in-use');
    expect(v.attachments[0]).toMatchObject({ server_id: vm, device: '/dev/vdb' });
    expect(fake(t).guest(vm)?.volumes.has(vol)).toBe(true);
    expect((await show(t, 'demo', vm))['os-extended-volumes:volumes_attached']).toEqual([{ id: vol }]);
    const list = await t.call({
      method: 'GET',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'demo',
      headers: mv('2.79'),
    });
    expect(list.json().volumeAttachments[0]).toMatchObject({
      volumeId: vol,
      device: '/dev/vdb',
      delete_on_termination: false,
    });
    const twice = await t.call({
      method: 'POST',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'demo',
      payload: { volumeAttachment: { volumeId: vol } },
    });
    expect(twice.statusCode).toBe(400);
    const missing = await t.call({
      method: 'POST',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'demo',
      payload: { volumeAttachment: { volumeId: '00000000-0000-0000-0000-000000000000' } },
    });
    expect(missing.statusCode).toBe(404);
    const del = await t.call({
      method: 'DELETE',
      url: `${base}/servers/${vm}/os-volume_attachments/${vol}`,
      as: 'demo',
    });
    expect(del.statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect((await volumeShow(vol)).status).toBe('available');
    expect(fake(t).guest(vm)?.volumes.has(vol)).toBe(false);
    const gone = await t.call({ method: 'GET', url: `${base}/servers/${vm}/os-volume_attachments/${vol}`, as: 'demo' });
    expect(gone.json().itemNotFound.message).toBe(`Instance ${vm} is not attached to volume ${vol}`);
  });

  it("refuses another project's volume", async () => {
    const vm = await boot(t, 'alt_demo', { name: 'other', imageRef: image, flavorRef: '42' });
    const vol = await volume({ size: 1 });
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'alt_demo',
      payload: { volumeAttachment: { volumeId: vol } },
    });
    expect(res.statusCode).toBe(404);
  });

  it('boots from an existing volume and from an image into a new volume', async () => {
    const bootable = await volume({ size: 1, imageRef: image, name: 'bootvol' });
    expect((await volumeShow(bootable)).bootable).toBe('true');
    const bfv = await boot(t, 'demo', {
      name: 'bfv',
      flavorRef: 'd2',
      imageRef: '',
      block_device_mapping_v2: [{ uuid: bootable, source_type: 'volume', destination_type: 'volume', boot_index: 0 }],
    });
    let s = await show(t, 'demo', bfv);
    expect(s.status).toBe('ACTIVE');
    expect(s.image).toBe('');
    expect((await volumeShow(bootable)).attachments[0]).toMatchObject({ server_id: bfv, device: '/dev/vda' });
    const bfv2 = await boot(t, 'demo', {
      name: 'bfv2',
      flavorRef: 'd2',
      block_device_mapping_v2: [
        { uuid: image, source_type: 'image', destination_type: 'volume', volume_size: 1, boot_index: 0 },
      ],
    });
    s = await show(t, 'demo', bfv2);
    expect(s.status).toBe('ACTIVE');
    const made = s['os-extended-volumes:volumes_attached'][0].id;
    expect((await volumeShow(made)).status).toBe('in-use');
    const root = await t.call({
      method: 'DELETE',
      url: `${base}/servers/${bfv2}/os-volume_attachments/${made}`,
      as: 'demo',
    });
    expect(root.json().badRequest.message).toBe('Cannot detach a root device volume');
    // delete: the made volume goes (delete_on_termination), the given one is freed
    await t.call({ method: 'DELETE', url: `${base}/servers/${bfv2}`, as: 'demo' });
    await t.call({ method: 'DELETE', url: `${base}/servers/${bfv}`, as: 'demo' });
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'GET', url: `/volume/v3/${project}/volumes/${made}`, as: 'demo' })).statusCode).toBe(
      404,
    );
    expect((await volumeShow(bootable)).status).toBe('available');
  });

  it('refuses a missing volume at boot and reserves nothing', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: {
        server: {
          name: 'novol',
          flavorRef: 'd2',
          block_device_mapping_v2: [
            {
              uuid: '00000000-0000-0000-0000-000000000000',
              source_type: 'volume',
              destination_type: 'volume',
              boot_index: 0,
            },
          ],
        },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().badRequest.message).toBe('Volume 00000000-0000-0000-0000-000000000000 could not be found.');
  });
});

describe('compute: the volume proxy (2.1–2.35)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it("creates, shows, lists and deletes volumes and snapshots in Nova's shape", async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/os-volumes`,
      as: 'demo',
      payload: { volume: { size: 1, display_name: 'pv', metadata: { a: 'b' } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json().volume;
    expect(v).toMatchObject({ size: 1, displayName: 'pv', attachments: [{}], metadata: { a: 'b' } });
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'GET', url: `${base}/os-volumes/${v.id}`, as: 'demo' })).json().volume.status).toBe(
      'available',
    );
    const list = await t.call({ method: 'GET', url: `${base}/os-volumes/detail`, as: 'demo' });
    expect(list.json().volumes.map((x: { id: string }) => x.id)).toContain(v.id);
    expect((await t.call({ method: 'GET', url: `${base}/os-volumes/${v.id}`, as: 'alt_demo' })).statusCode).toBe(404);
    const snap = await t.call({
      method: 'POST',
      url: `${base}/os-snapshots`,
      as: 'demo',
      payload: { snapshot: { volume_id: v.id, display_name: 's' } },
    });
    expect(snap.statusCode, snap.body).toBe(200);
    await t.cloud.tasks.idle();
    const sid = snap.json().snapshot.id;
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-snapshots/${sid}`, as: 'demo' })).json().snapshot.volumeId,
    ).toBe(v.id);
    expect((await t.call({ method: 'DELETE', url: `${base}/os-snapshots/${sid}`, as: 'demo' })).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'DELETE', url: `${base}/os-volumes/${v.id}`, as: 'demo' })).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect((await t.call({ method: 'GET', url: `${base}/os-volumes/${v.id}`, as: 'demo' })).statusCode).toBe(404);
  });

  it('refuses bad sizes and unknown volumes', async () => {
    for (const size of [0, '#$%', undefined]) {
      const res = await t.call({
        method: 'POST',
        url: `${base}/os-volumes`,
        as: 'demo',
        payload: { volume: { size } },
      });
      expect(res.statusCode).toBe(400);
    }
    const missing = await t.call({
      method: 'DELETE',
      url: `${base}/os-volumes/00000000-0000-0000-0000-000000000000`,
      as: 'demo',
    });
    expect(missing.statusCode).toBe(404);
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-volumes`, as: 'demo', headers: mv('2.36') })).statusCode,
    ).toBe(404);
  });
});

describe('compute: volumes of a shelved-offloaded server (2.20)', () => {
  let t: TestCloud;
  let image: string;
  let project: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'demo' })).json().projects[0].id;
  });
  afterAll(() => t.close());

  const volume = async () => {
    const res = await t.call({
      method: 'POST',
      url: `/volume/v3/${project}/volumes`,
      as: 'demo',
      payload: { volume: { size: 1 } },
    });
    await t.cloud.tasks.idle();
    return res.json().volume.id as string;
  };
  const status = async (id: string) =>
    (await t.call({ method: 'GET', url: `/volume/v3/${project}/volumes/${id}`, as: 'demo' })).json().volume.status;
  const attach = (vm: string, vol: string) =>
    t.call({
      method: 'POST',
      url: `${base}/servers/${vm}/os-volume_attachments`,
      as: 'demo',
      headers: mv('2.20'),
      payload: { volumeAttachment: { volumeId: vol } },
    });

  it('attaches at once (in-use, no device yet) and gives the device at unshelve', async () => {
    const vm = await boot(t, 'demo', { name: 'shelf', imageRef: image, flavorRef: '42', networks: 'none' }, mv('2.37'));
    await action(t, 'demo', vm, { shelve: null });
    expect((await show(t, 'demo', vm)).status).toBe('SHELVED_OFFLOADED');
    const vol = await volume();
    const res = await attach(vm, vol);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().volumeAttachment).toMatchObject({ volumeId: vol, serverId: vm, device: null });
    expect(await status(vol)).toBe('in-use');
    expect((await action(t, 'demo', vm, { unshelve: null })).statusCode).toBe(202);
    expect((await show(t, 'demo', vm)).status).toBe('ACTIVE');
    const one = await t.call({ method: 'GET', url: `${base}/servers/${vm}/os-volume_attachments/${vol}`, as: 'demo' });
    expect(one.json().volumeAttachment.device).toBe('/dev/vdb');
    expect(fake(t).guest(vm)?.volumes.has(vol)).toBe(true);
    expect(await status(vol)).toBe('in-use');
  });

  it('detaches at once from an offloaded server (available again)', async () => {
    const vm = await boot(
      t,
      'demo',
      { name: 'shelf2', imageRef: image, flavorRef: '42', networks: 'none' },
      mv('2.37'),
    );
    await action(t, 'demo', vm, { shelve: null });
    const vol = await volume();
    expect((await attach(vm, vol)).statusCode).toBe(200);
    const del = await t.call({
      method: 'DELETE',
      url: `${base}/servers/${vm}/os-volume_attachments/${vol}`,
      as: 'demo',
      headers: mv('2.20'),
    });
    expect(del.statusCode).toBe(202);
    expect(await status(vol)).toBe('available');
    await action(t, 'demo', vm, { unshelve: null });
    expect((await show(t, 'demo', vm)).status).toBe('ACTIVE');
    expect(fake(t).guest(vm)?.volumes.has(vol)).toBe(false);
  });
});
