import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

const v = (n: string) => ({ 'openstack-api-version': `volume ${n}` });
const MISSING = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';

describe('volume: generic volume groups (3.13)', () => {
  const my = volumeSuite();

  const setup = async () => {
    const gt = (
      await my.admin.call('POST', '/group_types', { group_type: { name: `gt-${Math.random()}` } }, v('3.11'))
    ).json().group_type;
    const vt = (await my.admin.call('POST', '/types', { volume_type: { name: `vt-${Math.random()}` } })).json()
      .volume_type;
    const made = await my.demo.call(
      'POST',
      '/groups',
      { group: { group_type: gt.id, volume_types: [vt.id], name: 'g1' } },
      v('3.13'),
    );
    expect(made.statusCode).toBe(202);
    return { gt, vt, group: made.json().group };
  };
  const inGroup = async (vt: string, group: string) => {
    const res = await my.demo.call(
      'POST',
      '/volumes',
      { volume: { size: 1, volume_type: vt, group_id: group } },
      v('3.13'),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json().volume.group_id).toBe(group);
    await my.t.cloud.tasks.idle();
    return res.json().volume.id as string;
  };

  it('creates, shows, lists, updates and deletes a group with its volumes', async () => {
    const { gt, vt, group } = await setup();
    expect(Object.keys(group).sort()).toEqual(['id', 'name']);
    const shown = (await my.demo.call('GET', `/groups/${group.id}`, undefined, v('3.14'))).json().group;
    expect(shown).toMatchObject({
      status: 'available',
      availability_zone: 'nova',
      group_type: gt.id,
      volume_types: [vt.id],
      group_snapshot_id: null,
      source_group_id: null,
    });
    const a = await inGroup(vt.id, group.id);
    const b = await inGroup(vt.id, group.id);
    expect((await my.demo.show('volumes', a)).status).toBe('available');
    const listed = await my.demo.call('GET', `/volumes/detail?group_id=${group.id}`, undefined, v('3.13'));
    expect(
      listed
        .json()
        .volumes.map((x: any) => x.id)
        .sort(),
    ).toEqual([a, b].sort());
    const withVols = await my.demo.call('GET', `/groups/${group.id}?list_volume=true`, undefined, v('3.25'));
    expect(withVols.json().group.volumes.sort()).toEqual([a, b].sort());

    // a volume in a group is deleted with its group only
    expect((await my.demo.call('DELETE', `/volumes/${a}`)).statusCode).toBe(400);

    const up = await my.demo.call(
      'PUT',
      `/groups/${group.id}`,
      { group: { name: 'new', remove_volumes: b } },
      v('3.13'),
    );
    expect(up.statusCode).toBe(202);
    expect((await my.demo.show('volumes', b)).group_id).toBeUndefined(); // 3.0 view
    const again = await my.demo.call('GET', `/volumes/${b}`, undefined, v('3.13'));
    expect(again.json().volume.group_id).toBeNull();
    await my.demo.call('PUT', `/groups/${group.id}`, { group: { add_volumes: b } }, v('3.13'));
    expect((await my.demo.call('GET', `/volumes/${b}`, undefined, v('3.13'))).json().volume.group_id).toBe(group.id);
    const nothing = await my.demo.call('PUT', `/groups/${group.id}`, { group: { name: 'new' } }, v('3.13'));
    expect(nothing.json().badRequest.message).toBe(
      `Invalid Group: Cannot update group ${group.id} because no valid name, description, add_volumes, or remove_volumes were provided.`,
    );

    const list = await my.demo.call('GET', '/groups', undefined, v('3.13'));
    expect(list.json().groups).toEqual([{ id: group.id, name: 'new' }]);
    expect((await my.alt.call('GET', '/groups/detail', undefined, v('3.13'))).json().groups).toEqual([]);

    const keep = await my.demo.call('POST', `/groups/${group.id}/action`, { delete: {} }, v('3.13'));
    expect(keep.json().badRequest.message).toBe(
      `Invalid Group: Group ${group.id} still contains volumes. The delete-volumes flag is required to delete it.`,
    );
    const del = await my.demo.call(
      'POST',
      `/groups/${group.id}/action`,
      { delete: { 'delete-volumes': true } },
      v('3.13'),
    );
    expect(del.statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.call('GET', `/volumes/${a}`)).statusCode).toBe(404);
    expect((await my.demo.call('GET', `/groups/${group.id}`, undefined, v('3.13'))).statusCode).toBe(404);
  });

  it('refuses bad bodies, unknown types and groups, others, older microversions', async () => {
    const { gt, vt, group } = await setup();
    const noTypes = await my.demo.call('POST', '/groups', { group: { group_type: gt.id } }, v('3.13'));
    expect(noTypes.statusCode).toBe(400);
    const empty = await my.demo.call('POST', '/groups', { group: { group_type: gt.id, volume_types: [] } }, v('3.13'));
    expect(empty.statusCode).toBe(400);
    const extra = await my.demo.call(
      'POST',
      '/groups',
      { group: { group_type: gt.id, volume_types: [vt.id], color: 'red' } },
      v('3.13'),
    );
    expect(extra.statusCode).toBe(400);
    expect(extra.json().badRequest.message).toContain("Additional properties are not allowed ('color' was unexpected)");
    const extraUpdate = await my.demo.call('PUT', `/groups/${group.id}`, { group: { size: 2 } }, v('3.13'));
    expect(extraUpdate.json().badRequest.message).toContain(
      "Additional properties are not allowed ('size' was unexpected)",
    );
    const badGt = await my.demo.call(
      'POST',
      '/groups',
      { group: { group_type: MISSING, volume_types: [vt.id] } },
      v('3.13'),
    );
    expect(badGt.json().itemNotFound.message).toBe(`Group type ${MISSING} could not be found.`);
    const badVt = await my.demo.call(
      'POST',
      '/groups',
      { group: { group_type: gt.id, volume_types: ['nope'] } },
      v('3.13'),
    );
    expect(badVt.statusCode).toBe(404);
    expect((await my.demo.call('GET', '/groups', undefined, v('3.12'))).statusCode).toBe(404);
    const other = await my.alt.call('GET', `/groups/${group.id}`, undefined, v('3.13'));
    expect(other.json().itemNotFound.message).toBe(`Group ${group.id} could not be found.`);
    expect((await my.alt.call('POST', `/groups/${group.id}/action`, { delete: {} }, v('3.13'))).statusCode).toBe(404);
    const wrongType = await my.demo.call('POST', '/volumes', { volume: { size: 1, group_id: group.id } }, v('3.13'));
    expect(wrongType.json().badRequest.message).toMatch(/requested type must be supported by this group/);
    const reset = await my.demo.call(
      'POST',
      `/groups/${group.id}/action`,
      { reset_status: { status: 'error' } },
      v('3.20'),
    );
    expect(reset.statusCode).toBe(403);
    const asAdmin = await my.admin.call(
      'POST',
      `/groups/${group.id}/action`,
      { reset_status: { status: 'error' } },
      v('3.20'),
    );
    expect(asAdmin.statusCode).toBe(202);
    expect((await my.demo.call('GET', `/groups/${group.id}`, undefined, v('3.13'))).json().group.status).toBe('error');
    const bogus = await my.admin.call(
      'POST',
      `/groups/${group.id}/action`,
      { reset_status: { status: 'bogus' } },
      v('3.20'),
    );
    expect(bogus.statusCode).toBe(400);
    // an empty group deletes without the flag; its group type then may go
    expect((await my.demo.call('POST', `/groups/${group.id}/action`, { delete: {} }, v('3.13'))).statusCode).toBe(202);
    expect((await my.admin.call('DELETE', `/group_types/${gt.id}`, undefined, v('3.11'))).statusCode).toBe(202);
  });

  it('leaves a group in error when the backend satisfies none of a volume type (scheduler)', async () => {
    const gt = (await my.admin.call('POST', '/group_types', { group_type: { name: 'gt-nowhere' } }, v('3.11'))).json()
      .group_type;
    const vt = (
      await my.admin.call('POST', '/types', {
        volume_type: { name: 'vt-nowhere', extra_specs: { volume_backend_name: 'ceph' } },
      })
    ).json().volume_type;
    const made = await my.demo.call(
      'POST',
      '/groups',
      { group: { group_type: gt.id, volume_types: [vt.id] } },
      v('3.13'),
    );
    expect(made.statusCode).toBe(202);
    const g = (await my.demo.call('GET', `/groups/${made.json().group.id}`, undefined, v('3.13'))).json().group;
    expect(g.status).toBe('error');
    const joined = await my.demo.call(
      'POST',
      '/volumes',
      { volume: { size: 1, volume_type: vt.id, group_id: g.id } },
      v('3.13'),
    );
    expect(joined.json().badRequest.message).toBe(
      "Invalid Group: Originating group status must be one of 'available, creating' values",
    );
  });

  it('makes a group from another group (3.14)', async () => {
    const { vt, group } = await setup();
    const a = await inGroup(vt.id, group.id);
    const made = await my.demo.call(
      'POST',
      '/groups/action',
      { 'create-from-src': { source_group_id: group.id, name: 'copy' } },
      v('3.14'),
    );
    expect(made.statusCode).toBe(202);
    const copy = made.json().group;
    expect(copy.name).toBe('copy');
    await my.t.cloud.tasks.idle();
    const shown = (await my.demo.call('GET', `/groups/${copy.id}?list_volume=true`, undefined, v('3.25'))).json().group;
    expect(shown).toMatchObject({ status: 'available', source_group_id: group.id });
    expect(shown.volumes).toHaveLength(1);
    const vol = (await my.demo.call('GET', `/volumes/${shown.volumes[0]}`, undefined, v('3.13'))).json().volume;
    expect(vol).toMatchObject({ status: 'available', source_volid: a, group_id: copy.id });
    const both = await my.demo.call('POST', '/groups/action', { 'create-from-src': {} }, v('3.14'));
    expect(both.statusCode).toBe(400);
    const missing = await my.demo.call(
      'POST',
      '/groups/action',
      { 'create-from-src': { source_group_id: MISSING } },
      v('3.14'),
    );
    expect(missing.statusCode).toBe(404);
  });
});
