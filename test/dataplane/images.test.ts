import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/host/exec.js';
import { upgradeDefaultImage } from '../../src/images/default-image.js';
import { buildTiny } from '../../src/images/tiny/build.js';
import { buildIso } from '../../src/services/compute/iso9660.js';
import { DEFAULT_IMAGE_NAME } from '../../src/services/image/bootstrap.js';
import { testCloud } from '../helpers.js';
import { bootAndRead } from './standalone-guest.js';

// The tiny image by itself under TCG: built from the host's apt sources, then
// booted twice with no cloud around it. First with no network card and a
// config drive (the fallback path), then on qemu's user network closed to
// the outside (restrict=on) where the only thing the guest reaches is a
// metadata responder at 169.254.169.254 (guestfwd to a local command), and
// SSH from loopback (hostfwd) with the key the metadata gave: DHCP,
// the metadata service, keys and user data. Timings are printed, not asserted.

const UUID = '5d4c6a1e-2f3b-4c5d-8e9f-0a1b2c3d4e5f';
let KEY = ''; // made in beforeAll: SSH into the guest proves dropbear, its libraries and the key

function metaData(host: string, dbIp: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      uuid: UUID,
      name: host,
      hostname: `${host}.novalocal`,
      launch_index: 0,
      availability_zone: 'nova',
      project_id: 'p',
      meta: { db_ip: dbIp, role: 'web server' },
      public_keys: { demo_key: `${KEY}\n` },
      keys: [{ name: 'demo_key', type: 'ssh', data: `${KEY}\n` }],
      devices: [],
    }),
  );
}

// runs in the guest: the console shows 42, not the script's text
const USER_DATA = Buffer.from('#!/bin/sh\necho "user-data ran: $((6 * 7)) as $(id -un)"\n');

// answers one HTTP request read from stdin (qemu's guestfwd runs it per connection)
const RESPONDER = `const fs = require('node:fs');
const path = require('node:path');
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  if (!buf.includes('\\r\\n\\r\\n')) return;
  const url = buf.split(' ')[1] || '/';
  const file = path.join(process.argv[2], path.normalize(url).replace(/^(\\.\\.[/\\\\])+/, ''));
  let body = Buffer.alloc(0), status = '200 OK';
  try { body = fs.readFileSync(file); } catch { status = '404 Not Found'; }
  process.stdout.write('HTTP/1.0 ' + status + '\\r\\nContent-Length: ' + body.length + '\\r\\nConnection: close\\r\\n\\r\\n');
  process.stdout.write(body, () => process.exit(0));
});
`;

const SSH_OPTS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'BatchMode=yes',
  '-o',
  'ConnectTimeout=30',
];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('the tiny image, standalone under TCG', () => {
  let work: string;
  let image: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pocketstack-images-test-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@pocketstack', '-f', join(work, 'id')]);
    KEY = readFileSync(join(work, 'id.pub'), 'utf8').trim();
    const built = await buildTiny((m) => console.log(`tiny: ${m}`));
    console.log(`tiny image: ${built.path} (${built.cached ? 'cached' : 'built'} in ${Math.round(built.ms)} ms)`);
    image = built.path;
  }, 900_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('boots with no network, reads the config drive, runs the user data', async () => {
    const iso = join(work, 'config-2.iso');
    writeFileSync(
      iso,
      buildIso('config-2', [
        { path: 'openstack/latest/meta_data.json', data: metaData('drive-vm', '192.168.1.4') },
        { path: 'openstack/latest/user_data', data: USER_DATA },
      ]),
    );
    const boot = await bootAndRead({ image, cdrom: iso, until: /tiny: ready/, timeoutMs: 300_000 });
    console.log(`config drive boot: ready after ${Math.round(boot.ms)} ms`);
    // the early timer check is off: under TCG on a loaded host it can panic the boot (CI saw it once)
    expect(boot.console).toMatch(/Command line: .*no_timer_check/);
    expect(boot.console).toContain('network: no eth0');
    expect(boot.console).toMatch(/tiny: datasource config drive \/dev\/sr0/);
    expect(boot.console).toContain(`tiny: instance-id ${UUID}`);
    expect(boot.console).toContain('tiny: hostname drive-vm');
    expect(boot.console).toContain('tiny: meta db_ip=192.168.1.4');
    expect(boot.console).toContain('tiny: meta role=web server');
    expect(boot.console).toContain('tiny: public key demo_key installed for root and cirros');
    expect(boot.console).toContain('user-data ran: 42 as root');
    expect(boot.matched).toBe(true);
  }, 360_000);

  it('takes DHCP and reads the metadata service at 169.254.169.254', async () => {
    const md = join(work, 'md');
    for (const [path, data] of [
      ['openstack/latest/meta_data.json', metaData('md-vm', '10.9.8.7')],
      ['openstack/latest/user_data', USER_DATA],
    ] as const) {
      mkdirSync(dirname(join(md, path)), { recursive: true });
      writeFileSync(join(md, path), data);
    }
    writeFileSync(join(work, 'responder.cjs'), RESPONDER);
    // qemu's own DHCP on 169.254.169.0/24; restrict=on: nothing leaves but the guestfwd (and SSH from loopback)
    const sshPort = await freePort();
    const nic = [
      'user',
      'restrict=on',
      'net=169.254.169.0/24',
      'host=169.254.169.2',
      'dhcpstart=169.254.169.15',
      `guestfwd=tcp:169.254.169.254:80-cmd:${process.execPath} ${join(work, 'responder.cjs')} ${md}`,
      `hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
      'model=virtio-net-pci',
    ].join(',');
    const ssh: Record<string, string> = {};
    const boot = await bootAndRead({
      image,
      nic,
      until: /tiny: ready/,
      timeoutMs: 300_000,
      whileUp: async () => {
        for (const user of ['root', 'cirros'])
          ssh[user] = await run(
            'ssh',
            [
              ...SSH_OPTS,
              '-i',
              join(work, 'id'),
              '-p',
              String(sshPort),
              `${user}@127.0.0.1`,
              'echo "$(id -un)@$(hostname)"',
            ],
            { timeoutMs: 120_000 },
          ).catch((e: Error) => e.message);
      },
    });
    console.log(`metadata boot: ready after ${Math.round(boot.ms)} ms`);
    expect(boot.console).toMatch(/tiny: network eth0 169\.254\.169\.15\/24/);
    expect(boot.console).toContain('tiny: datasource metadata service http://169.254.169.254');
    expect(boot.console).toContain(`tiny: instance-id ${UUID}`);
    expect(boot.console).toContain('tiny: hostname md-vm');
    expect(boot.console).toContain('tiny: meta db_ip=10.9.8.7');
    expect(ssh).toEqual({ root: 'root@md-vm\n', cirros: 'cirros@md-vm\n' });
    expect(boot.console).toContain('user-data ran: 42 as root');
    expect(boot.matched).toBe(true);
  }, 360_000);

  it('replaces the blank default image in place (same id) with the tiny image', async () => {
    const t = await testCloud();
    try {
      const list = async () =>
        (await t.call({ method: 'GET', url: `/image/v2/images?name=${DEFAULT_IMAGE_NAME}`, as: 'admin' })).json()
          .images as Record<string, unknown>[];
      const [blank] = await list();
      expect(await upgradeDefaultImage(t.cloud)).toBe('ready');
      const [tiny] = await list();
      expect(tiny.id).toBe(blank.id);
      expect(tiny.checksum).not.toBe(blank.checksum);
      expect(tiny).toMatchObject({ status: 'active', hw_disk_bus: 'virtio', os_admin_user: 'cirros' });
      expect(String(tiny.pocketstack_image)).toMatch(/^tiny-/);
      expect(await upgradeDefaultImage(t.cloud)).toBe('blank'); // nothing left to replace
    } finally {
      await t.close();
    }
  }, 600_000);
});
