import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageProperties, registerInProcess } from '../../src/images/register.js';
import { DEFAULT_IMAGE_NAME } from '../../src/services/image/bootstrap.js';
import { blankQcow2 } from '../../src/services/image/disk.js';
import { type TestCloud, testCloud } from '../helpers.js';

describe('registering a built image in-process', () => {
  let t: TestCloud;
  let dir: string;
  beforeAll(async () => {
    t = await testCloud();
    dir = mkdtempSync(join(tmpdir(), 'pocketstack-register-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async (name: string) => {
    const res = await t.call({ method: 'GET', url: `/image/v2/images?name=${name}`, as: 'admin' });
    return res.json().images as Record<string, unknown>[];
  };

  it('replaces the blank default image under its name, with the qemu properties', async () => {
    const [blank] = await list(DEFAULT_IMAGE_NAME);
    expect(blank.description).toMatch(/^pocketstack default image: a blank/);
    const file = join(dir, 'tiny.qcow2');
    writeFileSync(file, blankQcow2(33 * 2 ** 20));
    const id = await registerInProcess(t.cloud, {
      name: DEFAULT_IMAGE_NAME,
      file,
      properties: imageProperties('tiny', 'k1', { os_distro: 'cirros' }),
    });
    const images = await list(DEFAULT_IMAGE_NAME);
    expect(images.map((i) => i.id)).toEqual([id]);
    expect(images[0]).toMatchObject({
      status: 'active',
      visibility: 'public',
      virtual_size: 33 * 2 ** 20,
      hw_disk_bus: 'virtio',
      hw_vif_model: 'virtio',
      pocketstack_image: 'tiny-k1',
    });
  });

  it('leaves a same-named image it did not make', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/image/v2/images',
      as: 'admin',
      payload: { name: 'mine', disk_format: 'qcow2', container_format: 'bare' },
    });
    const file = join(dir, 'other.qcow2');
    writeFileSync(file, blankQcow2(2 ** 20));
    const id = await registerInProcess(t.cloud, { name: 'mine', file, properties: imageProperties('tiny', 'k2') });
    expect((await list('mine')).map((i) => i.id).sort()).toEqual([id, res.json().id].sort());
  });
});
