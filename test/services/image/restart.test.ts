import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../../../src/cloud.js';
import { makeConfig } from '../../../src/config.js';
import { passwordAuthByName } from '../../helpers.js';

describe('image: across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-image-restart-'));
  const config = makeConfig({
    dataDir,
    database: join(dataDir, 'pocketstack.db'),
    passwordHashCost: 8,
    logLevel: 'silent',
    drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
  });
  const open = () => createCloud(config, { logger: pino({ level: 'silent' }) });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function token(cloud: Cloud, user = 'demo') {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName(user),
    });
    return res.headers['x-subject-token'] as string;
  }

  it('keeps images, their metadata and data, puts an upload cut short by the stop back to queued, seeds the default image once', async () => {
    let cloud = await open();
    let tok = await token(cloud);
    const call = (c: Cloud, opts: any) => c.app.inject({ ...opts, headers: { 'x-auth-token': tok, ...opts.headers } });
    const kept = (
      await call(cloud, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { disk_format: 'raw', container_format: 'bare', tags: ['keep'], os_distro: 'debian' },
      })
    ).json();
    await call(cloud, {
      method: 'PUT',
      url: `/image/v2/images/${kept.id}/file`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'kept bytes',
    });
    const cut = (
      await call(cloud, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { disk_format: 'raw', container_format: 'bare' },
      })
    ).json();
    // what a stop in the middle of an upload leaves: the image saving, a partial file
    await cloud.db.updateTable('images').set({ status: 'saving' }).where('id', '=', cut.id).execute();
    writeFileSync(join(dataDir, 'images', `${cut.id}.upload.part`), 'half');
    await cloud.close();

    cloud = await open();
    tok = await token(cloud);
    const back = await call(cloud, { method: 'GET', url: `/image/v2/images/${kept.id}/file` });
    expect(back.body).toBe('kept bytes');
    const shown = (await call(cloud, { method: 'GET', url: `/image/v2/images/${kept.id}` })).json();
    expect(shown).toMatchObject({
      status: 'active',
      size: 10,
      checksum: createHash('md5').update('kept bytes').digest('hex'),
      tags: ['keep'],
      os_distro: 'debian',
    });
    expect((await call(cloud, { method: 'GET', url: `/image/v2/images/${cut.id}` })).json().status).toBe('queued');
    expect(readdirSync(join(dataDir, 'images')).filter((f) => f.endsWith('.part'))).toEqual([]);
    // the default image is made once; deleted, it stays deleted
    const defaults = (
      await call(cloud, { method: 'GET', url: '/image/v2/images?name=cirros-0.6.2-x86_64-disk' })
    ).json();
    expect(defaults.images).toHaveLength(1);
    expect(existsSync(join(dataDir, 'images', defaults.images[0].id))).toBe(true);
    const admin = await token(cloud, 'admin');
    const del = await cloud.app.inject({
      method: 'DELETE',
      url: `/image/v2/images/${defaults.images[0].id}`,
      headers: { 'x-auth-token': admin },
    });
    expect(del.statusCode).toBe(204);
    await cloud.close();
    cloud = await open();
    tok = await token(cloud);
    const after = (await call(cloud, { method: 'GET', url: '/image/v2/images?name=cirros-0.6.2-x86_64-disk' })).json();
    expect(after.images).toHaveLength(0);
    await cloud.close();
  });
});
