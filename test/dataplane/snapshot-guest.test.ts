import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageProperties, registerOverHttp } from '../../src/images/register.js';
import { buildTiny } from '../../src/images/tiny/build.js';
import { DataplaneCloud, until } from './harness.js';

// A whole-cloud snapshot with the real drivers: a tiny guest runs on the
// linux network under qemu; `pocketstack snapshot save` takes the cloud while
// it serves; the cloud is then removed from the host, the snapshot loaded
// into another data dir and started there. The guest boots again from the
// loaded disks (qemu's paths point into the new data dir), takes the same
// address from the rebuilt network's DHCP, and answers its console. No
// timings are asserted.

const NOVA = '/compute/v2.1';
const MV = { 'openstack-api-version': 'compute 2.79' };
/** How many times the guest said it was ready (once a boot). */
const boots = (log: string) => (log.match(/tiny: ready in/g) ?? []).length;

describe.runIf(process.getuid?.() === 0)('a snapshot of a cloud with a real guest', { timeout: 600_000 }, () => {
  const a = new DataplaneCloud();
  const b = new DataplaneCloud();
  const work = mkdtempSync(join(tmpdir(), 'pocketstack-snap-guest-'));
  const file = join(work, 'cloud.snapshot');
  let id: string;
  let ip: string;

  const server = async (c: DataplaneCloud) => (await c.call('GET', `${NOVA}/servers/${id}`, undefined, MV)).server;
  const active = (c: DataplaneCloud) =>
    until(
      'ACTIVE',
      () => server(c),
      (s) => (s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null) || s.status === 'ERROR',
    ).then((s) => {
      expect(s.status, JSON.stringify(s.fault)).toBe('ACTIVE');
      return s;
    });
  const consoleLog = async (c: DataplaneCloud) =>
    (await c.call('POST', `${NOVA}/servers/${id}/action`, { 'os-getConsoleOutput': {} })).output as string;
  const qemuPid = (c: DataplaneCloud) => {
    const pidFile = join(c.dataDir, 'instances', id, 'qemu.pid');
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  };

  beforeAll(async () => {
    const tiny = await buildTiny();
    await a.start();
    const image = await registerOverHttp(a.dataDir, {
      name: 'tiny-snap',
      file: tiny.path,
      properties: imageProperties('tiny', tiny.key),
    });
    const network = (await a.neutron('POST', 'networks', { network: { name: 'private' } })).network.id;
    await a.neutron('POST', 'subnets', {
      subnet: { network_id: network, cidr: '10.78.0.0/24', ip_version: 4, name: 'private-subnet' },
    });
    const port = (await a.neutron('POST', 'ports', { port: { network_id: network, port_security_enabled: false } }))
      .port.id;
    await a.settled();
    id = (
      await a.call(
        'POST',
        `${NOVA}/servers`,
        { server: { name: 'snap1', imageRef: image, flavorRef: 'c1', networks: [{ port }] } },
        MV,
      )
    ).server.id;
    ip = (await active(a)).addresses.private[0].addr;
    await until(
      'tiny ready',
      () => consoleLog(a),
      (l) => boots(l) > 0,
    );
  }, 900_000);

  afterAll(async () => {
    await b.deleteServer(id);
    await b.cleanup();
    await a.cleanup();
    rmSync(work, { recursive: true, force: true });
  }, 180_000);

  it('saves the cloud while its guest runs', async () => {
    const out = await a.cli(['snapshot', 'save', file], 300_000);
    expect(out).toMatch(/1 server/);
    expect(qemuPid(a)).toBeDefined();
  });

  it('loads it elsewhere: the guest boots from the loaded disks and takes its address again', async () => {
    // the first cloud leaves the host whole (its guest, namespaces, public veth): the second takes its floating range
    await a.cleanup();
    b.floatingRange = a.floatingRange;
    await b.cli(['snapshot', 'load', file], 300_000);
    const consoleFile = join(b.dataDir, 'instances', id, 'console.log');
    const before = existsSync(consoleFile) ? boots(readFileSync(consoleFile, 'latin1')) : 0;
    await b.start();
    const s = await active(b);
    expect(s.addresses.private[0].addr).toBe(ip);
    const pid = qemuPid(b);
    expect(pid).toBeDefined();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    expect(cmdline).toContain(b.dataDir);
    expect(cmdline).not.toContain(a.dataDir);
    const log = await until(
      'booted in the loaded cloud',
      () => consoleLog(b),
      (l) => boots(l) > before,
    );
    expect(log).toContain(`tiny: network eth0 ${ip}/`);
    expect(log).toContain(`tiny: instance-id ${id}`);
  });
});
