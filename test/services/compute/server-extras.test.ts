import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, fake, mv, show } from './util.js';

describe('compute: server metadata, tags, consoles, groups, snapshots', () => {
  let t: TestCloud;
  let image: string;
  let id: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    id = await boot(t, 'demo', { name: 'extras', imageRef: image, flavorRef: '42', metadata: { a: '1' } });
  });
  afterAll(() => t.close());

  it('reads and changes server metadata', async () => {
    const url = `${base}/servers/${id}/metadata`;
    expect((await t.call({ method: 'GET', url, as: 'demo' })).json()).toEqual({ metadata: { a: '1' } });
    const post = await t.call({ method: 'POST', url, as: 'demo', payload: { metadata: { b: '2' } } });
    expect(post.json()).toEqual({ metadata: { a: '1', b: '2' } });
    const one = await t.call({ method: 'PUT', url: `${url}/c`, as: 'demo', payload: { meta: { c: '3' } } });
    expect(one.json()).toEqual({ meta: { c: '3' } });
    const mismatch = await t.call({ method: 'PUT', url: `${url}/c`, as: 'demo', payload: { meta: { d: '3' } } });
    expect(mismatch.json().badRequest.message).toBe('Request body and URI mismatch');
    expect((await t.call({ method: 'GET', url: `${url}/c`, as: 'demo' })).json()).toEqual({ meta: { c: '3' } });
    expect((await t.call({ method: 'DELETE', url: `${url}/c`, as: 'demo' })).statusCode).toBe(204);
    const missing = await t.call({ method: 'GET', url: `${url}/c`, as: 'demo' });
    expect(missing.json().itemNotFound.message).toBe('Metadata item was not found');
    const all = await t.call({ method: 'PUT', url, as: 'demo', payload: { metadata: { z: '9' } } });
    expect(all.json()).toEqual({ metadata: { z: '9' } });
    expect((await t.call({ method: 'GET', url, as: 'alt_demo' })).statusCode).toBe(404);
    const bad = await t.call({ method: 'POST', url, as: 'demo', payload: { metadata: { 'bad/key': 'x' } } });
    expect(bad.statusCode).toBe(400);
  });

  it('keeps tags (2.26) and filters by them', async () => {
    const url = `${base}/servers/${id}/tags`;
    expect((await t.call({ method: 'GET', url, as: 'demo' })).statusCode).toBe(404);
    const h = mv('2.26');
    expect((await t.call({ method: 'PUT', url: `${url}/blue`, as: 'demo', headers: h })).statusCode).toBe(201);
    expect((await t.call({ method: 'PUT', url: `${url}/blue`, as: 'demo', headers: h })).statusCode).toBe(204);
    expect((await t.call({ method: 'PUT', url: `${url}/a,b`, as: 'demo', headers: h })).statusCode).toBe(400);
    expect((await t.call({ method: 'GET', url: `${url}/blue`, as: 'demo', headers: h })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${url}/red`, as: 'demo', headers: h })).statusCode).toBe(404);
    const put = await t.call({ method: 'PUT', url, as: 'demo', headers: h, payload: { tags: ['red', 'green'] } });
    expect(put.json().tags).toEqual(['green', 'red']);
    expect((await show(t, 'demo', id, h)).tags).toEqual(['green', 'red']);
    const found = await t.call({ method: 'GET', url: `${base}/servers?tags=red,green`, as: 'demo', headers: h });
    expect(found.json().servers.map((s: { id: string }) => s.id)).toEqual([id]);
    const notFound = await t.call({ method: 'GET', url: `${base}/servers?not-tags-any=red`, as: 'demo', headers: h });
    expect(notFound.json().servers.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await t.call({ method: 'DELETE', url, as: 'demo', headers: h })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url, as: 'demo', headers: h })).json().tags).toEqual([]);
  });

  it('shows console output and hands out a console URL that answers', async () => {
    const out = await action(t, 'demo', id, { 'os-getConsoleOutput': { length: 3 } });
    expect(out.statusCode).toBe(200);
    expect(out.json().output.split('\n').filter(Boolean).length).toBeLessThanOrEqual(3);
    const bad = await action(t, 'demo', id, { 'os-getConsoleOutput': { length: 'x' } });
    expect(bad.statusCode).toBe(400);
    const vnc = await action(t, 'demo', id, { 'os-getVNCConsole': { type: 'novnc' } });
    expect(vnc.statusCode).toBe(200);
    const url = new URL(vnc.json().console.url);
    expect(vnc.json().console.type).toBe('novnc');
    const page = await t.call({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Console of extras');
    const forged = await t.call({ method: 'GET', url: `${url.pathname}?path=%3Ftoken%3Dforged` });
    expect(forged.statusCode).toBe(401);
    const spice = await action(t, 'demo', id, { 'os-getSPICEConsole': { type: 'spice-html5' } });
    expect(spice.statusCode).toBe(400);
    const rc = await t.call({
      method: 'POST',
      url: `${base}/servers/${id}/remote-consoles`,
      as: 'demo',
      headers: mv('2.6'),
      payload: { remote_console: { protocol: 'vnc', type: 'novnc' } },
    });
    expect(rc.json().remote_console).toMatchObject({ protocol: 'vnc', type: 'novnc' });
  });

  it('snapshots a server into an image that goes saving → active', async () => {
    const res = await action(
      t,
      'demo',
      id,
      { createImage: { name: 'snap1', metadata: { purpose: 'test' } } },
      mv('2.45'),
    );
    expect(res.statusCode).toBe(202);
    const imageId = res.json().image_id;
    const img = (await t.call({ method: 'GET', url: `/image/v2/images/${imageId}`, as: 'demo' })).json();
    expect(img).toMatchObject({
      name: 'snap1',
      status: 'active',
      image_type: 'snapshot',
      instance_uuid: id,
      purpose: 'test',
    });
    expect((await show(t, 'demo', id)).status).toBe('ACTIVE');
    const legacy = await action(t, 'demo', id, { createImage: { name: 'snap2' } });
    expect(legacy.headers.location).toMatch(/\/images\/[0-9a-f-]{36}$/);
  });

  it('marks the snapshot image killed when the driver fails', async () => {
    fake(t).failNext('snapshot', { message: 'disk busy' });
    const res = await action(t, 'demo', id, { createImage: { name: 'snapfail' } }, mv('2.45'));
    const img = (await t.call({ method: 'GET', url: `/image/v2/images/${res.json().image_id}`, as: 'demo' })).json();
    expect(img.status).toBe('killed');
    const s = await show(t, 'demo', id);
    expect(s.status).toBe('ACTIVE');
    expect(s['OS-EXT-STS:task_state']).toBeNull();
  });

  it('rescues, resizes (confirm and revert) and rebuilds', async () => {
    const vm = await boot(t, 'demo', { name: 'ops', imageRef: image, flavorRef: '42' });
    const rescue = await action(t, 'demo', vm, { rescue: {} });
    expect(rescue.json().adminPass).toBeTruthy();
    expect((await show(t, 'demo', vm)).status).toBe('RESCUE');
    await action(t, 'demo', vm, { unrescue: null });
    expect((await show(t, 'demo', vm)).status).toBe('ACTIVE');
    const same = await action(t, 'demo', vm, { resize: { flavorRef: '42' } });
    expect(same.json().badRequest.message).toBe('When resizing, instances must change flavor!');
    await action(t, 'demo', vm, { resize: { flavorRef: '84' } });
    let s = await show(t, 'demo', vm);
    expect(s.status).toBe('VERIFY_RESIZE');
    expect(s.flavor.id).toBe('84');
    await action(t, 'demo', vm, { revertResize: null });
    s = await show(t, 'demo', vm);
    expect(s.status).toBe('ACTIVE');
    expect(s.flavor.id).toBe('42');
    await action(t, 'demo', vm, { resize: { flavorRef: '84' } });
    expect((await action(t, 'demo', vm, { confirmResize: null })).statusCode).toBe(204);
    s = await show(t, 'demo', vm);
    expect(s.status).toBe('ACTIVE');
    expect(s.flavor.id).toBe('84');
    const notResized = await action(t, 'demo', vm, { confirmResize: null });
    expect(notResized.statusCode).toBe(400);
    const rebuild = await action(t, 'demo', vm, { rebuild: { imageRef: image, name: 'rebuilt' } });
    expect(rebuild.statusCode).toBe(202);
    expect(rebuild.json().server.adminPass).toBeTruthy();
    s = await show(t, 'demo', vm);
    expect(s).toMatchObject({ name: 'rebuilt', status: 'ACTIVE' });
  });

  it('keeps server groups; anti-affinity admits one member on the one host', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/os-server-groups`,
      as: 'demo',
      payload: { server_group: { name: 'apart', policies: ['anti-affinity'] } },
    });
    expect(res.statusCode).toBe(200);
    const group = res.json().server_group;
    expect(group).toMatchObject({ name: 'apart', policies: ['anti-affinity'], members: [], metadata: {} });
    const hint = { 'os:scheduler_hints': { group: group.id } };
    const one = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: { server: { name: 'g1', imageRef: image, flavorRef: '42' }, ...hint },
    });
    const two = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      payload: { server: { name: 'g2', imageRef: image, flavorRef: '42' }, ...hint },
    });
    await t.cloud.tasks.idle();
    expect((await show(t, 'demo', one.json().server.id)).status).toBe('ACTIVE');
    const second = await show(t, 'demo', two.json().server.id);
    expect(second.status).toBe('ERROR');
    expect(second.fault.message).toBe('No valid host was found. There are not enough hosts available.');
    const shown = await t.call({ method: 'GET', url: `${base}/os-server-groups/${group.id}`, as: 'demo' });
    expect(shown.json().server_group.members).toHaveLength(2);
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-server-groups/${group.id}`, as: 'alt_demo' })).statusCode,
    ).toBe(404);
    const badPolicy = await t.call({
      method: 'POST',
      url: `${base}/os-server-groups`,
      as: 'demo',
      payload: { server_group: { name: 'x', policies: ['nearby'] } },
    });
    expect(badPolicy.statusCode).toBe(400);
    expect(
      (await t.call({ method: 'DELETE', url: `${base}/os-server-groups/${group.id}`, as: 'demo' })).statusCode,
    ).toBe(204);
  });
});
