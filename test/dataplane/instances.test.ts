import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { listen } from '../../src/cloud.js';
import { PowerState } from '../../src/drivers/compute/driver.js';
import { linkExists } from '../../src/host/links.js';
import { bridgeNamespace, hostTag, tapName } from '../../src/host/names.js';
import { ownedNamespaces, removeNamespace } from '../../src/host/netns.js';
import { computeDriver } from '../../src/services/compute/driver.js';
import { type TestCloud, testCloud } from '../helpers.js';
import { until } from './harness.js';
import { testGuest } from './test-guest.js';

// Real instances under TCG through Nova's API: a guest booted by the qemu
// driver from Glance images (an AMI: kernel_id, ramdisk_id, os_command_line)
// with a config drive, every action checked both in the API and in the
// guest's own console, and nothing left on the host afterwards. No timings
// are asserted; every wait is bounded.

const NOVA = '/compute/v2.1';
const MV = { 'openstack-api-version': 'compute 2.79' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestCloud;
let dataDir: string;
let tag: string;
let flavorId: string;
let imageId: string;
let networkId: string;
let projectId: string;
const servers: string[] = [];

async function api(method: string, url: string, payload?: unknown) {
  const res = await t.call({ method: method as 'GET', url, as: 'admin', headers: MV, payload: payload as object });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}

async function server(id: string) {
  return (await api('GET', `${NOVA}/servers/${id}`)).server;
}

const settled = (id: string, status: string) =>
  until(
    `${id} ${status}`,
    () => server(id),
    (s) => (s.status === status && s['OS-EXT-STS:task_state'] === null) || s.status === 'ERROR',
  ).then((s) => {
    expect(s.status, JSON.stringify(s.fault)).toBe(status);
    return s;
  });

async function consoleLog(id: string, length?: number): Promise<string> {
  const res = await api('POST', `${NOVA}/servers/${id}/action`, {
    'os-getConsoleOutput': length === undefined ? {} : { length },
  });
  return res.output as string;
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, 'gm')) ?? []).length;

/** Waits until the console shows `re` at least `n` times. */
const seen = (id: string, re: RegExp, n = 1) =>
  until(
    `${re} x${n} on ${id}'s console`,
    () => consoleLog(id),
    (log) => count(log, re) >= n,
  );

async function upload(name: string, file: string, disk_format: string, properties: Record<string, string> = {}) {
  const container_format = ['aki', 'ari', 'ami'].includes(disk_format) ? disk_format : 'bare';
  const img = await api('POST', '/image/v2/images', { name, disk_format, container_format, ...properties });
  const res = await t.call({
    method: 'PUT',
    url: `/image/v2/images/${img.id}/file`,
    as: 'admin',
    headers: { 'content-type': 'application/octet-stream' },
    payload: readFileSync(file),
  });
  expect(res.statusCode, res.body).toBe(204);
  return img.id as string;
}

async function boot(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api('POST', `${NOVA}/servers`, {
    server: { name, imageRef: imageId, flavorRef: flavorId, networks: [{ uuid: networkId }], ...extra },
  });
  servers.push(res.server.id);
  return res.server.id;
}

async function qemuPid(id: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'instances', id, 'qemu.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!pid) return undefined;
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  return cmd.split('\0').includes(id) ? pid : undefined;
}

/** Every qemu whose command line names this cloud's data dir. */
async function qemusOfCloud(): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'latin1').catch(() => '');
    if (cmd.startsWith('qemu-system') && cmd.includes(dataDir)) out.push(Number(d));
  }
  return out;
}

// TCG boots on a shared 2-core machine are slow: generous bounds, no timing asserts
describe.runIf(process.getuid?.() === 0)('real instances (qemu, TCG)', { timeout: 400_000 }, () => {
  beforeAll(async () => {
    const guest = await testGuest();
    t = await testCloud({
      port: 0,
      drivers: { compute: 'qemu', network: 'fake', volume: 'file' },
      shutdownTimeoutMs: 30_000,
    });
    dataDir = t.cloud.config.dataDir;
    tag = hostTag(dataDir);
    await listen(t.cloud);
    const kernel = await upload('test-kernel', guest.kernel, 'aki');
    const ramdisk = await upload('test-ramdisk', guest.initrd, 'ari');
    imageId = await upload('test-guest', guest.disk, 'raw', {
      kernel_id: kernel,
      ramdisk_id: ramdisk,
      os_command_line: 'console=ttyS0 quiet',
    });
    flavorId = (await api('POST', `${NOVA}/flavors`, { flavor: { name: 'guest', ram: 256, vcpus: 1, disk: 1 } })).flavor
      .id;
    networkId = (await api('POST', '/networking/v2.0/networks', { network: { name: 'guests' } })).network.id;
    await api('POST', '/networking/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.99.0.0/24', ip_version: 4 },
    });
    projectId = (await api('GET', '/identity/v3/auth/projects')).projects.find(
      (p: { name: string }) => p.name === 'admin',
    ).id;
  }, 900_000);

  afterAll(async () => {
    try {
      for (const id of servers) await t.call({ method: 'DELETE', url: `${NOVA}/servers/${id}`, as: 'admin' });
      await Promise.race([t.cloud.tasks.idle(), sleep(60_000)]);
    } finally {
      // whatever the test left, nothing of this cloud stays on the host
      for (const pid of await qemusOfCloud()) process.kill(pid, 'SIGKILL');
      for (const ns of await ownedNamespaces(tag)) await removeNamespace(ns);
      await t?.close();
    }
  }, 180_000);

  let web: string;

  it('boots an AMI with a config drive: the guest prints what the drive says, on a tap of the network bridge', async () => {
    web = await boot('web', { config_drive: true, metadata: { db_ip: '10.9.8.7' } });
    const s = await settled(web, 'ACTIVE');
    expect(s['OS-EXT-STS:power_state']).toBe(PowerState.RUNNING);
    const log = await seen(web, /test-guest: config drive: .*"db_ip": ?"10\.9\.8\.7"/);
    expect(log).toContain('test-guest: booted');
    expect(await qemuPid(web)).toBeDefined();
    const ports = (await api('GET', `/networking/v2.0/ports?device_id=${web}`)).ports;
    expect(ports).toHaveLength(1);
    expect(await linkExists(bridgeNamespace(tag), tapName(ports[0].id))).toBe(true);
    // tailing by lines, as Nova
    const tail = await consoleLog(web, 2);
    expect(tail.split('\n').length).toBeLessThanOrEqual(2);
  });

  it('says which accelerator runs in the hypervisor view', async () => {
    const h = (await api('GET', `${NOVA}/os-hypervisors/detail`)).hypervisors[0];
    expect(h.hypervisor_type).toBe('QEMU');
    expect(['kvm', 'tcg']).toContain(h.cpu_info.accelerator);
    expect(h.vcpus).toBeGreaterThan(0);
    expect(computeDriver(t.cloud).describe?.()).toMatch(/^qemu with (KVM|TCG)/);
  });

  it('gives a noVNC page and a websocket that reaches the guest VNC server', async () => {
    const rc = await api('POST', `${NOVA}/servers/${web}/remote-consoles`, {
      remote_console: { protocol: 'vnc', type: 'novnc' },
    });
    // the URL names the host the request came to (inject's): the same path on the real listener
    const given = new URL(rc.remote_console.url);
    const url = new URL(`${given.pathname}${given.search}`, t.cloud.baseUrl);
    const page = await fetch(url).then((r) => r.text());
    expect(page).toContain('./novnc/core/rfb.js');
    const rfb = await fetch(new URL('novnc/core/rfb.js', url)).then((r) => ({ status: r.status, text: r.text() }));
    expect(rfb.status).toBe(200);
    // noVNC's `path`: the websocket's, from the host's root
    const wsUrl = new URL(`/${url.searchParams.get('path')}`, url);
    expect(wsUrl.pathname).toBe('/compute/console/websockify');
    wsUrl.protocol = 'ws:';
    const banner = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, ['binary']);
      ws.once('message', (d: Buffer) => {
        resolve(d.toString('latin1'));
        ws.close();
      });
      ws.once('error', reject);
    });
    expect(banner).toMatch(/^RFB 003\.00\d/);
    const bad = new URL(wsUrl);
    bad.searchParams.set('token', 'nope');
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(bad);
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
    ).rejects.toThrow(/401/);
  });

  it('stops (qemu gone) and starts again (a second boot)', async () => {
    await api('POST', `${NOVA}/servers/${web}/action`, { 'os-stop': null });
    await settled(web, 'SHUTOFF');
    expect(await qemuPid(web)).toBeUndefined();
    await api('POST', `${NOVA}/servers/${web}/action`, { 'os-start': null });
    await settled(web, 'ACTIVE');
    await seen(web, /^test-guest: booted/, 2);
  });

  it('reboots soft (the guest powers off by its power button) and hard', async () => {
    await api('POST', `${NOVA}/servers/${web}/action`, { reboot: { type: 'SOFT' } });
    await settled(web, 'ACTIVE');
    const log = await seen(web, /^test-guest: booted/, 3);
    expect(log).toContain('test-guest: power button');
    await api('POST', `${NOVA}/servers/${web}/action`, { reboot: { type: 'HARD' } });
    await settled(web, 'ACTIVE');
    await seen(web, /^test-guest: booted/, 4);
  });

  it('pauses, suspends (memory to disk, no qemu) and comes back', async () => {
    await api('POST', `${NOVA}/servers/${web}/action`, { pause: null });
    await settled(web, 'PAUSED');
    await api('POST', `${NOVA}/servers/${web}/action`, { unpause: null });
    await settled(web, 'ACTIVE');
    await api('POST', `${NOVA}/servers/${web}/action`, { suspend: null });
    await settled(web, 'SUSPENDED');
    expect(await qemuPid(web)).toBeUndefined();
    await api('POST', `${NOVA}/servers/${web}/action`, { resume: null });
    const s = await settled(web, 'ACTIVE');
    expect(s['OS-EXT-STS:power_state']).toBe(PowerState.RUNNING);
    // resumed, not rebooted: the guest keeps its loop (no new boot)
    expect(count(await consoleLog(web), /^test-guest: booted/)).toBe(4);
  });

  it('hotplugs a volume the guest sees as vdb, and unplugs it', async () => {
    const vol = (await api('POST', `/volume/v3/${projectId}/volumes`, { volume: { size: 1, name: 'data' } })).volume;
    await until(
      'volume available',
      () => api('GET', `/volume/v3/${projectId}/volumes/${vol.id}`),
      (v) => v.volume.status === 'available',
    );
    await api('POST', `${NOVA}/servers/${web}/os-volume_attachments`, { volumeAttachment: { volumeId: vol.id } });
    await until(
      'volume in-use',
      () => api('GET', `/volume/v3/${projectId}/volumes/${vol.id}`),
      (v) => v.volume.status === 'in-use',
    );
    // the listing also has the config drive's sr0
    await seen(web, /^test-guest: block devices: .*\bvdb\b/);
    const without = /^test-guest: block devices: (?!.*vdb).*\bvda\b.*$/;
    const before = count(await consoleLog(web), without);
    await api('DELETE', `${NOVA}/servers/${web}/os-volume_attachments/${vol.id}`);
    await until(
      'volume available again',
      () => api('GET', `/volume/v3/${projectId}/volumes/${vol.id}`),
      (v) => v.volume.status === 'available',
    );
    await seen(web, without, before + 1);
    await api('DELETE', `/volume/v3/${projectId}/volumes/${vol.id}`);
  });

  it('snapshots the disk into an image that boots', async () => {
    const res = await api('POST', `${NOVA}/servers/${web}/action`, { createImage: { name: 'web-snap' } });
    const snap = res.image_id as string;
    await until(
      'snapshot active',
      () => api('GET', `/image/v2/images/${snap}`),
      (i) => ['active', 'killed'].includes(i.status),
    );
    const img = await api('GET', `/image/v2/images/${snap}`);
    expect(img.status).toBe('active');
    expect(img.disk_format).toBe('qcow2');
    expect(img.kernel_id).toBeDefined();
    await settled(web, 'ACTIVE');
    const copy = await boot('from-snapshot', { imageRef: snap });
    await settled(copy, 'ACTIVE');
    await seen(copy, /^test-guest: booted/);
    await api('DELETE', `${NOVA}/servers/${copy}`);
    await until(
      'snapshot server gone',
      () => t.call({ method: 'GET', url: `${NOVA}/servers/${copy}`, as: 'admin' }),
      (r) => r.statusCode === 404,
    );
  });

  it('hotplugs an interface (a tap on the bridge) and unplugs it', async () => {
    const net2 = (await api('POST', '/networking/v2.0/networks', { network: { name: 'second' } })).network.id;
    await api('POST', '/networking/v2.0/subnets', {
      subnet: { network_id: net2, cidr: '10.98.0.0/24', ip_version: 4 },
    });
    const att = (await api('POST', `${NOVA}/servers/${web}/os-interface`, { interfaceAttachment: { net_id: net2 } }))
      .interfaceAttachment;
    expect(await linkExists(bridgeNamespace(tag), tapName(att.port_id))).toBe(true);
    const cmd = await readFile(`/proc/${await qemuPid(web)}/cmdline`, 'latin1');
    expect(cmd).not.toContain(att.mac_addr); // hotplugged over QMP, not on the command line
    await api('DELETE', `${NOVA}/servers/${web}/os-interface/${att.port_id}`);
    await until(
      'tap gone',
      () => linkExists(bridgeNamespace(tag), tapName(att.port_id)),
      (x) => !x,
      90_000,
    );
  });

  it('rescues (the rescue disk first, a new boot) and unrescues', async () => {
    const boots = count(await consoleLog(web), /^test-guest: booted/);
    await api('POST', `${NOVA}/servers/${web}/action`, { rescue: {} });
    await settled(web, 'RESCUE');
    const cmd = (await readFile(`/proc/${await qemuPid(web)}/cmdline`, 'latin1')).split('\0');
    expect(cmd.some((a) => a.includes('disk.rescue'))).toBe(true);
    await seen(web, /^test-guest: booted/, boots + 1);
    await api('POST', `${NOVA}/servers/${web}/action`, { unrescue: null });
    await settled(web, 'ACTIVE');
    const after = (await readFile(`/proc/${await qemuPid(web)}/cmdline`, 'latin1')).split('\0');
    expect(after.some((a) => a.includes('disk.rescue'))).toBe(false);
  });

  it("resizes: the guest runs again with the new flavor's memory", async () => {
    const bigger = (await api('POST', `${NOVA}/flavors`, { flavor: { name: 'guest2', ram: 384, vcpus: 1, disk: 2 } }))
      .flavor.id;
    await api('POST', `${NOVA}/servers/${web}/action`, { resize: { flavorRef: bigger } });
    await settled(web, 'VERIFY_RESIZE');
    const cmd = (await readFile(`/proc/${await qemuPid(web)}/cmdline`, 'latin1')).split('\0');
    expect(cmd[cmd.indexOf('-m') + 1]).toBe('384');
    await api('POST', `${NOVA}/servers/${web}/action`, { confirmResize: null });
    await settled(web, 'ACTIVE');
  });

  it('sees a killed qemu within seconds: SHUTOFF, with a stop action as Nova power sync records', async () => {
    const pid = await qemuPid(web);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await settled(web, 'SHUTOFF');
    const actions = (await api('GET', `${NOVA}/servers/${web}/os-instance-actions`)).instanceActions;
    const stop = actions.find((a: { action: string }) => a.action === 'stop');
    expect(stop).toBeDefined();
    const detail = (await api('GET', `${NOVA}/servers/${web}/os-instance-actions/${stop.request_id}`)).instanceAction;
    expect(detail.events.map((e: { event: string }) => e.event)).toContain('compute_stop_instance');
  });

  it('refuses a flavor this host cannot hold with NoValidHost', async () => {
    await api('PUT', `${NOVA}/os-quota-sets/${projectId}`, { quota_set: { ram: -1 } });
    const big = (
      await api('POST', `${NOVA}/flavors`, { flavor: { name: 'huge', ram: 64 * 1024 * 1024, vcpus: 1, disk: 1 } })
    ).flavor.id;
    const id = await boot('too-big', { flavorRef: big });
    const s = await until(
      'ERROR',
      () => server(id),
      (x) => x.status === 'ERROR' || x.status === 'ACTIVE',
    );
    expect(s.status).toBe('ERROR');
    expect(s.fault.message).toMatch(/No valid host was found/);
  });

  it('deletes: no qemu, tap, overlay, socket or base image left', async () => {
    const ports = (await api('GET', `/networking/v2.0/ports?device_id=${web}`)).ports;
    for (const id of [...servers]) await t.call({ method: 'DELETE', url: `${NOVA}/servers/${id}`, as: 'admin' });
    for (const id of servers)
      await until(
        `${id} deleted`,
        () => t.call({ method: 'GET', url: `${NOVA}/servers/${id}`, as: 'admin' }),
        (r) => r.statusCode === 404,
      );
    expect(await qemusOfCloud()).toEqual([]);
    expect(await linkExists(bridgeNamespace(tag), tapName(ports[0].id))).toBe(false);
    expect((await readdir(join(dataDir, 'instances'))).filter((d) => d !== '_base')).toEqual([]);
    expect(await readdir(join(dataDir, 'instances', '_base'))).toEqual([]);
  });
});
