import { describe, expect, it } from 'vitest';
import { type VolumeClient, volumeSuite } from './helpers.js';

// The endpoint groups the other files test for their behaviour, refused the
// way Cinder refuses: a malformed body (400 badRequest), a missing resource
// (404 itemNotFound) and another project's caller (404: Cinder hides other
// projects' resources; 403 forbidden for admin-only APIs).

const MISSING = '2c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f';
const v355 = { 'openstack-api-version': 'volume 3.55' };
const v344 = { 'openstack-api-version': 'volume 3.44' };
const v343 = { 'openstack-api-version': 'volume 3.43' };

describe('volume: malformed, missing and other projects per endpoint group', () => {
  const my = volumeSuite();

  it('snapshot metadata', async () => {
    const v = await my.demo.volume();
    const snap = await my.demo.snapshot(v.id, { metadata: { a: '1' } });
    const base = `/snapshots/${snap.id}/metadata`;
    expect((await my.demo.call('POST', base, { metadata: 'x' })).json().badRequest.code).toBe(400);
    expect((await my.demo.call('PUT', `${base}/a`, { meta: { b: '2' } })).statusCode).toBe(400);
    expect((await my.demo.call('GET', `${base}/zz`)).json().itemNotFound.code).toBe(404);
    const gone = await my.demo.call('GET', `/snapshots/${MISSING}/metadata`);
    expect(gone.json().itemNotFound.message).toBe(`Snapshot ${MISSING} could not be found.`);
    expect((await my.alt.call('GET', base)).statusCode).toBe(404);
    expect((await my.alt.call('POST', base, { metadata: { x: 'y' } })).statusCode).toBe(404);
    expect((await my.demo.call('GET', base)).json()).toEqual({ metadata: { a: '1' } });
  });

  it('volume actions', async () => {
    const v = await my.demo.volume();
    const act = (c: VolumeClient, id: string, body: unknown) => c.call('POST', `/volumes/${id}/action`, body);
    expect((await act(my.demo, v.id, { 'os-extend': {} })).json().badRequest.code).toBe(400);
    expect((await act(my.demo, v.id, { 'os-update_readonly_flag': { readonly: 'perhaps' } })).statusCode).toBe(400);
    const missing = await act(my.demo, MISSING, { 'os-extend': { new_size: 2 } });
    expect(missing.json().itemNotFound.message).toBe(`Volume ${MISSING} could not be found.`);
    expect((await act(my.alt, v.id, { 'os-extend': { new_size: 2 } })).statusCode).toBe(404);
    expect((await act(my.demo, v.id, { 'os-reset_status': { status: 'error' } })).json().forbidden.code).toBe(403);
    expect((await my.demo.show('volumes', v.id)).size).toBe(1);
  });

  it('backups update', async () => {
    const v = await my.demo.volume();
    const res = await my.demo.call('POST', '/backups', { backup: { volume_id: v.id, name: 'b' } });
    await my.t.cloud.tasks.idle();
    const id = res.json().backup.id;
    expect((await my.demo.call('PUT', `/backups/${id}`, { backup: { size: 3 } }, v343)).json().badRequest.code).toBe(
      400,
    );
    expect((await my.demo.call('PUT', `/backups/${MISSING}`, { backup: { name: 'x' } }, v343)).statusCode).toBe(404);
    expect((await my.alt.call('PUT', `/backups/${id}`, { backup: { name: 'x' } }, v343)).statusCode).toBe(404);
    expect((await my.alt.call('DELETE', `/backups/${id}`)).statusCode).toBe(404);
    expect((await my.demo.show('backups', id)).name).toBe('b');
  });

  it('attachments', async () => {
    const v = await my.demo.volume();
    const res = await my.demo.call('POST', '/attachments', { attachment: { volume_uuid: v.id } }, v344);
    const a = res.json().attachment;
    expect((await my.demo.call('PUT', `/attachments/${a.id}`, { attachment: {} }, v344)).json().badRequest.code).toBe(
      400,
    );
    expect((await my.demo.call('GET', `/attachments/${MISSING}`, undefined, v344)).json().itemNotFound.code).toBe(404);
    expect(
      (await my.alt.call('PUT', `/attachments/${a.id}`, { attachment: { connector: { host: 'h' } } }, v344)).statusCode,
    ).toBe(404);
    expect((await my.alt.call('POST', '/attachments', { attachment: { volume_uuid: v.id } }, v344)).statusCode).toBe(
      404,
    );
    expect((await my.demo.show('volumes', v.id)).status).toBe('reserved');
  });

  it('transfers', async () => {
    const v = await my.demo.volume();
    const tr = (await my.demo.call('POST', '/volume-transfers', { transfer: { volume_id: v.id } }, v355)).json()
      .transfer;
    expect((await my.alt.call('POST', `/volume-transfers/${tr.id}/accept`, { accept: {} }, v355)).statusCode).toBe(400);
    const gone = await my.alt.call('POST', `/volume-transfers/${MISSING}/accept`, { accept: { auth_key: 'k' } }, v355);
    expect(gone.json().itemNotFound.code).toBe(404);
    expect((await my.demo.call('GET', `/volume-transfers/${MISSING}`, undefined, v355)).statusCode).toBe(404);
    expect((await my.alt.call('DELETE', `/volume-transfers/${tr.id}`, undefined, v355)).statusCode).toBe(404);
    expect((await my.alt.call('GET', '/volume-transfers', undefined, v355)).json().transfers).toEqual([]);
    expect((await my.demo.show('volumes', v.id)).status).toBe('awaiting-transfer');
  });

  it('types, extra specs and encryption', async () => {
    const type = (await my.admin.call('POST', '/types', { volume_type: { name: 'refusals' } })).json().volume_type;
    expect((await my.admin.call('POST', `/types/${type.id}/extra_specs`, { extra_specs: 'x' })).statusCode).toBe(400);
    expect((await my.admin.call('GET', `/types/${MISSING}/extra_specs`)).json().itemNotFound.code).toBe(404);
    expect((await my.demo.call('DELETE', `/types/${type.id}`)).json().forbidden.code).toBe(403);
    const enc = `/types/${type.id}/encryption`;
    const bad = await my.admin.call('POST', enc, { encryption: { provider: 'luks', control_location: 'middle' } });
    expect(bad.json().badRequest.code).toBe(400);
    expect((await my.admin.call('POST', enc, { encryption: { provider: 'luks', key_size: 'big' } })).statusCode).toBe(
      400,
    );
    expect((await my.demo.call('GET', enc)).json().forbidden.code).toBe(403);
    expect((await my.admin.call('PUT', `${enc}/${MISSING}`, { encryption: { key_size: 1 } })).statusCode).toBe(404);
    expect((await my.admin.call('GET', enc)).json()).toEqual({});
  });

  it('quotas, quota classes and services', async () => {
    const bad = await my.admin.call('PUT', `/os-quota-sets/${my.demo.project}`, { quota_set: { volumes: 'many' } });
    expect(bad.json().badRequest.code).toBe(400);
    expect(
      (await my.admin.call('PUT', `/os-quota-sets/${my.demo.project}`, { quota_set: { volumes: -2 } })).statusCode,
    ).toBe(400);
    expect((await my.alt.call('GET', `/os-quota-sets/${my.demo.project}?usage=true`)).json().forbidden.code).toBe(403);
    expect((await my.demo.call('GET', '/os-quota-class-sets/default')).statusCode).toBe(403);
    expect(
      (await my.admin.call('PUT', '/os-quota-class-sets/gold', { quota_class_set: { volumes: 5 } })).statusCode,
    ).toBe(404);
    expect((await my.admin.call('GET', `/os-quota-sets/${my.demo.project}`)).json().quota_set.volumes).not.toBe('many');
    expect((await my.admin.call('PUT', '/os-services/reboot', { host: 'x' })).json().itemNotFound.code).toBe(404);
    expect((await my.admin.call('PUT', '/os-services/disable', {})).json().badRequest.code).toBe(400);
    expect((await my.demo.call('PUT', '/os-services/disable', { host: 'x' })).json().forbidden.code).toBe(403);
  });

  it('hosts, pools and capabilities', async () => {
    expect((await my.demo.call('GET', '/scheduler-stats/get_pools')).json().forbidden.code).toBe(403);
    expect((await my.demo.call('GET', '/capabilities/anything')).statusCode).toBe(403);
    expect((await my.admin.call('GET', '/capabilities/nowhere@none')).statusCode).toBe(404);
    expect((await my.admin.call('GET', '/scheduler-stats/get_pools?detail=maybe')).statusCode).toBe(400);
  });

  it('limits and availability zones answer for the token project only', async () => {
    const cross = await my.t.call({ method: 'GET', url: `/volume/v3/${my.demo.project}/limits`, as: 'alt_demo' });
    expect(cross.json().badRequest.message).toBe('Malformed request url');
    const az = await my.t.call({
      method: 'GET',
      url: `/volume/v3/${my.demo.project}/os-availability-zone`,
      as: 'alt_demo',
    });
    expect(az.statusCode).toBe(400);
    expect((await my.alt.call('GET', '/limits')).json().limits.absolute.totalVolumesUsed).toBe(0);
  });
});
