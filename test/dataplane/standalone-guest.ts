import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/host/exec.js';

// Boots an image under TCG by itself (no cloud, no host network: `-nic none`
// or qemu's user network with restrict=on, which reaches nothing outside),
// the disk opened with snapshot=on so the image file is never written, and
// reads its serial console (a file: qemu drops characters on a pipe that is
// not read fast enough) until a pattern shows or the time runs out.
// qemu is always killed before this returns.

export interface BootOptions {
  image: string;
  /** An ISO to attach as the CD-ROM (the config drive). */
  cdrom?: string;
  /** qemu -nic argument; default none. */
  nic?: string;
  memoryMiB?: number;
  /** Stop reading when the console matches this. */
  until: RegExp;
  timeoutMs: number;
  /** Run once `until` matched, while the guest still runs (qemu is killed after it, if it still runs). */
  whileUp?: (guest: { qmp: string; console: () => string }) => Promise<void>;
}

export interface BootResult {
  console: string;
  /** Whether `until` matched before the timeout. */
  matched: boolean;
  /** ms from qemu's start to the match of `until` (0 when it did not match). */
  ms: number;
}

export async function bootAndRead(opts: BootOptions): Promise<BootResult> {
  const args = ['-accel', 'tcg', '-m', String(opts.memoryMiB ?? 256), '-display', 'none', '-nodefaults'];
  args.push('-drive', `file=${opts.image},if=virtio,snapshot=on`);
  if (opts.cdrom) args.push('-drive', `file=${opts.cdrom},media=cdrom,readonly=on`);
  const dir = mkdtempSync(join(tmpdir(), 'pocketstack-console-'));
  const log = join(dir, 'console.log');
  const qmp = join(dir, 'qmp.sock');
  args.push('-nic', opts.nic ?? 'none', '-serial', `file:${log}`, '-monitor', 'none', '-no-reboot');
  args.push('-qmp', `unix:${qmp},server=on,wait=off`);
  const abort = new AbortController();
  const read = () => {
    try {
      return readFileSync(log, 'utf8').replace(/\r/g, '');
    } catch {
      return '';
    }
  };
  let matched = false;
  let ms = 0;
  const t0 = performance.now();
  let after: Promise<void> = Promise.resolve();
  const poll = setInterval(() => {
    if (matched) return;
    const text = read();
    // a guest that panicked never gets there: stop now, the console says why
    if (text.includes('Kernel panic - not syncing')) return abort.abort();
    if (!opts.until.test(text)) return;
    matched = true;
    ms = performance.now() - t0;
    after = (opts.whileUp?.({ qmp, console: read }) ?? Promise.resolve()).finally(() => abort.abort());
  }, 100);
  try {
    // killed by us or by the timeout: the console says what happened
    await run('qemu-system-x86_64', args, { timeoutMs: opts.timeoutMs, signal: abort.signal }).catch(() => {});
    await after;
    return { console: read(), matched, ms };
  } finally {
    clearInterval(poll);
    abort.abort();
    rmSync(dir, { recursive: true, force: true });
  }
}
