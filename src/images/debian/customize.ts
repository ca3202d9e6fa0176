import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// What turns mmdebstrap's tree into a cloud image, written as files (no
// chroot, no shell): what Debian's genericcloud sets up for cloud-init, the
// serial console and a root found by UUID; the per-machine identity
// (machine-id, SSH host keys, the build host's name) removed so each
// instance makes its own at first boot. Bump CUSTOMIZE_VERSION with any
// change here: it is part of the build cache's key.

export const CUSTOMIZE_VERSION = 4;

/**
 * Debian's cloud images boot with both consoles; the last one (ttyS0) is /dev/console, what `console log` shows.
 * no_timer_check: the kernel's early timer check can fail under TCG on a loaded host and panic (images/tiny/build.ts).
 */
export const KERNEL_CMDLINE = 'console=tty0 console=ttyS0,115200n8 consoleblank=0 no_timer_check';

export const CLOUD_CFG = `# pocketstack: OpenStack's two datasources, as a Nova guest finds them
datasource_list: [ ConfigDrive, OpenStack, None ]
# as Debian's cloud images (01_debian_cloud.cfg): the instance's name in /etc/hosts, so sudo resolves it
manage_etc_hosts: true
# no locales package: the locale module is off (a string: cloud-init's schema wants one)
locale: "false"
datasource:
  OpenStack:
    timeout: 5
    retries: 3
`;

function fstab(uuid: string): string {
  return `UUID=${uuid} / ext4 rw,discard,errors=remount-ro 0 1\n`;
}

/**
 * Files that must be there before the packages install (copied in by
 * mmdebstrap's setup hook): initramfs-tools cannot probe the root's type at
 * build time, so it is told (FSTYPE), and then puts fsck.ext4 in the
 * initramfs; the root's fstab entry.
 */
export function seedFiles(uuid: string): Record<string, string> {
  return {
    'etc/fstab': fstab(uuid),
    'etc/initramfs-tools/conf.d/pocketstack': 'FSTYPE=ext4\n',
  };
}

export interface BootFiles {
  kernel: string;
  initrd: string;
  syslinuxCfg: string;
}

/** Edits the tree at `root` in place; returns the kernel and initramfs to boot. */
export function customize(root: string, uuid: string): BootFiles {
  const at = (p: string) => join(root, p);
  const write = (p: string, text: string, mode = 0o644) => {
    mkdirSync(join(at(p), '..'), { recursive: true });
    writeFileSync(at(p), text, { mode });
  };
  write('etc/fstab', fstab(uuid));
  write('etc/hostname', 'debian\n');
  write('etc/hosts', '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
  write('etc/resolv.conf', '');
  write('etc/machine-id', ''); // empty: systemd makes one at first boot
  rmSync(at('var/lib/dbus/machine-id'), { force: true });
  for (const f of readdirSync(at('etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(at(`etc/ssh/${f}`));
  write('etc/cloud/cloud.cfg.d/90_pocketstack.cfg', CLOUD_CFG);
  write(
    'etc/network/interfaces',
    '# cloud-init writes the instance network to interfaces.d\nauto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n',
  );
  // mmdebstrap's dpkg settings stay (the path excludes), but not unsafe I/O in the guest
  const dpkgCfg = at('etc/dpkg/dpkg.cfg.d/99mmdebstrap');
  if (existsSync(dpkgCfg))
    writeFileSync(
      dpkgCfg,
      readFileSync(dpkgCfg, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== 'force-unsafe-io')
        .join('\n'),
    );
  const boot = readdirSync(at('boot'));
  const kernel = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!kernel || !initrd)
    throw new Error('the tree has no kernel or initramfs in /boot (is linux-image-cloud-amd64 in it?)');
  return {
    kernel: at(`boot/${kernel}`),
    initrd: at(`boot/${initrd}`),
    syslinuxCfg: `SERIAL 0 115200
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=UUID=${uuid} ro ${KERNEL_CMDLINE}
`,
  };
}
