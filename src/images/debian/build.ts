import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../host/exec.js';
import { assertPackageName, candidates } from '../apt.js';
import { cacheDir, inputsKey, pruneImages, publish, withWorkDir } from '../cache.js';
import { assembleDisk } from '../disk.js';
import { CLOUD_CFG, CUSTOMIZE_VERSION, customize, KERNEL_CMDLINE, seedFiles } from './customize.js';
import { MmdebstrapProgress } from './progress.js';
import { hostSourceFiles, hostSuite } from './sources.js';

// `pocketstack images build debian`: a Debian cloud image as Debian's
// genericcloud is made (cloud kernel, cloud-init with user `debian`,
// openssh-server, ifupdown + dhclient, sudo), by mmdebstrap from the host's
// apt sources, plus `--packages`. The root file system is written straight
// into the disk's ext4 partition from mmdebstrap's directory (mkfs.ext4 -d),
// the kernel and initramfs onto a FAT boot partition with syslinux.

const BUILDER_VERSION = 1;

/** What Debian's genericcloud image has that matters to a cloud guest. */
export const DEBIAN_PACKAGES = [
  'linux-image-cloud-amd64',
  'systemd-sysv',
  // systemd-logind runs only with D-Bus, and without logind the ACPI power button does nothing: Nova's
  // clean stop (system_powerdown, then destroy after 60 s) pulled the power on a guest still writing
  'dbus',
  'udev',
  'cloud-init',
  'cloud-guest-utils', // growpart: the root grows to the flavor's disk
  'fdisk',
  'e2fsprogs',
  'openssh-server',
  'sudo',
  'ifupdown',
  'isc-dhcp-client', // cloud-init's ephemeral DHCP for the metadata service
  'netbase',
  'iproute2',
  'procps',
  'less',
];

/** Documentation, manual pages and translations are left out (a test image; licences stay). */
const DPKG_EXCLUDES = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/info/*',
];

export interface DebianBuildResult {
  path: string;
  cached: boolean;
  key: string;
  /** Glance's min_disk: the disk's virtual size in GiB. */
  minDiskGiB: number;
  packages: string[];
  ms: number;
}

export interface DebianOptions {
  packages?: string[];
  /** Fraction done (0..1) and what runs now. */
  progress?: (fraction: number, step: string) => void;
}

/** Bytes the files under `dir` take (blocks, hard links once). */
function usedBytes(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.nlink > 1) {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      total += st.blocks * 512;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return total;
}

/** A UUID derived from the build key: the same inputs give the same file system. */
function uuidFrom(key: string): string {
  const h = createHash('sha256').update(`root:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function buildDebian(opts: DebianOptions = {}): Promise<DebianBuildResult> {
  const t0 = performance.now();
  const progress = opts.progress ?? (() => {});
  if (process.getuid?.() !== 0)
    throw new Error('the debian builder runs as root (mmdebstrap keeps file owners in a directory)');
  const extra = (opts.packages ?? []).map((p) => assertPackageName(p.trim())).filter(Boolean);
  const packages = [...new Set([...DEBIAN_PACKAGES, ...extra])];
  progress(0, 'resolving packages');
  const suite = hostSuite();
  const sources = await hostSourceFiles();
  const versions = await candidates(packages);
  const key = inputsKey({
    BUILDER_VERSION,
    suite,
    sources: sources.map((f) => readFileSync(f, 'utf8')),
    versions: [...versions].sort(),
    KERNEL_CMDLINE,
    DPKG_EXCLUDES,
    CUSTOMIZE_VERSION,
    CLOUD_CFG,
  });
  const path = join(cacheDir(), 'images', `debian-${suite}-${key}.qcow2`);
  const result = { path, key, packages };
  const sizes = join(cacheDir(), 'images', `debian-${suite}-${key}.json`);
  if (existsSync(path) && existsSync(sizes))
    return { ...result, ...JSON.parse(readFileSync(sizes, 'utf8')), cached: true, ms: performance.now() - t0 };

  let minDiskGiB = 2;
  await withWorkDir(async (work) => {
    const root = join(work, 'root');
    const mm = new MmdebstrapProgress((f, step) => progress(0.02 + f * 0.6, step));
    const uuid = uuidFrom(key);
    const seed = join(work, 'seed');
    if (/\s/.test(seed)) throw new Error(`the cache path has a space, which mmdebstrap's hooks cannot take: ${seed}`);
    for (const [p, text] of Object.entries(seedFiles(uuid))) {
      mkdirSync(dirname(join(seed, p)), { recursive: true });
      writeFileSync(join(seed, p), text);
    }
    const args = ['--variant=minbase', '--verbose', `--include=${packages.join(',')}`, '--dpkgopt=force-unsafe-io'];
    // mmdebstrap's own copy-in hook (no shell): /etc/fstab and the initramfs settings before any package installs
    args.push(`--setup-hook=copy-in ${join(seed, 'etc')} /`);
    for (const x of DPKG_EXCLUDES) args.push(`--dpkgopt=${x}`);
    await run('mmdebstrap', [...args, suite, root, ...sources], {
      timeoutMs: 3_600_000,
      onOutput: (chunk) => mm.feed(chunk),
    });
    progress(0.63, 'configuring cloud-init, fstab, console');
    const boot = customize(root, uuid);
    // a genericcloud-like 2 GiB disk, more when the packages need it; cloud-init grows it to the flavor's
    const usedMiB = Math.ceil(usedBytes(root) / 2 ** 20);
    const bootMiB = 64;
    const rootMiB = Math.max(2048 - 1 - bootMiB, Math.ceil((usedMiB * 1.4 + 256) / 256) * 256);
    minDiskGiB = Math.ceil((1 + bootMiB + rootMiB) / 1024);
    progress(0.66, `writing the disk: ${usedMiB} MiB of files into a ${rootMiB} MiB ext4 root (then compressing)`);
    const out = join(work, 'debian.qcow2');
    await assembleDisk(
      {
        bootMiB,
        compress: true, // 250 MB instead of 800
        bootFiles: [
          { name: 'vmlinuz', from: boot.kernel },
          { name: 'initrd.img', from: boot.initrd },
          { name: 'syslinux.cfg', from: Buffer.from(boot.syslinuxCfg) },
        ],
        root: { dir: root, uuid, label: 'root', sizeMiB: rootMiB },
      },
      work,
      out,
      (step) =>
        progress(
          { boot: 0.67, root: 0.7, qcow2: 0.85 }[step],
          { boot: 'boot partition and syslinux', root: 'ext4 root file system', qcow2: 'compressing to qcow2' }[step],
        ),
    );
    // the root tree is big: gone before the rename, so the cache never holds both
    rmSync(root, { recursive: true, force: true });
    // the note first (a cached image always has one), into a cache that may not exist yet
    mkdirSync(dirname(sizes), { recursive: true });
    writeFileSync(sizes, `${JSON.stringify({ minDiskGiB })}\n`);
    publish(out, path);
    pruneImages(`debian-${suite}-`);
  });
  progress(1, 'done');
  return { ...result, minDiskGiB, cached: false, ms: performance.now() - t0 };
}
