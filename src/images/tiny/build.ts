import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { candidates, depends, extractDeb, fetchDebs } from '../apt.js';
import { cacheDir, inputsKey, pruneDebs, pruneImages, publish, withWorkDir } from '../cache.js';
import { type CpioEntry, cpioArchive } from '../cpio.js';
import { assembleDisk } from '../disk.js';
import { moduleDepends, neededLibraries } from '../elf.js';
import { JSON_AWK } from './json.js';
import { ACPI_POWER, INIT, INITTAB, RC_BOOT, UDHCPC_SCRIPT } from './scripts.js';

// `pocketstack images build tiny`: a CirrOS-like whole-disk image of a few
// MB. The Debian cloud kernel boots from a FAT partition (syslinux) with an
// initramfs that is the whole system: busybox-static, dropbear and its
// libraries, the few modules the cloud kernel does not build in, and the
// scripts of ./scripts.ts. Everything comes from the host's apt sources.

/** Bumped when the image's layout changes in a way the inputs below do not show. */
const BUILDER_VERSION = 2;

/** Modules the cloud kernel builds as modules that a Nova guest needs (their dependencies follow). */
export const TINY_MODULES = [
  'virtio_pci', // virtio devices on the PCI bus (virtio, virtio_ring, ... follow)
  'virtio_net',
  'virtio_blk',
  'virtio_scsi',
  'virtio_rng', // entropy for dropbear's host keys
  'ata_piix', // the config drive as an IDE CD-ROM (libvirt's default bus for a cdrom on pc)
  'sr_mod',
  'isofs', // iso9660 config drive
  'button', // ACPI power button: Nova's graceful stop and soft reboot
  'evdev', // acpid reads the button from /dev/input
];

// no_timer_check: under TCG on a loaded host the kernel's early check of the
// timer interrupt can see too few ticks and panic ("IO-APIC + timer doesn't
// work"), as CI saw once; Ubuntu's cloud images boot with it for the same reason
const KERNEL_CMDLINE = 'console=tty0 console=ttyS0,115200n8 no_timer_check';

const SYSLINUX_CFG = `SERIAL 0 115200
DEFAULT tiny
PROMPT 0
TIMEOUT 0
LABEL tiny
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND ${KERNEL_CMDLINE}
`;

export interface BuildResult {
  /** The qcow2 in the cache. */
  path: string;
  /** Whether it was already there. */
  cached: boolean;
  /** The inputs' key (in the file name and the image's pocketstack_image property). */
  key: string;
  /** The kernel package (linux-image-<version>-cloud-amd64). */
  kernel: string;
  /** Package → version that went in. */
  packages: Record<string, string>;
  ms: number;
}

export type Progress = (message: string) => void;

/** The packages of the tiny image and the versions apt would fetch. */
async function inputs(): Promise<Map<string, string>> {
  const deps = await depends(['linux-image-cloud-amd64', 'dropbear-bin'], true);
  const kernel = deps.get('linux-image-cloud-amd64')?.find((d) => d.startsWith('linux-image-'));
  if (!kernel) throw new Error('linux-image-cloud-amd64 names no kernel package');
  // dropbear's shared libraries: the library packages it depends on, and theirs
  const libs: string[] = [];
  const queue = [...(deps.get('dropbear-bin') ?? [])];
  for (const p of queue) {
    if (!/^(lib|zlib)/.test(p) || libs.includes(p)) continue;
    libs.push(p);
    queue.push(...(deps.get(p) ?? []));
  }
  return candidates([kernel, 'busybox-static', 'dropbear-bin', ...libs]);
}

export async function buildTiny(progress: Progress = () => {}): Promise<BuildResult> {
  const t0 = performance.now();
  progress('resolving packages');
  const packages = await inputs();
  const key = inputsKey({
    BUILDER_VERSION,
    packages: [...packages].sort(),
    scripts: [INIT, INITTAB, RC_BOOT, UDHCPC_SCRIPT, ACPI_POWER, JSON_AWK, SYSLINUX_CFG],
    TINY_MODULES,
  });
  const path = join(cacheDir(), 'images', `tiny-${key}.qcow2`);
  const kernel = [...packages.keys()].find((n) => n.startsWith('linux-image-'))!;
  const result = { path, key, kernel, packages: Object.fromEntries(packages) };
  if (existsSync(path)) return { ...result, cached: true, ms: performance.now() - t0 };
  await withWorkDir(async (work) => {
    progress(`fetching ${packages.size} packages with apt`);
    const debs = await fetchDebs(packages, join(cacheDir(), 'debs'));
    progress('unpacking');
    const roots = new Map<string, string>();
    for (const [name, deb] of debs) {
      roots.set(name, join(work, 'pkg', name));
      await extractDeb(deb, roots.get(name)!);
    }
    const kernelRoot = [...roots].find(([n]) => n.startsWith('linux-image-'))![1];
    const initrd = initramfs(kernelRoot, roots);
    progress(`initramfs ${(initrd.length / 1024 / 1024).toFixed(1)} MiB; assembling the disk`);
    const vmlinuz = join(
      kernelRoot,
      'boot',
      readdirSync(join(kernelRoot, 'boot')).find((f) => f.startsWith('vmlinuz-'))!,
    );
    const bootBytes = statSync(vmlinuz).size + initrd.length;
    const bootMiB = Math.max(32, Math.ceil((bootBytes * 1.2) / 2 ** 20 / 8) * 8);
    const out = join(work, 'tiny.qcow2');
    await assembleDisk(
      {
        bootMiB,
        // kernel and initramfs are compressed already: zlib on top saves 3 MB and costs boot time
        compress: false,
        bootFiles: [
          { name: 'vmlinuz', from: vmlinuz },
          { name: 'initrd.gz', from: initrd },
          { name: 'syslinux.cfg', from: Buffer.from(SYSLINUX_CFG) },
        ],
      },
      work,
      out,
    );
    publish(out, path);
    pruneImages('tiny-');
    pruneDebs(join(cacheDir(), 'debs'), new Set([...debs.values()].map((p) => basename(p))));
  });
  return { ...result, cached: false, ms: performance.now() - t0 };
}

/** Reads `rel` inside an unpacked package tree, following its symlinks inside that tree (never the host's). */
function readInside(root: string, rel: string): Buffer {
  let p = rel;
  for (let hops = 0; hops < 10; hops++) {
    const full = join(root, p);
    if (!existsSync(full) && !isLink(full)) throw new Error(`${rel} not found in ${root}`);
    if (!isLink(full)) return readFileSync(full);
    const target = readlinkSync(full);
    p = isAbsolute(target) ? target : posix.join(posix.dirname(p), target);
  }
  throw new Error(`too many symlinks at ${rel}`);
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

const LIB_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'];

/** Finds a shared library by soname in the unpacked library packages. */
function findLibrary(soname: string, roots: Map<string, string>): Buffer {
  for (const root of roots.values())
    for (const dir of LIB_DIRS)
      if (existsSync(join(root, dir, soname)) || isLink(join(root, dir, soname)))
        return readInside(root, `${dir}/${soname}`);
  throw new Error(`no package gave ${soname}`);
}

/** Every .ko of the kernel package by module name (dashes as underscores, as modinfo names them). */
function kernelModules(kernelRoot: string): Map<string, string> {
  const base = join(kernelRoot, 'lib', 'modules');
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ko')) found.set(e.name.slice(0, -3).replace(/-/g, '_'), join(dir, e.name));
    }
  };
  walk(base);
  return found;
}

/** The modules to load, dependencies before the modules that need them. */
export function moduleLoadOrder(wanted: string[], depsOf: (name: string) => string[]): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (m: string) => {
    if (order.includes(m) || visiting.has(m)) return;
    visiting.add(m);
    for (const d of depsOf(m)) visit(d);
    order.push(m);
  };
  for (const m of wanted) visit(m);
  return order;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ncirros:x:1000:1000:cirros:/home/cirros:/bin/sh\n';
const GROUP = 'root:x:0:\ncirros:x:1000:\n';
// root has no password (console only: dropbear refuses empty passwords); cirros gets
// CirrOS's "gocubsgo" hashed at boot (busybox mkpasswd), keys from metadata for both
const SHADOW = 'root::19000:0:99999:7:::\ncirros:*:19000:0:99999:7:::\n';

/** The initramfs (gzip'd cpio): the whole tiny system. */
function initramfs(kernelRoot: string, roots: Map<string, string>): Buffer {
  const modules = kernelModules(kernelRoot);
  const depsOf = (m: string) => {
    const path = modules.get(m);
    if (!path) throw new Error(`the kernel has no module ${m} (built in? then drop it from TINY_MODULES)`);
    return moduleDepends(readFileSync(path));
  };
  const order = moduleLoadOrder(TINY_MODULES, depsOf);

  const dropbear = readInside(roots.get('dropbear-bin')!, 'usr/sbin/dropbear');
  const libs = new Map<string, Buffer>();
  const needs = [...neededLibraries(dropbear)];
  for (let i = 0; i < needs.length; i++) {
    if (libs.has(needs[i])) continue;
    const lib = findLibrary(needs[i], roots);
    libs.set(needs[i], lib);
    needs.push(...neededLibraries(lib));
  }
  libs.set('ld-linux-x86-64.so.2', findLibrary('ld-linux-x86-64.so.2', roots));

  const dir = (path: string, mode?: number): CpioEntry => ({ path, type: 'dir', mode });
  const file = (path: string, data: string | Buffer, mode = 0o644): CpioEntry => ({
    path,
    type: 'file',
    data: typeof data === 'string' ? Buffer.from(data) : data,
    mode,
  });
  const entries: CpioEntry[] = [
    ...['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'etc/dropbear', 'etc/acpi', 'etc/acpi/PWRF'].map((d) =>
      dir(d),
    ),
    ...['lib', 'lib/modules', 'lib/tiny', 'lib/x86_64-linux-gnu', 'lib64', 'home', 'proc', 'sys', 'dev', 'run'].map(
      (d) => dir(d),
    ),
    ...['mnt', 'var', 'var/log', 'var/run'].map((d) => dir(d)),
    dir('tmp', 0o1777),
    dir('root', 0o700),
    { path: 'home/cirros', type: 'dir', mode: 0o755, uid: 1000, gid: 1000 },
    { path: 'dev/console', type: 'char', major: 5, minor: 1 },
    file('init', INIT, 0o755),
    file('bin/busybox', readInside(roots.get('busybox-static')!, 'bin/busybox'), 0o755),
    file('usr/sbin/dropbear', dropbear, 0o755),
    ...[...libs].map(([name, data]) => file(`lib/x86_64-linux-gnu/${name}`, data, 0o755)),
    { path: 'lib64/ld-linux-x86-64.so.2', type: 'symlink', target: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    ...order.map((m) => file(`lib/modules/${m}.ko`, readFileSync(modules.get(m)!))),
    file('lib/modules/load.list', order.map((m) => `/lib/modules/${m}.ko\n`).join('')),
    file('lib/tiny/json.awk', JSON_AWK),
    file('etc/inittab', INITTAB),
    file('etc/rc.boot', RC_BOOT, 0o755),
    file('etc/udhcpc.script', UDHCPC_SCRIPT, 0o755),
    file('etc/acpi/PWRF/00000080', ACPI_POWER, 0o755),
    file('etc/passwd', PASSWD),
    file('etc/group', GROUP),
    file('etc/shadow', SHADOW, 0o600),
    file('etc/shells', '/bin/sh\n/bin/ash\n'),
    file('etc/hosts', '127.0.0.1 localhost\n'),
    file('etc/hostname', 'tiny\n'),
    file('etc/resolv.conf', ''),
    file('etc/os-release', 'NAME="pocketstack tiny"\nID=cirros\nPRETTY_NAME="pocketstack tiny (CirrOS-like)"\n'),
  ];
  return gzipSync(cpioArchive(entries), { level: 9 });
}
