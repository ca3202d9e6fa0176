import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../../src/config.js';
import { chooseComputeDriver } from '../../../src/drivers/compute/index.js';
import { DEFAULT_CMDLINE, qemuArgs } from '../../../src/drivers/compute/qemu/argv.js';
import { readConsole } from '../../../src/drivers/compute/qemu/console-log.js';
import { type GuestRecord, guestFiles } from '../../../src/drivers/compute/qemu/layout.js';

// The qemu driver's pure parts (no root, no qemu): the command line it
// builds, the driver choice, the console log tail.

const uuid = '3f1c2b9a-8d7e-4c6b-9a5f-1e2d3c4b5a69';
const record = (over: Partial<GuestRecord> = {}): GuestRecord => ({
  uuid,
  name: 'instance-0000002a',
  hostname: 'web',
  flavor: { vcpus: 2, memory_mb: 2048, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} },
  image: { image_id: 'a1b2c3d4-0000-4000-8000-000000000001', path: '/d/instances/_base/a1', format: 'qcow2' },
  ports: [
    {
      port_id: 'b7e4c1d2-3f4a-4b5c-8d9e-0f1a2b3c4d5e',
      network_id: 'c0ffee00-1111-4222-8333-444455556666',
      mac_address: 'fa:16:3e:12:34:56',
      fixed_ips: [{ ip_address: '10.0.0.5', subnet_id: 's' }],
    },
  ],
  volumes: [],
  configDrive: false,
  ...over,
});

describe('qemu command line', () => {
  const files = guestFiles('/d', uuid);
  const opt = (args: string[], name: string) => args.filter((_, i) => args[i - 1] === name);

  it('runs the flavor on TCG with a virtio disk, a tap NIC with the port MAC, serial log, QMP and VNC on sockets', () => {
    const a = qemuArgs(record(), files, { accel: 'tcg', root: { path: files.disk, format: 'qcow2' } });
    expect(opt(a, '-accel')).toEqual(['tcg,thread=multi']);
    expect(opt(a, '-m')).toEqual(['2048']);
    expect(opt(a, '-smp')).toEqual(['2']);
    expect(opt(a, '-uuid')).toEqual([uuid]);
    // cloud-init finds the OpenStack datasource by this product name
    expect(opt(a, '-smbios')[0]).toMatch(
      /^type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,.*uuid=3f1c2b9a/,
    );
    expect(a).toContain('-daemonize');
    expect(opt(a, '-vnc')).toEqual([`unix:${files.vnc}`]);
    expect(opt(a, '-qmp')).toEqual([`unix:${files.qmp},server=on,wait=off`]);
    expect(opt(a, '-chardev')[0]).toContain(`path=${files.console}`);
    const disk = opt(a, '-blockdev').map((s) => JSON.parse(s));
    expect(disk[0]).toMatchObject({ driver: 'qcow2', 'node-name': 'root', file: { filename: files.disk } });
    const devices = opt(a, '-device').map((s) => (s.startsWith('{') ? JSON.parse(s) : s));
    expect(devices).toContainEqual({ driver: 'virtio-blk-pci', drive: 'root', id: 'root', bootindex: 1 });
    expect(devices).toContainEqual(
      expect.objectContaining({ driver: 'virtio-net-pci', mac: 'fa:16:3e:12:34:56', netdev: 'net-b7e4c1d2-3f' }),
    );
    expect(JSON.parse(opt(a, '-netdev')[0])).toMatchObject({ type: 'tap', ifname: 'tapb7e4c1d2-3f', script: 'no' });
    // no user-mode networking, ever: the only NICs are taps on our bridges
    expect(opt(a, '-netdev').map((s) => JSON.parse(s).type)).toEqual(['tap']);
    expect(a.filter((x) => x === '-nic' || x === '-net')).toEqual([]);
    expect(a).not.toContain('-kernel');
  });

  it('uses KVM with the host CPU when the probe proved it', () => {
    const a = qemuArgs(record(), files, { accel: 'kvm', root: { path: files.disk, format: 'qcow2' } });
    expect(opt(a, '-accel')).toEqual(['kvm']);
    expect(opt(a, '-cpu')).toEqual(['host']);
  });

  it('boots the kernel and ramdisk of an AMI, with os_command_line or Nova default', () => {
    const kernel = { image_id: 'k', path: '/d/instances/_base/k', format: 'raw' };
    const ramdisk = { image_id: 'r', path: '/d/instances/_base/r', format: 'raw' };
    const a = qemuArgs(record({ kernel, ramdisk }), files, {
      accel: 'tcg',
      root: { path: files.disk, format: 'qcow2' },
    });
    expect(opt(a, '-kernel')).toEqual([kernel.path]);
    expect(opt(a, '-initrd')).toEqual([ramdisk.path]);
    expect(opt(a, '-append')).toEqual([DEFAULT_CMDLINE]);
    const b = qemuArgs(record({ kernel, cmdline: 'console=ttyS0 quiet' }), files, {
      accel: 'tcg',
      root: { path: files.disk, format: 'qcow2' },
    });
    expect(opt(b, '-append')).toEqual(['console=ttyS0 quiet']);
  });

  it('adds ephemeral and swap disks, attached volumes in device order, and the config drive as a CD', () => {
    const r = record({
      flavor: { vcpus: 1, memory_mb: 512, root_gb: 1, ephemeral_gb: 1, swap: 256, extra_specs: {} },
      volumes: [
        { volume_id: 'eeeeeeee-0000-4000-8000-000000000002', device: '/dev/vdc', path: '/v/2' },
        { volume_id: 'eeeeeeee-0000-4000-8000-000000000001', device: '/dev/vdb', path: '/v/1' },
      ],
      configDrive: true,
    });
    const a = qemuArgs(r, files, { accel: 'tcg', root: { path: files.disk, format: 'qcow2' } });
    const nodes = opt(a, '-blockdev').map((s) => JSON.parse(s)['node-name']);
    expect(nodes).toEqual(['root', 'eph0', 'swap', 'vol-eeeeeeee-00', 'vol-eeeeeeee-00', 'config']);
    const files_ = opt(a, '-blockdev').map((s) => JSON.parse(s).file.filename);
    expect(files_.slice(3, 5)).toEqual(['/v/1', '/v/2']);
    expect(opt(a, '-device').map((s) => (s.startsWith('{') ? JSON.parse(s) : {}))).toContainEqual(
      expect.objectContaining({ driver: 'ide-cd', drive: 'config' }),
    );
  });

  it('boots a volume-backed server from its volume file, and a rescued one from the rescue disk first', () => {
    const bfv = qemuArgs(
      record({
        image: undefined,
        volumes: [{ volume_id: 'eeeeeeee-0000-4000-8000-000000000009', device: '/dev/vda', path: '/v/9' }],
      }),
      files,
      { accel: 'tcg', root: { path: '/v/9', format: 'raw' } },
    );
    expect(opt(bfv, '-blockdev').map((s) => JSON.parse(s).file.filename)).toEqual(['/v/9']);
    const rescued = qemuArgs(record({ rescue: { image_id: 'x', path: '/b/x', format: 'qcow2' } }), files, {
      accel: 'tcg',
      root: { path: files.disk, format: 'qcow2' },
    });
    expect(opt(rescued, '-blockdev').map((s) => JSON.parse(s)['node-name'])).toEqual(['rescue', 'root']);
  });

  it('waits for an incoming migration to resume a suspended guest', () => {
    const a = qemuArgs(record(), files, { accel: 'tcg', incoming: true, root: { path: files.disk, format: 'qcow2' } });
    expect(opt(a, '-incoming')).toEqual(['defer']);
  });
});

describe('compute driver choice', () => {
  it('auto picks qemu only with the linux network driver and qemu installed, and says why not', () => {
    const auto = (network: 'fake' | 'linux', hasQemu: boolean) =>
      chooseComputeDriver(makeConfig({ drivers: { compute: 'auto', network, volume: 'file' } }), hasQemu);
    expect(auto('fake', true)).toMatchObject({
      driver: 'fake',
      reason: expect.stringContaining('network driver is fake'),
    });
    expect(auto('linux', false)).toMatchObject({ driver: 'fake', reason: expect.stringContaining('qemu-system-x86') });
    if (process.platform === 'linux' && process.getuid?.() === 0) expect(auto('linux', true).driver).toBe('qemu');
    expect(
      chooseComputeDriver(makeConfig({ drivers: { compute: 'qemu', network: 'fake', volume: 'file' } }), false).driver,
    ).toBe('qemu');
  });
});

describe('console log', () => {
  it('tails by lines as Nova does, and returns everything without a length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pocketstack-console-'));
    try {
      const path = join(dir, 'console.log');
      writeFileSync(path, 'one\r\ntwo\r\nthree\r\n');
      expect(await readConsole(path)).toBe('one\r\ntwo\r\nthree\r\n');
      expect(await readConsole(path, 2)).toBe('three\r\n');
      expect(await readConsole(path, 0)).toBe('');
      expect(await readConsole(join(dir, 'none'))).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
