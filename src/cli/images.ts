import { statSync } from 'node:fs';
import { copyOut } from '../images/cache.js';
import { buildDebian } from '../images/debian/build.js';
import { imageProperties, type Registration, registerOverHttp } from '../images/register.js';
import { buildTiny } from '../images/tiny/build.js';
import { DEFAULT_IMAGE_NAME } from '../services/image/bootstrap.js';

export interface BuildOptions {
  output?: string;
  /** true: the builder's default name. */
  register?: string | boolean;
  dataDir: string;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function stamp(t0: number): string {
  return `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
}

export function progressLine(): (message: string) => void {
  const t0 = performance.now();
  return (message) => console.error(`${stamp(t0)} ${message}`);
}

/** A bar on stderr: `[#######.......]  45% label`, redrawn in place on a terminal. */
export function progressBar(label: string): (done: number, total: number, step?: string) => void {
  const tty = process.stderr.isTTY;
  let last = '';
  return (done, total, step = label) => {
    const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const key = tty ? `${pct} ${step}` : String(Math.floor(pct / 10));
    if (key === last) return;
    last = key;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${step}`;
    const cols = process.stderr.columns ?? 100;
    process.stderr.write(tty ? `\r\x1b[K${line.slice(0, cols - 1)}${pct === 100 ? '\n' : ''}` : `${line}\n`);
  };
}

export async function registerFile(dataDir: string, reg: Omit<Registration, 'onProgress'>): Promise<void> {
  const id = await registerOverHttp(dataDir, {
    ...reg,
    onProgress: progressBar(`uploading ${mib(statSync(reg.file).size)} to Glance as ${reg.name}`),
  });
  console.error(`registered in Glance: ${reg.name} (${id})`);
}

export async function buildTinyCommand(opts: BuildOptions): Promise<void> {
  const result = await buildTiny(progressLine());
  console.error(
    `tiny image ${result.cached ? 'from the cache' : 'built'} in ${(result.ms / 1000).toFixed(1)} s: ${result.path} (${mib(statSync(result.path).size)})`,
  );
  if (opts.output) {
    copyOut(result.path, opts.output);
    console.error(`written to ${opts.output}`);
  }
  if (opts.register)
    await registerFile(opts.dataDir, {
      name: opts.register === true ? DEFAULT_IMAGE_NAME : opts.register,
      file: result.path,
      properties: {
        ...imageProperties('tiny', result.key, { os_distro: 'cirros', os_admin_user: 'cirros' }),
        description: `pocketstack tiny image (CirrOS-like: Debian cloud kernel ${result.kernel}, busybox, dropbear)`,
      },
    });
  console.log(opts.output ?? result.path);
}

/** The name Debian publishes its cloud image under, which the guide uses. */
export const DEBIAN_IMAGE_NAME = 'debian-12-genericcloud-amd64';

export async function buildDebianCommand(opts: BuildOptions & { packages?: string }): Promise<void> {
  console.log(await buildDebianImage(opts));
}

/** Builds (or takes from the cache) the Debian image, writes and registers it as asked; returns its path. */
export async function buildDebianImage(opts: BuildOptions & { packages?: string }): Promise<string> {
  const bar = progressBar('');
  let lastStep = '';
  const t0 = performance.now();
  const result = await buildDebian({
    packages: opts.packages ? opts.packages.split(',').filter(Boolean) : [],
    progress: (fraction, step) => {
      const phase = step.replace(/ \(.*\)$/, '');
      if (phase !== lastStep && !process.stderr.isTTY) console.error(`${stamp(t0)} ${phase}`);
      lastStep = phase;
      barWithStep(bar, fraction, step);
    },
  });
  console.error(
    `debian image ${result.cached ? 'from the cache' : 'built'} in ${(result.ms / 1000).toFixed(1)} s: ${result.path} (${mib(statSync(result.path).size)}, min_disk ${result.minDiskGiB} GiB)`,
  );
  if (opts.output) {
    copyOut(result.path, opts.output);
    console.error(`written to ${opts.output}`);
  }
  if (opts.register)
    await registerFile(opts.dataDir, {
      name: opts.register === true ? DEBIAN_IMAGE_NAME : opts.register,
      file: result.path,
      minDisk: result.minDiskGiB,
      properties: {
        ...imageProperties('debian', result.key, { os_distro: 'debian', os_version: '12', os_admin_user: 'debian' }),
        description: `pocketstack debian image (genericcloud-like; packages: ${result.packages.join(' ')})`,
      },
    });
  return opts.output ?? result.path;
}

function barWithStep(bar: (done: number, total: number, label?: string) => void, fraction: number, step: string): void {
  bar(Math.round(fraction * 1000), 1000, step);
}
