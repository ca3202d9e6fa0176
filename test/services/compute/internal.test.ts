import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/server/auth.js';
import { ApiError } from '../../../src/server/errors.js';
import * as nova from '../../../src/services/compute/internal.js';
import { validateToken } from '../../../src/services/identity/tokens.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, cirros, fake } from './util.js';

// Nova in-process, as Heat calls it: the API's validation, policy and views
// without HTTP, errors as the API's ApiErrors.
describe('compute: internal API', () => {
  let t: TestCloud;
  let demo: AuthContext;
  let alt: AuthContext;
  let admin: AuthContext;
  const status = async (e: Promise<unknown>) => {
    const err = await e.then(
      () => undefined,
      (x) => x,
    );
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).status;
  };
  beforeAll(async () => {
    t = await testCloud();
    const ctx = async (user: string) => (await validateToken(t.cloud, await t.token(user)))!;
    [demo, alt, admin] = [await ctx('demo'), await ctx('alt_demo'), await ctx('admin')];
  });
  afterAll(() => t.close());

  it('creates a server the HTTP API then shows, reads its state cheaply, acts on it and deletes it', async () => {
    const created = await nova.createServer(t.cloud, demo, {
      name: 'in',
      imageRef: await cirros(t),
      flavorRef: '42',
      networks: 'none',
    });
    expect(created.adminPass).toEqual(expect.any(String));
    await t.cloud.tasks.idle();
    expect(await nova.serverState(t.cloud, demo, created.id)).toEqual({ status: 'ACTIVE', taskState: null });
    const shown = await t.call({ method: 'GET', url: `${base}/servers/${created.id}`, as: 'demo' });
    expect(shown.json().server.name).toBe('in');
    expect((await nova.getServer(t.cloud, demo, created.id)).flavor.original_name).toBe('m1.nano');

    await nova.updateServer(t.cloud, demo, created.id, { name: 'renamed' });
    expect(await nova.setServerMetadata(t.cloud, demo, created.id, { a: '1' })).toEqual({ a: '1' });
    await nova.serverAction(t.cloud, demo, created.id, { suspend: null });
    await t.cloud.tasks.idle();
    expect((await nova.serverState(t.cloud, demo, created.id)).status).toBe('SUSPENDED');
    // the state table holds: a suspended server cannot be suspended again
    expect(await status(nova.serverAction(t.cloud, demo, created.id, { suspend: null }))).toBe(409);
    expect(await status(nova.serverAction(t.cloud, demo, created.id, { nope: null }))).toBe(400);
    // an inherited property of the action table is no action either
    expect(await status(nova.serverAction(t.cloud, demo, created.id, { constructor: null }))).toBe(400);

    // another project: not found, read or write; an admin reaches it
    expect(await status(nova.serverState(t.cloud, alt, created.id))).toBe(404);
    expect(await status(nova.deleteServer(t.cloud, alt, created.id))).toBe(404);
    expect((await nova.getServer(t.cloud, admin, created.id)).name).toBe('renamed');

    await nova.deleteServer(t.cloud, demo, created.id);
    await t.cloud.tasks.idle();
    expect(await status(nova.serverState(t.cloud, demo, created.id))).toBe(404);
  });

  it('reports a failed build with its fault', async () => {
    fake(t).failNext('spawn', { message: 'no room' });
    const { id } = await nova.createServer(t.cloud, demo, {
      name: 'bad',
      imageRef: await cirros(t),
      flavorRef: '42',
      networks: 'none',
    });
    await t.cloud.tasks.idle();
    const s = await nova.serverState(t.cloud, demo, id);
    expect(s.status).toBe('ERROR');
    expect(s.fault?.message).toMatch(/no room|Exceeded maximum number of retries/);
  });

  it('validates bodies as the API does', async () => {
    expect(await status(nova.createServer(t.cloud, demo, { name: 'x', flavorRef: '42', bogus: 1 }))).toBe(400);
    expect(await status(nova.createKeypair(t.cloud, demo, { name: 'bad name!' }))).toBe(400);
  });

  it('keeps key pairs per user and flavors to admins, and finds flavors by name', async () => {
    const kp = await nova.createKeypair(t.cloud, demo, { name: 'k' });
    expect(kp.private_key).toMatch(/PRIVATE KEY/);
    expect((await nova.getKeypair(t.cloud, demo, 'k')).fingerprint).toBe(kp.fingerprint);
    expect(await status(nova.getKeypair(t.cloud, alt, 'k'))).toBe(404);
    await nova.deleteKeypair(t.cloud, demo, 'k');
    expect(await status(nova.getKeypair(t.cloud, demo, 'k'))).toBe(404);

    expect(await status(nova.createFlavor(t.cloud, demo, { name: 'f', ram: 64, vcpus: 1, disk: 1 }))).toBe(403);
    const f = await nova.createFlavor(t.cloud, admin, {
      name: 'private-f',
      ram: 64,
      vcpus: 1,
      disk: 1,
      'os-flavor-access:is_public': false,
    });
    expect(await nova.findFlavor(t.cloud, demo, 'private-f')).toBeUndefined();
    await nova.flavorAccess(t.cloud, admin, f.id, 'addTenantAccess', demo.projectId!);
    expect((await nova.findFlavor(t.cloud, demo, 'private-f'))?.id).toBe(f.id);
    expect((await nova.findFlavor(t.cloud, demo, 'd3'))?.name).toBe('ds2G');
    await nova.setFlavorExtraSpecs(t.cloud, admin, f.id, { 'hw:cpu_policy': 'shared' });
    expect(await nova.flavorExtraSpecs(t.cloud, demo, f.id)).toEqual({ 'hw:cpu_policy': 'shared' });
    await nova.deleteFlavor(t.cloud, admin, f.id);
    expect(await status(nova.getFlavor(t.cloud, admin, f.id))).toBe(404);
  });

  it('makes server groups in the microversion asked for', async () => {
    const g = await nova.createServerGroup(t.cloud, demo, { name: 'g', policy: 'anti-affinity' }, '2.64');
    expect((await nova.getServerGroup(t.cloud, demo, g.id)).policy).toBe('anti-affinity');
    expect(await status(nova.getServerGroup(t.cloud, alt, g.id))).toBe(404);
    expect(await status(nova.createServerGroup(t.cloud, demo, { name: 'g', policies: ['affinity'] }, '2.64'))).toBe(
      400,
    );
    await nova.deleteServerGroup(t.cloud, demo, g.id);
    expect(await status(nova.getServerGroup(t.cloud, demo, g.id))).toBe(404);
  });
});
