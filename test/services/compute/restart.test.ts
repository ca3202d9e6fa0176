import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createCloud } from '../../../src/cloud.js';
import { makeConfig } from '../../../src/config.js';
import type { FakeComputeDriver } from '../../../src/drivers/compute/fake.js';
import { computeDriver } from '../../../src/services/compute/driver.js';
import { passwordAuthByName } from '../../helpers.js';

describe('compute: a restart keeps servers and brings their guests back', () => {
  it('restores guests in their power states and keeps flavors, key pairs and servers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-restart-'));
    const config = makeConfig({
      dataDir,
      database: join(dataDir, 'pocketstack.db'),
      passwordHashCost: 8,
      logLevel: 'silent',
      drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
    });
    const open = async () => {
      const cloud = await createCloud(config, { logger: pino({ level: 'silent' }) });
      const tok = await cloud.app.inject({
        method: 'POST',
        url: '/identity/v3/auth/tokens',
        payload: passwordAuthByName('demo'),
      });
      const token = tok.headers['x-subject-token'] as string;
      const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
        cloud.app.inject({
          method,
          url: url.startsWith('/image') ? url : `/compute/v2.1${url}`,
          headers: { 'x-auth-token': token },
          payload,
        });
      return { cloud, call };
    };
    try {
      const a = await open();
      const image = (await a.call('GET', '/image/v2/images')).json().images[0].id;
      await a.call('POST', '/os-keypairs', { keypair: { name: 'kept' } });
      const up = (await a.call('POST', '/servers', { server: { name: 'up', imageRef: image, flavorRef: '42' } })).json()
        .server.id;
      const down = (
        await a.call('POST', '/servers', { server: { name: 'down', imageRef: image, flavorRef: '42' } })
      ).json().server.id;
      await a.cloud.tasks.idle();
      await a.call('POST', `/servers/${down}/action`, { 'os-stop': null });
      await a.cloud.tasks.idle();
      await a.cloud.close();

      const b = await open();
      const fake = computeDriver(b.cloud) as FakeComputeDriver;
      expect(fake.has(up)).toBe(true);
      expect(await fake.powerState(down)).toBe(4);
      expect((await b.call('GET', `/servers/${up}`)).json().server.status).toBe('ACTIVE');
      expect((await b.call('GET', `/servers/${down}`)).json().server.status).toBe('SHUTOFF');
      expect((await b.call('GET', '/os-keypairs/kept')).statusCode).toBe(200);
      expect((await b.call('POST', `/servers/${down}/action`, { 'os-start': null })).statusCode).toBe(202);
      await b.cloud.tasks.idle();
      expect((await b.call('GET', `/servers/${down}`)).json().server.status).toBe('ACTIVE');
      await b.cloud.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
