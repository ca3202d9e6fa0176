import { describe, expect, it } from 'vitest';
import { volumeClient, volumeSuite } from './helpers.js';

describe('volume: snapshots', () => {
  const my = volumeSuite();

  it('creates, lists, shows, updates and deletes a snapshot', async () => {
    const v = await my.demo.volume({ size: 2 });
    const res = await my.demo.call('POST', '/snapshots', {
      snapshot: { volume_id: v.id, name: 's1', metadata: { k: 'v' } },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().snapshot).toMatchObject({
      status: 'creating',
      name: 's1',
      size: 2,
      volume_id: v.id,
      metadata: { k: 'v' },
    });
    expect(res.json().snapshot['os-extended-snapshot-attributes:progress']).toBeUndefined();
    await my.t.cloud.tasks.idle();
    const list = await my.demo.call('GET', '/snapshots');
    expect(list.json().snapshots[0]).not.toHaveProperty('os-extended-snapshot-attributes:project_id');
    const detail = await my.demo.call('GET', '/snapshots/detail');
    expect(detail.json().snapshots[0]['os-extended-snapshot-attributes:project_id']).toBe(my.demo.project);
    const id = res.json().snapshot.id;
    const up = await my.demo.call('PUT', `/snapshots/${id}`, { snapshot: { name: 's2', description: 'd' } });
    expect(up.json().snapshot).toMatchObject({ name: 's2', description: 'd' });
    expect((await my.demo.call('PUT', `/snapshots/${id}`, { snapshot: { size: 3 } })).statusCode).toBe(400);
    expect((await my.demo.call('GET', `/snapshots/${id}/metadata`)).json()).toEqual({ metadata: { k: 'v' } });
    expect((await my.demo.call('DELETE', `/snapshots/${id}`)).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.call('GET', `/snapshots/${id}`)).statusCode).toBe(404);
  });

  it('refuses a snapshot of an in-use volume without force, allows it with force', async () => {
    const v = await my.demo.volume();
    await my.demo.call('POST', `/volumes/${v.id}/action`, {
      'os-attach': { instance_uuid: '0d1b0b4e-4b7a-4d56-9a35-3c7c1f0d9a11', mountpoint: '/dev/vdb' },
    });
    expect((await my.demo.show('volumes', v.id)).status).toBe('in-use');
    const res = await my.demo.call('POST', '/snapshots', { snapshot: { volume_id: v.id } });
    expect(res.statusCode).toBe(400);
    expect(res.json().badRequest.message).toBe(
      `Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`,
    );
    const forced = await my.demo.call('POST', '/snapshots', { snapshot: { volume_id: v.id, force: true } });
    expect(forced.statusCode).toBe(202);
    // 3.66 allows it without force, and refuses force=false
    const v366 = { 'openstack-api-version': 'volume 3.66' };
    expect((await my.demo.call('POST', '/snapshots', { snapshot: { volume_id: v.id } }, v366)).statusCode).toBe(202);
    expect(
      (await my.demo.call('POST', '/snapshots', { snapshot: { volume_id: v.id, force: false } }, v366)).statusCode,
    ).toBe(400);
  });

  it('answers 400 for a malformed body, 404 for a missing volume or snapshot, 404 across projects', async () => {
    expect((await my.demo.call('POST', '/snapshots', { snapshot: {} })).statusCode).toBe(400);
    expect((await my.demo.call('POST', '/snapshots', { nope: {} })).statusCode).toBe(400);
    const missing = await my.demo.call('POST', '/snapshots', {
      snapshot: { volume_id: '5f0c2a1e-8d3b-4e6f-9a7c-1b2d3e4f5a6b' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().itemNotFound.message).toBe('Volume 5f0c2a1e-8d3b-4e6f-9a7c-1b2d3e4f5a6b could not be found.');
    const v = await my.demo.volume();
    const s = await my.demo.snapshot(v.id);
    expect((await my.alt.call('GET', `/snapshots/${s.id}`)).statusCode).toBe(404);
    expect((await my.alt.call('DELETE', `/snapshots/${s.id}`)).statusCode).toBe(404);
    expect((await my.alt.call('POST', '/snapshots', { snapshot: { volume_id: v.id } })).statusCode).toBe(404);
    expect(
      (await my.demo.call('GET', '/snapshots/5f0c2a1e-8d3b-4e6f-9a7c-1b2d3e4f5a6b')).json().itemNotFound.message,
    ).toBe('Snapshot 5f0c2a1e-8d3b-4e6f-9a7c-1b2d3e4f5a6b could not be found.');
  });

  it('reverts a volume to its latest snapshot only (3.40)', async () => {
    const v = await my.demo.volume();
    const s1 = await my.demo.snapshot(v.id);
    const s2 = await my.demo.snapshot(v.id);
    const h = { 'openstack-api-version': 'volume 3.40' };
    const old = await my.demo.call('POST', `/volumes/${v.id}/action`, { revert: { snapshot_id: s1.id } }, h);
    expect(old.statusCode).toBe(400);
    expect(old.json().badRequest.message).toBe(`Specified snapshot ${s1.id} is not the latest one of volume ${v.id}.`);
    expect((await my.demo.call('POST', `/volumes/${v.id}/action`, { revert: { snapshot_id: s2.id } })).statusCode).toBe(
      400,
    );
    // the revert's task waits until the status is read: on PostgreSQL under CI's load it once finished first
    await my.t.cloud.tasks.stop();
    try {
      expect(
        (await my.demo.call('POST', `/volumes/${v.id}/action`, { revert: { snapshot_id: s2.id } }, h)).statusCode,
      ).toBe(202);
      expect((await my.demo.show('volumes', v.id)).status).toBe('reverting');
    } finally {
      my.t.cloud.tasks.start();
    }
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).status).toBe('available');
    expect((await my.demo.show('snapshots', s2.id)).status).toBe('available');
  });

  it('force deletes a snapshot stuck in deleting (my.admin)', async () => {
    const v = await my.admin.volume();
    const s = await my.admin.snapshot(v.id);
    expect(
      (await my.admin.call('POST', `/snapshots/${s.id}/action`, { 'os-reset_status': { status: 'deleting' } }))
        .statusCode,
    ).toBe(202);
    expect((await my.demo.call('POST', `/snapshots/${s.id}/action`, { 'os-force_delete': {} })).statusCode).toBe(403);
    expect((await my.admin.call('POST', `/snapshots/${s.id}/action`, { 'os-force_delete': {} })).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.admin.call('GET', `/snapshots/${s.id}`)).statusCode).toBe(404);
  });

  it('counts snapshots against the snapshots quota', async () => {
    const admin = await volumeClient(my.t, 'admin', 'alt_demo');
    await admin.call('PUT', `/os-quota-sets/${admin.project}`, { quota_set: { snapshots: 1 } });
    const v = await admin.volume();
    await admin.snapshot(v.id);
    const res = await admin.call('POST', '/snapshots', { snapshot: { volume_id: v.id } });
    expect(res.statusCode).toBe(413);
    expect(res.json().overLimit.message).toBe('Maximum number of snapshots allowed (1) exceeded');
  });
});
