import { describe, expect, it } from 'vitest';
import type { FakeVolumeDriver } from '../../../src/drivers/volume/fake.js';
import { volumeDriver } from '../../../src/drivers/volume/index.js';
import { create, upload } from '../image/util.js';
import { volumeSuite } from './helpers.js';

const v33 = { 'openstack-api-version': 'volume 3.3' };
const v35 = { 'openstack-api-version': 'volume 3.5' };

describe('volume: user messages (3.3)', () => {
  const my = volumeSuite();
  const driver = () => volumeDriver(my.t.cloud.config) as FakeVolumeDriver;

  it('tells the project why a create or an extend failed; others and older microversions see nothing', async () => {
    driver().failNext('create');
    const failed = await my.demo.volume();
    expect(failed.status).toBe('error');
    const list = await my.demo.call('GET', '/messages', undefined, v33);
    expect(list.statusCode).toBe(200);
    const [m] = list.json().messages;
    expect(m).toMatchObject({
      event_id: 'VOLUME_VOLUME_001_001',
      user_message: 'schedule allocate volume:An unknown error occurred.',
      message_level: 'ERROR',
      resource_type: 'VOLUME',
      resource_uuid: failed.id,
    });
    expect(m.request_id).toMatch(/^req-/);
    expect(Date.parse(m.guaranteed_until) - Date.parse(m.created_at)).toBe(30 * 24 * 3600 * 1000);
    expect((await my.demo.call('GET', `/messages/${m.id}`, undefined, v33)).json().message.id).toBe(m.id);

    const v = await my.demo.volume();
    driver().failNext('extend');
    await my.demo.call('POST', `/volumes/${v.id}/action`, { 'os-extend': { new_size: 2 } });
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', v.id)).status).toBe('error_extending');
    const mine = await my.demo.call('GET', `/messages?resource_uuid=${v.id}`, undefined, v35);
    expect(mine.json().messages.map((x: any) => x.user_message)).toEqual([
      'extend volume:Volume Driver failed to extend volume.',
    ]);
    const sortedAsc = await my.demo.call('GET', '/messages?sort=created_at:asc&limit=1', undefined, v35);
    expect(sortedAsc.json().messages.map((x: any) => x.resource_uuid)).toEqual([failed.id]);
    expect(sortedAsc.json().messages_links).toHaveLength(1);

    const w = await my.demo.volume();
    driver().failNext('exportImage');
    const up = await my.demo.call('POST', `/volumes/${w.id}/action`, {
      'os-volume_upload_image': { image_name: 'x', disk_format: 'raw' },
    });
    expect(up.statusCode).toBe(202);
    await my.t.cloud.tasks.idle();
    expect((await my.demo.show('volumes', w.id)).status).toBe('available');
    const about = await my.demo.call('GET', '/messages?event_id=VOLUME_VOLUME_003_004', undefined, v35);
    expect(about.json().messages.map((x: any) => [x.resource_uuid, x.user_message])).toEqual([
      [w.id, 'copy volume to image:Failed to upload volume to image at backend.'],
    ]);

    const img = await create(my.t, 'demo', { disk_format: 'raw' });
    await upload(my.t, 'demo', img.id, Buffer.alloc(4096, 1));
    driver().failNext('importImage');
    const fromImage = await my.demo.volume({ imageRef: img.id });
    expect(fromImage.status).toBe('error');
    const copy = await my.demo.call('GET', `/messages?resource_uuid=${fromImage.id}`, undefined, v35);
    expect(copy.json().messages.map((x: any) => [x.event_id, x.user_message])).toEqual([
      ['VOLUME_VOLUME_005_001', 'copy image to volume:An unknown error occurred.'],
    ]);

    // other projects, older microversions, missing ids
    expect((await my.alt.call('GET', '/messages', undefined, v33)).json().messages).toEqual([]);
    expect((await my.alt.call('GET', `/messages/${m.id}`, undefined, v33)).statusCode).toBe(404);
    expect((await my.alt.call('DELETE', `/messages/${m.id}`, undefined, v33)).statusCode).toBe(404);
    expect((await my.demo.call('GET', '/messages')).statusCode).toBe(404);
    expect((await my.demo.call('GET', '/messages?sort=bogus', undefined, v35)).statusCode).toBe(400);
    const missing = await my.demo.call('GET', '/messages/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', undefined, v33);
    expect(missing.json().itemNotFound.message).toBe(
      'Message 5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a could not be found.',
    );
    // admins see every project's
    expect((await my.admin.call('GET', `/messages/${m.id}`, undefined, v33)).statusCode).toBe(200);

    expect((await my.demo.call('DELETE', `/messages/${m.id}`, undefined, v33)).statusCode).toBe(204);
    expect((await my.demo.call('GET', `/messages/${m.id}`, undefined, v33)).statusCode).toBe(404);
  });
});
