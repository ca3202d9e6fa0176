import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageProperties, registerOverHttp } from '../../src/images/register.js';
import { buildTiny } from '../../src/images/tiny/build.js';
import { DataplaneCloud, until } from './harness.js';

// The tiny image on the whole data plane: `pocketstack start` with the
// linux network driver picks the qemu driver by itself; a guest boots the
// tiny whole-disk image with its own boot loader, takes its address by
// DHCP from the network's dnsmasq and says so on its console. The
// cloud is then killed and started again: the guest's qemu is re-adopted, not
// restarted, and its death is still seen. No timings are asserted.

const NOVA = '/compute/v2.1';
const MV = { 'openstack-api-version': 'compute 2.79' };
describe.runIf(process.getuid?.() === 0)(
  'the tiny image on the linux network (qemu, TCG)',
  { timeout: 600_000 },
  () => {
    const cloud = new DataplaneCloud();
    let image: string;
    let network: string;
    let id: string;

    const server = async () => (await cloud.call('GET', `${NOVA}/servers/${id}`, undefined, MV)).server;
    const settled = (status: string) =>
      until(
        status,
        server,
        (s) => (s.status === status && s['OS-EXT-STS:task_state'] === null) || s.status === 'ERROR',
      ).then((s) => {
        expect(s.status, JSON.stringify(s.fault)).toBe(status);
        return s;
      });
    const consoleLog = async () =>
      (await cloud.call('POST', `${NOVA}/servers/${id}/action`, { 'os-getConsoleOutput': {} })).output as string;
    const qemuPid = async () =>
      Number((await readFile(join(cloud.dataDir, 'instances', id, 'qemu.pid'), 'utf8')).trim());

    beforeAll(async () => {
      const tiny = await buildTiny();
      await cloud.start();
      image = await registerOverHttp(cloud.dataDir, {
        name: 'tiny-test',
        file: tiny.path,
        properties: imageProperties('tiny', tiny.key),
      });
      network = (await cloud.neutron('POST', 'networks', { network: { name: 'private' } })).network.id;
      await cloud.neutron('POST', 'subnets', {
        subnet: { network_id: network, cidr: '10.77.0.0/24', ip_version: 4, name: 'private-subnet' },
      });
      await cloud.settled();
    }, 900_000);

    afterAll(async () => {
      await cloud.deleteServer(id);
      await cloud.cleanup();
    }, 180_000);

    it('chose the qemu driver by itself and says which accelerator', async () => {
      const status = await cloud.cli(['status']);
      expect(status).toMatch(/compute\s+qemu with (KVM|TCG)/);
    });

    it('boots tiny: DHCP address, the metadata service (a property, user data) through the proxy', async () => {
      // the guest's port is unfiltered: security groups are the sg tests' subject, DHCP and metadata this one's
      const port = (
        await cloud.neutron('POST', 'ports', { port: { network_id: network, port_security_enabled: false } })
      ).port.id;
      await cloud.settled();
      const userData = Buffer.from('#!/bin/sh\necho "user-data ran: $((6 * 7))"\n').toString('base64');
      id = (
        await cloud.call(
          'POST',
          `${NOVA}/servers`,
          {
            server: {
              name: 'tiny1',
              imageRef: image,
              flavorRef: 'c1',
              networks: [{ port }],
              metadata: { db_ip: '10.1.2.3' },
              user_data: userData,
            },
          },
          MV,
        )
      ).server.id;
      const s = await settled('ACTIVE');
      const ip = s.addresses.private[0].addr as string;
      const log = await until('tiny ready', consoleLog, (l) => /tiny: ready in/.test(l));
      expect(log).toContain(`tiny: network eth0 ${ip}/`);
      expect(log).toContain('tiny: datasource metadata service');
      expect(log).toContain(`tiny: instance-id ${id}`);
      expect(log).toContain('tiny: meta db_ip=10.1.2.3');
      expect(log).toContain('user-data ran: 42');
    });

    it('re-adopts the running guest after pocketstack is killed and started again, and still sees it die', async () => {
      const pid = await qemuPid();
      await cloud.stop('SIGKILL');
      await cloud.start();
      const s = await settled('ACTIVE');
      expect(s['OS-EXT-STS:power_state']).toBe(1);
      expect(await qemuPid()).toBe(pid);
      expect((await readFile(`/proc/${pid}/cmdline`, 'latin1')).split('\0')).toContain(id);
      process.kill(pid, 'SIGKILL');
      await settled('SHUTOFF');
      await cloud.call('POST', `${NOVA}/servers/${id}/action`, { 'os-start': null });
      await settled('ACTIVE');
      await until('booted again', consoleLog, (l) => (l.match(/tiny: ready in/g) ?? []).length >= 2);
    });
  },
);
