import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withQmp } from '../../src/drivers/compute/qemu/qmp.js';
import { buildDebian } from '../../src/images/debian/build.js';
import { buildIso } from '../../src/services/compute/iso9660.js';
import { bootAndRead } from './standalone-guest.js';

// The debian image by itself under TCG with a config drive: cloud-init finds
// the ConfigDrive datasource, makes user `debian` with the key, runs the
// user data, and says it finished. Minutes of build (mmdebstrap) and boot,
// so only when asked: POCKETSTACK_TEST_DEBIAN=1 (with
// POCKETSTACK_TEST_DEBIAN_PACKAGES=mariadb-server,nodejs for issue 14's image).

const UUID = '7e57de61-0000-4000-8000-00000000d3b1';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGRlYmlhbi10ZXN0LWtleS1ub3QtcmVhbC1hdC1hbGwtMQ test@pocketstack';

describe.skipIf(!process.env.POCKETSTACK_TEST_DEBIAN)('the debian image, standalone under TCG', () => {
  let work: string;
  let image: string;
  const packages = (process.env.POCKETSTACK_TEST_DEBIAN_PACKAGES ?? '').split(',').filter(Boolean);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pocketstack-debian-test-'));
    const built = await buildDebian({ packages });
    console.log(
      `debian image: ${built.path} (${built.cached ? 'cached' : 'built'} in ${Math.round(built.ms / 1000)} s)`,
    );
    image = built.path;
  }, 3_600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs cloud-init from a config drive: user debian with the key, the user data, the final message', async () => {
    const meta = {
      uuid: UUID,
      name: 'deb-vm',
      hostname: 'deb-vm',
      launch_index: 0,
      availability_zone: 'nova',
      meta: { db_ip: '192.168.1.4' },
      public_keys: { demo_key: `${KEY}\n` },
      keys: [{ name: 'demo_key', type: 'ssh', data: `${KEY}\n` }],
    };
    const userData = [
      '#cloud-config',
      'runcmd:',
      '  - echo "runcmd-ran-as-$(id -un)-$((6 * 7))" > /dev/ttyS0',
      ...packages.map((p) => `  - dpkg-query -W -f '\${Package} \${Status}\\n' ${p} > /dev/ttyS0`),
      '',
    ].join('\n');
    const iso = join(work, 'config-2.iso');
    writeFileSync(
      iso,
      buildIso('config-2', [
        { path: 'openstack/latest/meta_data.json', data: Buffer.from(JSON.stringify(meta)) },
        { path: 'openstack/latest/user_data', data: Buffer.from(userData) },
      ]),
    );
    const boot = await bootAndRead({
      image,
      cdrom: iso,
      memoryMiB: 1024,
      until: /Cloud-init v\. \S+ finished at/,
      timeoutMs: 1_500_000,
      // Nova's clean stop: the ACPI power button, which the guest must honour (systemd-logind), or
      // the stop pulls the power after 60 s and the guest loses what it had not written out
      whileUp: async (guest) => {
        await withQmp(guest.qmp, (q) => q.execute('system_powerdown'));
        for (let i = 0; i < 1200 && !/reboot: Power down/.test(guest.console()); i++) await sleep(250);
      },
    });
    console.log(`debian boot: cloud-init finished after ${Math.round(boot.ms / 1000)} s`);
    expect(boot.console).toMatch(/Command line: .*no_timer_check/);
    expect(boot.console).toMatch(/DataSourceConfigDrive/);
    expect(boot.console).toMatch(/Authorized keys from \/home\/debian\/\.ssh\/authorized_keys for user debian/);
    expect(boot.console).toContain('runcmd-ran-as-root-42');
    for (const p of packages) expect(boot.console).toContain(`${p} install ok installed`);
    expect(boot.console).toMatch(/Cloud-init v\. \S+ finished at/);
    expect(boot.console).toMatch(/reboot: Power down/);
    expect(boot.console.split('\n').filter((l) => /\[WARNING\]|fsck not present/.test(l))).toEqual([]);
  }, 1_800_000);
});
