import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/host/exec.js';

// A throwaway guest for the instance tests until the tiny image is there: the
// Debian cloud kernel and busybox-static, fetched with `apt-get download` from
// the host's own apt sources, and an initramfs whose init loads the virtio,
// CD and power-button modules, prints what the config drive says, powers off
// on the power button and reports the block devices it sees whenever they
// change. Booted as Nova boots an AMI: kernel_id, ramdisk_id, os_command_line.

const MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_legacy_dev',
  'virtio_pci_modern_dev',
  'virtio_pci',
  'virtio_blk',
  'failover',
  'net_failover',
  'virtio_net',
  'scsi_common',
  'scsi_mod',
  'libata',
  'ata_piix',
  'cdrom',
  'sr_mod',
  'isofs',
  'button',
  'evdev',
];

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in ${MODULES.join(' ')}; do insmod /lib/modules/$m.ko 2>/dev/null; done
echo "test-guest: booted"
for e in /sys/class/input/event*; do
  if grep -q "Power Button" $e/device/name 2>/dev/null; then (head -c1 /dev/input/\${e##*/} >/dev/null; echo "test-guest: power button"; poweroff -f) & fi
done
sleep 1
if mount -t iso9660 -o ro /dev/sr0 /cd 2>/dev/null; then echo "test-guest: config drive: $(cat /cd/openstack/latest/meta_data.json)"; fi
old=none
while true; do new=$(ls /sys/block | tr '\\n' ' '); [ "$new" != "$old" ] && echo "test-guest: block devices: $new"; old=$new; sleep 1; done
`;

export interface TestGuest {
  kernel: string;
  initrd: string;
  /** A blank raw disk: the AMI's root disk. */
  disk: string;
}

/** Builds (or reuses, cached in the temp dir) the guest's files. */
export async function testGuest(): Promise<TestGuest> {
  const dir = join(tmpdir(), 'pocketstack-test-guest-v1');
  const out = { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.cpio'), disk: join(dir, 'disk.raw') };
  if (existsSync(out.kernel) && existsSync(out.initrd) && existsSync(out.disk)) return out;
  const work = join(dir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const depends = await run('apt-cache', ['depends', 'linux-image-cloud-amd64']);
  const pkg = /Depends: (linux-image-\S+-cloud-amd64)/.exec(depends)?.[1];
  if (!pkg) throw new Error(`no Debian cloud kernel package found: ${depends}`);
  await run('env', ['-C', work, 'apt-get', 'download', pkg, 'busybox-static'], { timeoutMs: 600_000 });
  const x = join(work, 'x');
  for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb')))
    await run('dpkg-deb', ['-x', join(work, deb), x]);
  const root = join(work, 'root');
  for (const d of ['bin', 'lib/modules', 'proc', 'sys', 'dev', 'cd', 'tmp'])
    mkdirSync(join(root, d), { recursive: true });
  await run('cp', [join(x, 'bin/busybox'), join(root, 'bin/busybox')]);
  const kmods = join(x, 'lib/modules', readdirSync(join(x, 'lib/modules'))[0]);
  for (const m of MODULES) {
    const found = (await run('find', [kmods, '-name', `${m}.ko*`])).trim().split('\n')[0];
    if (!found) throw new Error(`module ${m} not in ${pkg}`);
    await run('cp', [found, join(root, 'lib/modules', `${m}.ko`)]);
  }
  writeFileSync(join(root, 'init'), INIT);
  chmodSync(join(root, 'init'), 0o755);
  const list = (await run('env', ['-C', root, 'find', '.'])).trim();
  await run('env', ['-C', root, 'cpio', '--quiet', '-o', '-H', 'newc', '-O', join(work, 'initrd.cpio')], {
    input: `${list}\n`,
  });
  const boot = join(x, 'boot');
  renameSync(join(boot, readdirSync(boot).find((f) => f.startsWith('vmlinuz'))!), out.kernel);
  renameSync(join(work, 'initrd.cpio'), out.initrd);
  await run('truncate', ['-s', '64M', out.disk]);
  rmSync(work, { recursive: true, force: true });
  return out;
}
