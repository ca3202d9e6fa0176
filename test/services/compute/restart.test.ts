import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
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

describe('compute: a build cut by a crash is finished after the restart', () => {
  // A kill -9 mid-build leaves the instance BUILDING at the step it had reached
  // (networking: ports made; spawning: ports made, guest maybe half made) with
  // its compute.build task still queued: the restarted task rolls back what
  // the cut run did and builds again, rather than leaving the server BUILD forever.
  for (const cutAt of ['networking', 'spawning']) {
    it(`at ${cutAt}: the server turns ACTIVE with one port, not two`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-restart-build-'));
      const database = join(dataDir, 'pocketstack.db');
      const config = makeConfig({
        dataDir,
        database,
        passwordHashCost: 8,
        logLevel: 'silent',
        drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
      });
      const open = async () => {
        const cloud = await createCloud(config, { logger: pino({ level: 'silent' }) });
        const tok = await cloud.app.inject({
          method: 'POST',
          url: '/identity/v3/auth/tokens',
          payload: {
            auth: {
              identity: {
                methods: ['password'],
                password: { user: { name: 'demo', domain: { id: 'default' }, password: 'secret' } },
              },
              scope: { project: { name: 'demo', domain: { id: 'default' } } },
            },
          },
        });
        const headers = { 'x-auth-token': tok.headers['x-subject-token'] as string };
        const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
          cloud.app.inject({ method, url, headers, payload });
        return { cloud, call };
      };
      try {
        const a = await open();
        const image = (await a.call('GET', '/image/v2/images')).json().images[0].id;
        const net = (await a.call('POST', '/networking/v2.0/networks', { network: { name: 'n' } })).json().network.id;
        await a.call('POST', '/networking/v2.0/subnets', {
          subnet: { network_id: net, cidr: '10.9.0.0/24', ip_version: 4 },
        });
        const id = (
          await a.call('POST', '/compute/v2.1/servers', {
            server: { name: 'cut', imageRef: image, flavorRef: '42', networks: [{ uuid: net }] },
          })
        ).json().server.id;
        await a.cloud.tasks.idle();
        await a.cloud.close();

        // what the crash left: the instance back at the step, its ports made, the task still queued
        const raw = new SQLite(database);
        const at = new Date().toISOString();
        raw
          .prepare(
            "UPDATE nova_instances SET vm_state = 'building', task_state = ?, power_state = 0, launched_at = NULL WHERE uuid = ?",
          )
          .run(cutAt, id);
        raw
          .prepare(
            "INSERT INTO tasks (kind, resource_id, payload, attempts, run_after, created_at) VALUES ('compute.build', ?, '{}', 0, ?, ?)",
          )
          .run(id, at, at);
        raw.close();

        const b = await open();
        await b.cloud.tasks.idle();
        const server = (await b.call('GET', `/compute/v2.1/servers/${id}`)).json().server;
        expect(server.status).toBe('ACTIVE');
        expect((computeDriver(b.cloud) as FakeComputeDriver).has(id)).toBe(true);
        const ports = (await b.call('GET', `/networking/v2.0/ports?device_id=${id}`)).json().ports;
        expect(ports).toHaveLength(1);
        const ifaces = (await b.call('GET', `/compute/v2.1/servers/${id}/os-interface`)).json().interfaceAttachments;
        expect(ifaces.map((p: { port_id: string }) => p.port_id)).toEqual([ports[0].id]);
        await b.cloud.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
