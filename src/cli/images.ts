import { statSync } from 'node:fs';
import { copyOut } from '../images/cache.js';
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
export function progressBar(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done, total) => {
    const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    if (pct === last || (!tty && pct % 10 !== 0 && pct !== 100)) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${label}`;
    process.stderr.write(tty ? `\r${line}${pct === 100 ? '\n' : ''}` : `${line}\n`);
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
