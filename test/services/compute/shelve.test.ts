import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, boot, cirros, fake, mv, show } from './util.js';

describe('compute: shelve, backups and migrations on one host', () => {
  let t: TestCloud;
  let image: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
  });
  afterAll(() => t.close());

  const images = async (name: string) =>
    (await t.call({ method: 'GET', url: `/image/v2/images?name=${name}`, as: 'demo' })).json().images;

  it('shelves into an image and offloads, then unshelves and drops the image', async () => {
    const id = await boot(t, 'demo', { name: 'shelf', imageRef: image, flavorRef: '42' });
    expect((await action(t, 'demo', id, { shelve: null })).statusCode).toBe(202);
    const s = await show(t, 'demo', id);
    expect(s.status).toBe('SHELVED_OFFLOADED');
    expect(fake(t).has(id)).toBe(false);
    const kept = await images('shelf-shelved');
    expect(kept).toHaveLength(1);
    expect(kept[0].status).toBe('active');
    expect((await action(t, 'demo', id, { shelve: null })).statusCode).toBe(409);
    expect((await action(t, 'demo', id, { unshelve: null })).statusCode).toBe(202);
    expect((await show(t, 'demo', id)).status).toBe('ACTIVE');
    expect(fake(t).has(id)).toBe(true);
    expect(await images('shelf-shelved')).toEqual([]);
    expect((await action(t, 'demo', id, { unshelve: null })).statusCode).toBe(409);
  });

  it('makes backups and keeps only `rotation` of them', async () => {
    const id = await boot(t, 'demo', { name: 'bk', imageRef: image, flavorRef: '42' });
    for (const name of ['b1', 'b2', 'b3']) {
      const res = await action(
        t,
        'demo',
        id,
        { createBackup: { name, backup_type: 'daily', rotation: 2 } },
        mv('2.45'),
      );
      expect(res.statusCode).toBe(202);
      expect(res.json().image_id).toBeTruthy();
    }
    const list = (await t.call({ method: 'GET', url: '/image/v2/images', as: 'demo' })).json().images;
    const names = list
      .filter((i: { image_type?: string }) => i.image_type === 'backup')
      .map((i: { name: string }) => i.name);
    expect(names.sort()).toEqual(['b2', 'b3']);
    const bad = await action(t, 'demo', id, { createBackup: { name: 'x', backup_type: 'daily', rotation: -1 } });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses migrations: admins only, and there is no other host', async () => {
    const id = await boot(t, 'demo', { name: 'stay', imageRef: image, flavorRef: '42' });
    expect((await action(t, 'demo', id, { migrate: null })).statusCode).toBe(403);
    const cold = await action(t, 'admin', id, { migrate: null });
    expect(cold.statusCode).toBe(400);
    expect(cold.json().badRequest.message).toMatch(/^No valid host was found/);
    const live = await action(t, 'admin', id, { 'os-migrateLive': { host: 'elsewhere', block_migration: 'auto' } });
    expect(live.statusCode).toBe(400);
    await action(t, 'demo', id, { suspend: null });
    const suspended = await action(t, 'admin', id, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
    expect(suspended.statusCode).toBe(409);
  });
});
