import { describe, expect, it } from 'vitest';
import type { FakeComputeDriver } from '../../../src/drivers/compute/fake.js';
import { computeDriver } from '../../../src/services/compute/driver.js';
import { testCloud } from '../../helpers.js';

describe('compute: a restart keeps servers and brings their guests back', () => {
  it('restores guests in their power states and keeps flavors, key pairs and servers', async () => {
    let t = await testCloud();
    const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.call({ method, url: url.startsWith('/image') ? url : `/compute/v2.1${url}`, as: 'demo', payload });
    try {
      const image = (await call('GET', '/image/v2/images')).json().images[0].id;
      await call('POST', '/os-keypairs', { keypair: { name: 'kept' } });
      const up = (await call('POST', '/servers', { server: { name: 'up', imageRef: image, flavorRef: '42' } })).json()
        .server.id;
      const down = (
        await call('POST', '/servers', { server: { name: 'down', imageRef: image, flavorRef: '42' } })
      ).json().server.id;
      await t.cloud.tasks.idle();
      await call('POST', `/servers/${down}/action`, { 'os-stop': null });
      await t.cloud.tasks.idle();

      t = await t.restart();
      const fake = computeDriver(t.cloud) as FakeComputeDriver;
      expect(fake.has(up)).toBe(true);
      expect(await fake.powerState(down)).toBe(4);
      expect((await call('GET', `/servers/${up}`)).json().server.status).toBe('ACTIVE');
      expect((await call('GET', `/servers/${down}`)).json().server.status).toBe('SHUTOFF');
      expect((await call('GET', '/os-keypairs/kept')).statusCode).toBe(200);
      expect((await call('POST', `/servers/${down}/action`, { 'os-start': null })).statusCode).toBe(202);
      await t.cloud.tasks.idle();
      expect((await call('GET', `/servers/${down}`)).json().server.status).toBe('ACTIVE');
    } finally {
      await t.close();
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
      let t = await testCloud();
      const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
        t.call({ method, url, as: 'demo', payload });
      try {
        const image = (await call('GET', '/image/v2/images')).json().images[0].id;
        const net = (await call('POST', '/networking/v2.0/networks', { network: { name: 'n' } })).json().network.id;
        await call('POST', '/networking/v2.0/subnets', {
          subnet: { network_id: net, cidr: '10.9.0.0/24', ip_version: 4 },
        });
        const id = (
          await call('POST', '/compute/v2.1/servers', {
            server: { name: 'cut', imageRef: image, flavorRef: '42', networks: [{ uuid: net }] },
          })
        ).json().server.id;
        await t.cloud.tasks.idle();
        await t.cloud.tasks.stop();

        // what the crash left: the instance back at the step, its ports made, the task still queued
        const db = t.cloud.db;
        await db
          .updateTable('nova_instances')
          .set({ vm_state: 'building', task_state: cutAt, power_state: 0, launched_at: null })
          .where('uuid', '=', id)
          .execute();
        const at = new Date().toISOString();
        await db
          .insertInto('tasks')
          .values({ kind: 'compute.build', resource_id: id, payload: '{}', attempts: 0, run_after: at, created_at: at })
          .execute();

        t = await t.restart();
        await t.cloud.tasks.idle();
        const server = (await call('GET', `/compute/v2.1/servers/${id}`)).json().server;
        expect(server.status).toBe('ACTIVE');
        expect((computeDriver(t.cloud) as FakeComputeDriver).has(id)).toBe(true);
        const ports = (await call('GET', `/networking/v2.0/ports?device_id=${id}`)).json().ports;
        expect(ports).toHaveLength(1);
        const ifaces = (await call('GET', `/compute/v2.1/servers/${id}/os-interface`)).json().interfaceAttachments;
        expect(ifaces.map((p: { port_id: string }) => p.port_id)).toEqual([ports[0].id]);
      } finally {
        await t.close();
      }
    });
  }
});
