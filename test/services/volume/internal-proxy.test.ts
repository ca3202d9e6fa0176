import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/server/auth.js';
import * as volumes from '../../../src/services/volume/internal.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { type VolumeClient, volumeClient } from './helpers.js';

// What Nova's volume proxy (os-volumes, os-snapshots) asks of the volume service.

describe("volume: internal API for Nova's volume proxy", () => {
  let t: TestCloud;
  let demo: VolumeClient;
  let alt: VolumeClient;
  const as = (projectId: string, roles = ['member', 'reader']) =>
    ({ projectId, userId: 'u', roles, isAdmin: false }) as unknown as AuthContext;
  beforeAll(async () => {
    t = await testCloud();
    demo = await volumeClient(t, 'demo');
    alt = await volumeClient(t, 'alt_demo');
  });
  afterAll(() => t.close());

  it("lists a project's volumes oldest first, with what the proxy shows, and not another project's", async () => {
    const first = await demo.volume({ name: 'one', description: 'd1', metadata: { k: 'v' } });
    const second = await demo.volume({ name: 'two' });
    const other = await alt.volume();
    const listed = await volumes.listVolumes(t.cloud, demo.project);
    const ids = listed.map((v) => v.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(ids).not.toContain(other.id);
    expect(listed.find((v) => v.id === first.id)).toMatchObject({
      name: 'one',
      description: 'd1',
      metadata: { k: 'v' },
      volumeType: first.volume_type,
      snapshotId: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // one being deleted is no longer listed
    expect((await demo.call('DELETE', `/volumes/${second.id}`)).statusCode).toBe(202);
    expect((await volumes.listVolumes(t.cloud, demo.project)).map((v) => v.id)).not.toContain(second.id);
  });

  it('creates, shows, lists and deletes snapshots as the token, within its project', async () => {
    const v = await demo.volume();
    const made = await volumes.createSnapshot(t.cloud, {
      auth: as(demo.project),
      volumeId: v.id,
      force: false,
      name: 's',
      description: 'snap',
    });
    expect(made).toMatchObject({ volumeId: v.id, status: 'creating', size: v.size, name: 's', description: 'snap' });
    await t.cloud.tasks.idle();
    expect((await volumes.getSnapshot(t.cloud, made.id, demo.project))?.status).toBe('available');
    expect(await volumes.getSnapshot(t.cloud, made.id, alt.project)).toBeUndefined();
    expect((await volumes.listSnapshots(t.cloud, demo.project)).map((s) => s.id)).toContain(made.id);
    expect((await volumes.listSnapshots(t.cloud, alt.project)).map((s) => s.id)).not.toContain(made.id);
    // another project's volume and snapshot are missing to the token; a reader may not write
    await expect(
      volumes.createSnapshot(t.cloud, { auth: as(alt.project), volumeId: v.id, force: false }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(volumes.deleteSnapshot(t.cloud, made.id, as(alt.project))).rejects.toMatchObject({ status: 404 });
    await expect(volumes.deleteSnapshot(t.cloud, made.id, as(demo.project, ['reader']))).rejects.toMatchObject({
      status: 403,
    });
    await volumes.deleteSnapshot(t.cloud, made.id, as(demo.project));
    expect((await volumes.listSnapshots(t.cloud, demo.project)).map((s) => s.id)).not.toContain(made.id);
    await t.cloud.tasks.idle();
    expect(await volumes.getSnapshot(t.cloud, made.id)).toBeUndefined();
  });

  it('refuses to snapshot an in-use volume without force, as Cinder before 3.66', async () => {
    const v = await demo.volume();
    const a = await volumes.reserveVolume(t.cloud, {
      volumeId: v.id,
      serverId: '6a0f9a34-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    });
    await volumes.attachVolume(t.cloud, { attachmentId: a.attachmentId });
    await expect(
      volumes.createSnapshot(t.cloud, { auth: as(demo.project), volumeId: v.id, force: false }),
    ).rejects.toMatchObject({ status: 400 });
    const forced = await volumes.createSnapshot(t.cloud, { auth: as(demo.project), volumeId: v.id, force: true });
    expect(forced.status).toBe('creating');
    await t.cloud.tasks.idle();
  });
});
