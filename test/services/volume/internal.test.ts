import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/server/auth.js';
import * as volumes from '../../../src/services/volume/internal.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { type VolumeClient, volumeClient } from './helpers.js';

const SERVER = '6a0f9a34-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const OTHER = '7b1e8b45-2c3d-4e5f-9a01-b2c3d4e5f6a7';

describe('volume: internal API for compute', () => {
  let t: TestCloud;
  let demo: VolumeClient;
  beforeAll(async () => {
    t = await testCloud();
    demo = await volumeClient(t, 'demo');
  });
  afterAll(() => t.close());

  it('reserves, attaches at /dev/vdb then /dev/vdc, and detaches', async () => {
    const v1 = await demo.volume();
    const v2 = await demo.volume();
    const a1 = await volumes.reserveVolume(t.cloud, { volumeId: v1.id, serverId: SERVER, projectId: demo.project });
    expect((await demo.show('volumes', v1.id)).status).toBe('reserved');
    expect((await volumes.attachVolume(t.cloud, { attachmentId: a1.attachmentId })).device).toBe('/dev/vdb');
    const a2 = await volumes.reserveVolume(t.cloud, { volumeId: v2.id, serverId: SERVER });
    expect((await volumes.attachVolume(t.cloud, { attachmentId: a2.attachmentId })).device).toBe('/dev/vdc');
    const shown = await demo.show('volumes', v1.id);
    expect(shown.status).toBe('in-use');
    expect(shown.attachments).toEqual([
      expect.objectContaining({
        server_id: SERVER,
        device: '/dev/vdb',
        attachment_id: a1.attachmentId,
        volume_id: v1.id,
      }),
    ]);
    // a non-multiattach volume in use cannot be reserved for another server
    await expect(volumes.reserveVolume(t.cloud, { volumeId: v1.id, serverId: OTHER })).rejects.toMatchObject({
      status: 400,
    });
    // nor deleted
    expect((await demo.call('DELETE', `/volumes/${v1.id}`)).statusCode).toBe(400);
    expect(await volumes.findAttachment(t.cloud, v1.id, SERVER)).toBe(a1.attachmentId);
    await volumes.detachVolume(t.cloud, { attachmentId: a1.attachmentId });
    expect((await demo.show('volumes', v1.id)).status).toBe('available');
    expect((await demo.show('volumes', v1.id)).attachments).toEqual([]);
  });

  it('refuses another project and missing volumes with 404, unreserves', async () => {
    const v = await demo.volume();
    await expect(
      volumes.reserveVolume(t.cloud, { volumeId: v.id, serverId: SERVER, projectId: 'other' }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(volumes.attachVolume(t.cloud, { attachmentId: 'nope' })).rejects.toMatchObject({ status: 404 });
    expect(await volumes.getVolume(t.cloud, v.id, 'other')).toBeUndefined();
    const a = await volumes.reserveVolume(t.cloud, { volumeId: v.id, serverId: SERVER });
    await volumes.unreserveVolume(t.cloud, a.attachmentId);
    expect((await volumes.getVolume(t.cloud, v.id))?.status).toBe('available');
  });

  it('attaches a multiattach volume to two servers', async () => {
    const admin = await volumeClient(t, 'admin');
    await admin.call('POST', '/types', { volume_type: { name: 'multi', extra_specs: { multiattach: '<is> True' } } });
    const v = await demo.volume({ volume_type: 'multi' });
    for (const server of [SERVER, OTHER]) {
      const a = await volumes.reserveVolume(t.cloud, { volumeId: v.id, serverId: server });
      await volumes.attachVolume(t.cloud, { attachmentId: a.attachmentId });
    }
    const shown = await demo.show('volumes', v.id);
    expect(shown.status).toBe('in-use');
    expect(shown.attachments.map((a: any) => a.server_id).sort()).toEqual([SERVER, OTHER].sort());
    const first = await volumes.findAttachment(t.cloud, v.id, SERVER);
    await volumes.detachVolume(t.cloud, { attachmentId: first! });
    expect((await demo.show('volumes', v.id)).status).toBe('in-use');
  });

  it('creates a boot volume, attaches it as /dev/vda and deletes it on termination', async () => {
    const admin = await volumeClient(t, 'admin');
    const users = await t.cloud.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'demo')
      .executeTakeFirstOrThrow();
    const created = await volumes.createVolume(t.cloud, {
      projectId: demo.project,
      userId: users.id as string,
      size: 1,
      name: 'boot',
    });
    expect(created.status).toBe('creating');
    const ready = await volumes.waitForVolume(t.cloud, created.id);
    expect(ready.status).toBe('available');
    const a = await volumes.reserveVolume(t.cloud, { volumeId: ready.id, serverId: SERVER });
    expect((await volumes.attachVolume(t.cloud, { attachmentId: a.attachmentId, root: true })).device).toBe('/dev/vda');
    expect(volumes.volumePath(t.cloud, ready.id).format).toBe('raw');
    await volumes.detachVolume(t.cloud, { attachmentId: a.attachmentId });
    await volumes.deleteVolume(t.cloud, ready.id);
    await t.cloud.tasks.idle();
    expect(await volumes.getVolume(t.cloud, ready.id)).toBeUndefined();
    expect((await admin.call('GET', `/volumes/${ready.id}`)).statusCode).toBe(404);
  });

  it("acts with a user's token (Heat): its roles and project decide", async () => {
    const as = (projectId: string, roles: string[]) =>
      ({ projectId, userId: 'u', roles, isAdmin: false }) as unknown as AuthContext;
    const reader = volumes.createVolume(t.cloud, { auth: as(demo.project, ['reader']), size: 1 });
    await expect(reader).rejects.toMatchObject({ status: 403 });
    const made = await volumes.createVolume(t.cloud, {
      auth: as(demo.project, ['member', 'reader']),
      size: 1,
      description: 'from a stack',
      metadata: { stack: 's1' },
    });
    const ready = await volumes.waitForVolume(t.cloud, made.id);
    expect(await demo.show('volumes', ready.id)).toMatchObject({
      status: 'available',
      description: 'from a stack',
      metadata: { stack: 's1' },
    });
    const alt = await volumeClient(t, 'alt_demo');
    const other = volumes.deleteVolume(t.cloud, ready.id, as(alt.project, ['member', 'reader']));
    await expect(other).rejects.toMatchObject({ status: 404 });
    await volumes.deleteVolume(t.cloud, ready.id, as(demo.project, ['member', 'reader']));
    await t.cloud.tasks.idle();
    expect(await volumes.getVolume(t.cloud, ready.id)).toBeUndefined();
    // a volume already gone is no error
    await volumes.deleteVolume(t.cloud, ready.id, as(demo.project, ['member', 'reader']));
  });
});

describe('volume: from an image, as compute sees it', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('is downloading while the image is copied, may be reserved then, and ends available and bootable', async () => {
    const { FakeVolumeDriver } = await import('../../../src/drivers/volume/fake.js');
    const { volumeDriver } = await import('../../../src/drivers/volume/index.js');
    const { create, upload } = await import('../image/util.js');
    const demo = await volumeClient(t, 'demo');
    const img = await create(t, 'demo', { disk_format: 'raw' });
    await upload(t, 'demo', img.id, Buffer.alloc(4096, 1));
    const driver = volumeDriver(t.cloud.config) as InstanceType<typeof FakeVolumeDriver>;
    const release = driver.hold('importImage');
    const res = await demo.call('POST', '/volumes', { volume: { size: 1, imageRef: img.id } });
    const id = res.json().volume.id;
    for (let i = 0; i < 100 && (await demo.show('volumes', id)).status !== 'downloading'; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect((await demo.show('volumes', id)).status).toBe('downloading');
    const a = await volumes.reserveVolume(t.cloud, { volumeId: id, serverId: SERVER });
    release();
    await t.cloud.tasks.idle();
    // the reservation made during the download stands; the volume is bootable
    expect(await demo.show('volumes', id)).toMatchObject({ status: 'reserved', bootable: 'true' });
    await volumes.attachVolume(t.cloud, { attachmentId: a.attachmentId, root: true });
    expect((await demo.show('volumes', id)).status).toBe('in-use');
  });
});
