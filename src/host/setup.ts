import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { available, run } from './exec.js';

// The first start of a real cloud: the host tools the real drivers need are
// installed once, in the background, while the API already answers; the
// drivers wait on `ready` (servers stay in BUILD meanwhile). Progress is
// kept in <data-dir>/host-setup.json for `pocketstack status` and printed on
// the console. Nothing else on the host is changed.

/** The command each real driver runs, and the Debian package that provides it. */
export const HOST_TOOLS: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  busybox: 'busybox-static',
  dropbear: 'dropbear-bin',
  mmdebstrap: 'mmdebstrap',
  syslinux: 'syslinux',
  mcopy: 'mtools',
  'mkfs.vfat': 'dosfstools',
  'mkfs.ext4': 'e2fsprogs',
  sfdisk: 'fdisk',
  cpio: 'cpio',
};
/** Files a package provides that no command names (syslinux's MBR and modules). */
export const HOST_PACKAGES_EXTRA = ['syslinux-common'];

export type SetupPhase = 'checking' | 'installing' | 'ready' | 'failed' | 'skipped';

export interface SetupState {
  phase: SetupPhase;
  /** What is happening or why it stopped, in one line. */
  detail: string;
  /** 0–100 while installing. */
  percent?: number;
  packages?: string[];
  updatedAt: string;
}

/** One progress line of apt's status fd: `pmstatus:<pkg>:<percent>:<text>` or `dlstatus:...`. */
export function parseAptStatus(line: string): { percent: number; text: string; download: boolean } | undefined {
  const m = /^(pm|dl)status:[^:]*:([\d.]+):(.*)$/.exec(line.trim());
  if (!m) return undefined;
  return { percent: Number(m[2]), text: m[3], download: m[1] === 'dl' };
}

/** The packages missing for `tools`: those whose command is not found, and the extras dpkg does not list. */
export async function missingPackages(
  tools: Record<string, string> = HOST_TOOLS,
  extras: string[] = HOST_PACKAGES_EXTRA,
): Promise<string[]> {
  const missing = new Set<string>();
  for (const [cmd, pkg] of Object.entries(tools)) if (!(await available(cmd))) missing.add(pkg);
  for (const pkg of extras) {
    const installed = await run('dpkg-query', ['-W', '-f=$' + '{Status}', pkg]).then(
      (s) => s.includes('install ok installed'),
      () => false,
    );
    if (!installed) missing.add(pkg);
  }
  return [...missing];
}

export interface HostSetupOptions {
  dataDir: string;
  /** --no-host-setup: never install; drivers that lack tools run as fakes. */
  allowInstall: boolean;
  /** Called on every state change (the console's progress line). */
  onState?: (s: SetupState) => void;
  /** What to check (tests); default HOST_TOOLS and HOST_PACKAGES_EXTRA. */
  tools?: Record<string, string>;
  extras?: string[];
  /** Runs apt-get with these arguments, calling onLine for each output line (tests replace it). */
  apt?: (args: string[], onLine: (line: string) => void) => Promise<void>;
}

async function aptGet(args: string[], onLine: (line: string) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`apt-get ${args[0]} failed (exit ${code}): ${err.trim().split('\n').pop()}`)),
    );
  });
}

/**
 * Makes sure the host tools are there, installing what is missing unless
 * told not to. `ready` resolves when they all are; it rejects (with the
 * reason) when they are not and cannot be installed.
 */
export class HostSetup {
  state: SetupState = { phase: 'checking', detail: 'checking the host tools', updatedAt: new Date().toISOString() };
  readonly ready: Promise<void>;

  constructor(private opts: HostSetupOptions) {
    this.ready = this.go();
    this.ready.catch(() => {}); // the reason is in state; waiters get it too
  }

  private set(s: Omit<SetupState, 'updatedAt'>): void {
    this.state = { ...s, updatedAt: new Date().toISOString() };
    try {
      writeFileSync(join(this.opts.dataDir, 'host-setup.json'), `${JSON.stringify(this.state)}\n`);
    } catch {
      // status only
    }
    this.opts.onState?.(this.state);
  }

  private async go(): Promise<void> {
    const check = () => missingPackages(this.opts.tools, this.opts.extras);
    const missing = await check();
    if (missing.length === 0) return this.set({ phase: 'ready', detail: 'host tools present' });
    if (!this.opts.allowInstall) {
      const detail = `missing ${missing.join(', ')} (--no-host-setup: not installed)`;
      this.set({ phase: 'skipped', detail, packages: missing });
      throw new Error(detail);
    }
    const apt = this.opts.apt ?? aptGet;
    const install = async () => {
      this.set({ phase: 'installing', detail: `apt-get install ${missing.join(' ')}`, percent: 0, packages: missing });
      await apt(['install', '-y', '-q', '-o', 'APT::Status-Fd=1', ...missing], (line) => {
        const p = parseAptStatus(line);
        if (!p) return;
        // downloads are the first half of the bar, unpacking and setting up the second
        const percent = Math.round(p.download ? p.percent / 2 : 50 + p.percent / 2);
        if (percent !== this.state.percent) this.set({ ...this.state, percent, detail: p.text });
      });
    };
    try {
      try {
        await install();
      } catch {
        // a fresh machine has no package lists yet
        this.set({ phase: 'installing', detail: 'apt-get update', percent: 0, packages: missing });
        await apt(['update', '-q'], () => {});
        await install();
      }
    } catch (e) {
      const detail = `could not install ${missing.join(', ')}: ${(e as Error).message}`;
      this.set({ phase: 'failed', detail, packages: missing });
      throw new Error(detail);
    }
    const still = await check();
    if (still.length > 0) {
      const detail = `still missing after apt-get install: ${still.join(', ')}`;
      this.set({ phase: 'failed', detail, packages: still });
      throw new Error(detail);
    }
    this.set({ phase: 'ready', detail: `installed ${missing.join(', ')}`, packages: missing });
  }
}
