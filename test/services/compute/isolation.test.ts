import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, boot, cirros, show } from './util.js';

// Every sub-resource of a server: another project's token and a missing
// server both get Nova's itemNotFound, never the data.
const READS = [
  'metadata',
  'metadata/a',
  'tags',
  'os-instance-actions',
  'ips',
  'os-interface',
  'os-volume_attachments',
  'os-server-password',
  'os-security-groups',
];

describe('compute: isolation of every server sub-resource', () => {
  let t: TestCloud;
  let id: string;
  beforeAll(async () => {
    t = await testCloud();
    id = await boot(t, 'demo', { name: 'private', imageRef: await cirros(t), flavorRef: '42', metadata: { a: '1' } });
  });
  afterAll(() => t.close());

  it('answers 404 to another project and for a missing server', async () => {
    const headers = { 'openstack-api-version': 'compute 2.26' };
    for (const sub of READS) {
      const mine = await t.call({ method: 'GET', url: `${base}/servers/${id}/${sub}`, as: 'demo', headers });
      expect(mine.statusCode, sub).toBe(200);
      const theirs = await t.call({ method: 'GET', url: `${base}/servers/${id}/${sub}`, as: 'alt_demo', headers });
      expect(theirs.statusCode, sub).toBe(404);
      expect(theirs.json().itemNotFound.message).toBe(`Instance ${id} could not be found.`);
      const missing = await t.call({
        method: 'GET',
        url: `${base}/servers/00000000-0000-0000-0000-000000000000/${sub}`,
        as: 'demo',
        headers,
      });
      expect(missing.statusCode, sub).toBe(404);
    }
  });

  it('refuses changes from another project the same way', async () => {
    const writes: [string, string, object | undefined][] = [
      ['PUT', '', { server: { name: 'taken' } }],
      ['POST', '/action', { 'os-getConsoleOutput': {} }],
      ['POST', '/metadata', { metadata: { b: '2' } }],
      ['DELETE', '/metadata/a', undefined],
      ['POST', '/os-interface', { interfaceAttachment: {} }],
      ['POST', '/os-volume_attachments', { volumeAttachment: { volumeId: '00000000-0000-0000-0000-000000000000' } }],
      ['DELETE', '', undefined],
    ];
    for (const [method, path, payload] of writes) {
      const res = await t.call({
        method: method as 'PUT',
        url: `${base}/servers/${id}${path}`,
        as: 'alt_demo',
        payload,
      });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
    }
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'demo' })).json().server.name).toBe(
      'private',
    );
  });

  it('shows an admin every project with all_tenants, and the owner filter narrows it', async () => {
    const theirs = await boot(t, 'alt_demo', { name: 'theirs', imageRef: await cirros(t), flavorRef: '42' });
    const ids = async (as: string, q = '') =>
      (await t.call({ method: 'GET', url: `${base}/servers/detail${q}`, as }))
        .json()
        .servers.map((s: { id: string }) => s.id);
    expect(await ids('demo')).toEqual([id]);
    expect(await ids('alt_demo')).toEqual([theirs]);
    expect(await ids('admin')).toEqual([]);
    expect((await ids('admin', '?all_tenants=1')).sort()).toEqual([id, theirs].sort());
    const demoProject = (await show(t, 'demo', id)).tenant_id;
    expect(await ids('admin', `?all_tenants=1&tenant_id=${demoProject}`)).toEqual([id]);
    // An admin reaches any server by id, sub-resources included.
    const meta = await t.call({ method: 'GET', url: `${base}/servers/${id}/metadata`, as: 'admin' });
    expect(meta.json().metadata).toEqual({ a: '1' });
    expect((await t.call({ method: 'GET', url: `${base}/servers/detail?all_tenants=1`, as: 'demo' })).statusCode).toBe(
      403,
    );
  });

  it('keeps diagnostics to admins', async () => {
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}/diagnostics`, as: 'demo' })).statusCode).toBe(
      403,
    );
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}/diagnostics`, as: 'admin' })).statusCode).toBe(
      200,
    );
  });
});
