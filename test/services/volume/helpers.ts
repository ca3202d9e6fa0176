import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';

/** The volume API of one seeded user: URLs under /volume/v3/{their project}. */
export interface VolumeClient {
  project: string;
  call(
    method: string,
    path: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Creates a volume and waits until the task runner settled it. */
  volume(body?: Record<string, unknown>): Promise<any>;
  snapshot(volumeId: string, body?: Record<string, unknown>): Promise<any>;
  show(kind: 'volumes' | 'snapshots' | 'backups', id: string): Promise<any>;
}

export async function projectId(t: TestCloud, name: string): Promise<string> {
  const row = await t.cloud.db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id as string;
}

export async function volumeClient(t: TestCloud, user = 'admin', projectName?: string): Promise<VolumeClient> {
  const proj = projectName ?? (user === 'alt_demo' ? 'alt_demo' : user === 'demo' ? 'demo' : 'admin');
  const project = await projectId(t, proj);
  const as = `${user}:${proj}`;
  const call = (method: string, path: string, payload?: unknown, headers?: Record<string, string>) =>
    t.call({ method: method as any, url: `/volume/v3/${project}${path}`, as, payload: payload as any, headers });
  const c: VolumeClient = {
    project,
    call,
    async volume(body = {}) {
      const sized = body.source_volid || body.snapshot_id || body.backup_id ? {} : { size: 1 };
      const res = await call('POST', '/volumes', { volume: { ...sized, ...body } });
      if (res.statusCode !== 202) throw new Error(`create volume: ${res.statusCode} ${res.body}`);
      await t.cloud.tasks.idle();
      return c.show('volumes', res.json().volume.id);
    },
    async snapshot(volumeId, body = {}) {
      const res = await call('POST', '/snapshots', { snapshot: { volume_id: volumeId, ...body } });
      if (res.statusCode !== 202) throw new Error(`create snapshot: ${res.statusCode} ${res.body}`);
      await t.cloud.tasks.idle();
      return c.show('snapshots', res.json().snapshot.id);
    },
    async show(kind, id) {
      const res = await call('GET', `/${kind}/${id}`);
      if (res.statusCode !== 200) throw new Error(`show ${kind}: ${res.statusCode} ${res.body}`);
      return Object.values(res.json())[0];
    },
  };
  return c;
}

/** Test cloud overrides for the real file driver (sparse raw files through qemu-img). */
export const FILE_DRIVER = { drivers: { compute: 'fake', network: 'fake', volume: 'file' } } as const;

/** The cloud and the volume clients of a describe block. */
export interface VolumeSuite {
  t: TestCloud;
  admin: VolumeClient;
  demo: VolumeClient;
  alt: VolumeClient;
}

/**
 * A test cloud (fake drivers unless overridden) with the volume clients of
 * admin, demo and alt_demo, made before the block's tests and closed after.
 */
export function volumeSuite(overrides: Parameters<typeof testCloud>[0] = {}): VolumeSuite {
  const my = {} as VolumeSuite;
  beforeAll(async () => {
    my.t = await testCloud(overrides);
    my.admin = await volumeClient(my.t, 'admin');
    my.demo = await volumeClient(my.t, 'demo');
    my.alt = await volumeClient(my.t, 'alt_demo');
  });
  afterAll(() => my.t.close());
  return my;
}
