import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

const v = (n: string) => ({ 'openstack-api-version': `volume ${n}` });
const MISSING = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';

describe('volume: group snapshots (3.14)', () => {
  const my = volumeSuite();

  const groupWithVolume = async () => {
    const gt = (
      await my.admin.call('POST', '/group_types', { group_type: { name: `gt-${Math.random()}` } }, v('3.11'))
    ).json().group_type;
    const vt = (await my.admin.call('POST', '/types', { volume_type: { name: `vt-${Math.random()}` } })).json()
      .volume_type;
    const group = (
      await my.demo.call('POST', '/groups', { group: { group_type: gt.id, volume_types: [vt.id] } }, v('3.13'))
    ).json().group;
    const vol = await my.demo.call(
      'POST',
      '/volumes',
      { volume: { size: 1, volume_type: vt.id, group_id: group.id } },
      v('3.13'),
    );
    await my.t.cloud.tasks.idle();
    return { gt, group, volumeId: vol.json().volume.id as string };
  };

  it('snapshots every volume of a group, lists, shows, makes a group from it and deletes it', async () => {
    const { gt, group, volumeId } = await groupWithVolume();
    const made = await my.demo.call(
      'POST',
      '/group_snapshots',
      { group_snapshot: { group_id: group.id, name: 'gs' } },
      v('3.14'),
    );
    expect(made.statusCode).toBe(202);
    const gs = made.json().group_snapshot;
    expect(gs).toMatchObject({ name: 'gs', group_type_id: gt.id });
    await my.t.cloud.tasks.idle();
    const shown = (await my.demo.call('GET', `/group_snapshots/${gs.id}`, undefined, v('3.14'))).json().group_snapshot;
    expect(shown).toMatchObject({ id: gs.id, group_id: group.id, status: 'available', description: null });
    const snaps = (await my.demo.call('GET', '/snapshots/detail', undefined, v('3.14'))).json().snapshots;
    expect(snaps.map((s: any) => [s.volume_id, s.status, s.group_snapshot_id])).toEqual([
      [volumeId, 'available', gs.id],
    ]);
    // a snapshot of a group snapshot goes with it only
    expect((await my.demo.call('DELETE', `/snapshots/${snaps[0].id}`)).statusCode).toBe(400);
    const listed = (await my.demo.call('GET', '/group_snapshots/detail', undefined, v('3.14'))).json().group_snapshots;
    expect(listed.map((x: any) => x.id)).toEqual([gs.id]);
    expect((await my.alt.call('GET', '/group_snapshots', undefined, v('3.14'))).json().group_snapshots).toEqual([]);

    // a group may not go while a group snapshot of it exists
    const busy = await my.demo.call(
      'POST',
      `/groups/${group.id}/action`,
      { delete: { 'delete-volumes': true } },
      v('3.14'),
    );
    expect(busy.json().badRequest.message).toBe('Invalid Group: Group has existing snapshots.');

    const copy = await my.demo.call(
      'POST',
      '/groups/action',
      { 'create-from-src': { group_snapshot_id: gs.id, name: 'from-snap' } },
      v('3.14'),
    );
    expect(copy.statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    const g2 = (await my.demo.call('GET', `/groups/${copy.json().group.id}?list_volume=1`, undefined, v('3.25'))).json()
      .group;
    expect(g2).toMatchObject({ status: 'available', group_snapshot_id: gs.id });
    const vol2 = (await my.demo.call('GET', `/volumes/${g2.volumes[0]}`, undefined, v('3.14'))).json().volume;
    expect(vol2).toMatchObject({ status: 'available', snapshot_id: snaps[0].id, group_id: g2.id });

    expect((await my.demo.call('DELETE', `/group_snapshots/${gs.id}`, undefined, v('3.14'))).statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.call('GET', `/group_snapshots/${gs.id}`, undefined, v('3.14'))).statusCode).toBe(404);
    expect((await my.demo.call('GET', `/snapshots/${snaps[0].id}`)).statusCode).toBe(404);
  });

  it('refuses bad bodies, missing groups, others, and lets only admins reset status (3.19)', async () => {
    const { group } = await groupWithVolume();
    expect((await my.demo.call('POST', '/group_snapshots', { group_snapshot: {} }, v('3.14'))).statusCode).toBe(400);
    const missing = await my.demo.call(
      'POST',
      '/group_snapshots',
      { group_snapshot: { group_id: MISSING } },
      v('3.14'),
    );
    expect(missing.json().itemNotFound.message).toBe(`Group ${MISSING} could not be found.`);
    const other = await my.alt.call('POST', '/group_snapshots', { group_snapshot: { group_id: group.id } }, v('3.14'));
    expect(other.statusCode).toBe(404);
    expect((await my.demo.call('GET', '/group_snapshots', undefined, v('3.13'))).statusCode).toBe(404);
    const gs = (
      await my.demo.call('POST', '/group_snapshots', { group_snapshot: { group_id: group.id } }, v('3.14'))
    ).json().group_snapshot;
    await my.t.cloud.tasks.idle();
    const shown = await my.alt.call('GET', `/group_snapshots/${gs.id}`, undefined, v('3.14'));
    expect(shown.json().itemNotFound.message).toBe(`GroupSnapshot ${gs.id} could not be found.`);
    const reset = { reset_status: { status: 'error' } };
    expect((await my.demo.call('POST', `/group_snapshots/${gs.id}/action`, reset, v('3.19'))).statusCode).toBe(403);
    expect((await my.admin.call('POST', `/group_snapshots/${gs.id}/action`, reset, v('3.19'))).statusCode).toBe(202);
    expect(
      (await my.demo.call('GET', `/group_snapshots/${gs.id}`, undefined, v('3.14'))).json().group_snapshot.status,
    ).toBe('error');
    const bad = await my.admin.call(
      'POST',
      `/group_snapshots/${gs.id}/action`,
      { reset_status: { status: 'x' } },
      v('3.19'),
    );
    expect(bad.statusCode).toBe(400);
    await my.admin.call(
      'POST',
      `/group_snapshots/${gs.id}/action`,
      { reset_status: { status: 'creating' } },
      v('3.19'),
    );
    const refused = await my.demo.call('DELETE', `/group_snapshots/${gs.id}`, undefined, v('3.14'));
    expect(refused.json().badRequest.message).toBe(
      'Invalid GroupSnapshot: GroupSnapshot status must be available or error, and no Group can be currently using it as source for its creation.',
    );
  });
});
