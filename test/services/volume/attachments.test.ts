import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

const SERVER = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9';
const v327 = { 'openstack-api-version': 'volume 3.44' };

describe('volume: attachments API and attach actions', () => {
  const my = volumeSuite();

  it('reserves, connects, completes and deletes an attachment (3.27/3.44)', async () => {
    const v = await my.demo.volume();
    expect(
      (await my.demo.call('POST', '/attachments', { attachment: { volume_uuid: v.id, instance_uuid: SERVER } }))
        .statusCode,
    ).toBe(404);
    const res = await my.demo.call(
      'POST',
      '/attachments',
      { attachment: { volume_uuid: v.id, instance_uuid: SERVER } },
      v327,
    );
    expect(res.statusCode).toBe(200);
    const a = res.json().attachment;
    expect(a).toMatchObject({
      status: 'reserved',
      instance: SERVER,
      volume_id: v.id,
      attached_at: '',
      connection_info: {},
    });
    expect((await my.demo.show('volumes', v.id)).status).toBe('reserved');
    const up = await my.demo.call(
      'PUT',
      `/attachments/${a.id}`,
      { attachment: { connector: { host: 'node1', mountpoint: '/dev/vdb' } } },
      v327,
    );
    expect(up.statusCode).toBe(200);
    expect(up.json().attachment.connection_info.driver_volume_type).toBe('local');
    expect((await my.demo.show('volumes', v.id)).status).toBe('attaching');
    expect((await my.demo.call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }, v327)).statusCode).toBe(
      204,
    );
    const shown = await my.demo.show('volumes', v.id);
    expect(shown.status).toBe('in-use');
    expect(shown.attachments[0]).toMatchObject({ server_id: SERVER, device: '/dev/vdb', attachment_id: a.id });
    const list = await my.demo.call('GET', `/attachments?volume_id=${v.id}`, undefined, v327);
    expect(list.json().attachments).toEqual([{ id: a.id, status: 'attached', instance: SERVER, volume_id: v.id }]);
    expect((await my.alt.call('GET', `/attachments/${a.id}`, undefined, v327)).statusCode).toBe(404);
    expect((await my.alt.call('DELETE', `/attachments/${a.id}`, undefined, v327)).statusCode).toBe(404);
    expect((await my.demo.call('POST', '/attachments', { attachment: {} }, v327)).statusCode).toBe(400);
    const del = await my.demo.call('DELETE', `/attachments/${a.id}`, undefined, v327);
    expect(del.json()).toEqual({ attachments: [] });
    expect((await my.demo.show('volumes', v.id)).status).toBe('available');
  });

  it('runs the legacy reserve → attach → begin_detaching → detach flow with Cinder refusals', async () => {
    const v = await my.demo.volume();
    const act = (body: unknown) => my.demo.call('POST', `/volumes/${v.id}/action`, body);
    expect((await act({ 'os-reserve': {} })).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).status).toBe('attaching');
    const again = await act({ 'os-reserve': {} });
    expect(again.json().badRequest.message).toBe(
      'Invalid volume: Volume status must be available to reserve, but the status is attaching.',
    );
    expect((await act({ 'os-unreserve': {} })).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).status).toBe('available');
    expect((await act({ 'os-attach': { instance_uuid: SERVER } })).statusCode).toBe(400);
    expect((await act({ 'os-attach': { instance_uuid: SERVER, mountpoint: '/dev/vdc' } })).statusCode).toBe(202);
    const shown = await my.demo.show('volumes', v.id);
    expect(shown).toMatchObject({ status: 'in-use', metadata: { readonly: 'False', attached_mode: 'rw' } });
    expect(shown.attachments[0].device).toBe('/dev/vdc');
    const early = await my.demo.call('DELETE', `/volumes/${v.id}`);
    expect(early.statusCode).toBe(400);
    expect((await act({ 'os-begin_detaching': {} })).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).status).toBe('detaching');
    expect((await act({ 'os-roll_detaching': {} })).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).status).toBe('in-use');
    expect((await act({ 'os-detach': { attachment_id: shown.attachments[0].attachment_id } })).statusCode).toBe(202);
    const after = await my.demo.show('volumes', v.id);
    expect(after).toMatchObject({ status: 'available', attachments: [] });
    expect(after.metadata).toEqual({ readonly: 'False' });
    expect((await act({ 'os-begin_detaching': {} })).statusCode).toBe(400);
    // detaching a volume that is not attached just leaves it available, as Cinder's manager does
    expect((await act({ 'os-detach': {} })).statusCode).toBe(202);
    expect((await act({ 'os-detach': { attachment_id: '4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a' } })).statusCode).toBe(
      400,
    );
    expect((await act({ 'os-nonsense': {} })).json().badRequest.message).toBe('There is no such action: os-nonsense');
    expect((await my.alt.call('POST', `/volumes/${v.id}/action`, { 'os-reserve': {} })).statusCode).toBe(404);
  });

  it('honours read-only volumes and reports a connection', async () => {
    const v = await my.demo.volume();
    const act = (body: unknown) => my.demo.call('POST', `/volumes/${v.id}/action`, body);
    expect((await act({ 'os-update_readonly_flag': { readonly: true } })).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).metadata).toEqual({ readonly: 'True' });
    const rw = await act({ 'os-attach': { instance_uuid: SERVER, mountpoint: '/dev/vdb' } });
    expect(rw.json().badRequest.message).toBe(`Invalid attaching mode 'rw' for volume ${v.id}.`);
    expect((await act({ 'os-attach': { instance_uuid: SERVER, mountpoint: '/dev/vdb', mode: 'ro' } })).statusCode).toBe(
      202,
    );
    const conn = await act({ 'os-initialize_connection': { connector: { host: 'h' } } });
    expect(conn.statusCode).toBe(200);
    expect(conn.json().connection_info.data.device_path).toMatch(v.id);
    expect((await act({ 'os-initialize_connection': {} })).statusCode).toBe(400);
    expect((await act({ 'os-set_bootable': { bootable: 'maybe' } })).statusCode).toBe(400);
    expect((await act({ 'os-set_bootable': { bootable: true } })).statusCode).toBe(200);
    expect((await my.demo.show('volumes', v.id)).bootable).toBe('true');
  });

  it('extends within quota and refuses shrinking, with admin-only reset and force delete', async () => {
    const v = await my.demo.volume();
    const act = (body: unknown, as = my.demo) => as.call('POST', `/volumes/${v.id}/action`, body);
    const shrink = await act({ 'os-extend': { new_size: 1 } });
    expect(shrink.json().badRequest.message).toBe(
      'Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 1).',
    );
    expect((await act({ 'os-extend': { new_size: 'big' } })).statusCode).toBe(400);
    expect((await act({ 'os-extend': { new_size: 3 } })).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).size).toBe(3);
    expect((await act({ 'os-reset_status': { status: 'error' } })).statusCode).toBe(403);
    expect((await act({ 'os-reset_status': { status: 'bogus' } }, my.admin)).statusCode).toBe(400);
    expect((await act({ 'os-reset_status': { status: 'error' } }, my.admin)).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v.id)).status).toBe('error');
    expect((await act({ 'os-force_delete': {} }, my.admin)).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.call('GET', `/volumes/${v.id}`)).statusCode).toBe(404);
  });
});
