import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostCommandError, run } from '../../../host/exec.js';

// Which accelerator guests run with. /dev/kvm may exist and still not work
// (nested virtualisation without what qemu asks for: qemu aborts with
// "failed to set MSR 0x10a", or the guest stalls once it enters long mode),
// so KVM is proved by a short timed boot: the UEFI firmware (OVMF, 64-bit)
// must reach its boot manager and say so on the serial port. Anything else,
// or no firmware to try with, means TCG.

export type Accelerator = 'kvm' | 'tcg';

export interface AccelChoice {
  accel: Accelerator;
  /** Why, in a few words, for the start line and `pocketstack status`. */
  reason: string;
}

const FIRMWARE = ['/usr/share/qemu/OVMF.fd', '/usr/share/OVMF/OVMF.fd'];

export async function probeAccelerator(timeoutMs = 10_000): Promise<AccelChoice> {
  if (!existsSync('/dev/kvm')) return { accel: 'tcg', reason: 'no /dev/kvm' };
  const firmware = FIRMWARE.find((f) => existsSync(f));
  if (!firmware) return { accel: 'tcg', reason: 'KVM not probed: no OVMF firmware to boot (apt-get install ovmf)' };
  const dir = await mkdtemp(join(tmpdir(), 'pocketstack-kvm-probe-'));
  const serial = join(dir, 'serial.log');
  const t0 = performance.now();
  const stop = new AbortController();
  // qemu runs until stopped: the probe reads the serial log meanwhile
  const qemu = run(
    'qemu-system-x86_64',
    // biome-ignore format: one option per pair
    ['-accel', 'kvm', '-cpu', 'host', '-machine', 'pc', '-m', '128', '-nodefaults', '-no-user-config',
     '-display', 'none', '-nic', 'none', '-monitor', 'none', '-bios', firmware, '-serial', `file:${serial}`],
    { timeoutMs: timeoutMs + 5000, signal: stop.signal },
  ).then(
    () => new Error('qemu exited'),
    (e: Error) => e,
  );
  let exited: Error | undefined;
  void qemu.then((e) => {
    exited = e;
  });
  let booted = false;
  let died: Error | undefined;
  try {
    while (!booted && !exited && performance.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 200));
      booted = (await readFile(serial, 'latin1').catch(() => '')).includes('BdsDxe');
    }
    died = exited;
  } finally {
    stop.abort();
    await qemu;
    await rm(dir, { recursive: true, force: true });
  }
  const ms = Math.round(performance.now() - t0);
  if (booted) return { accel: 'kvm', reason: `KVM works (test boot in ${ms} ms)` };
  if (died) {
    const first = died instanceof HostCommandError ? died.stderr.trim().split('\n')[0] : died.message;
    return { accel: 'tcg', reason: `KVM fails (${first.replace(/^qemu-system-x86_64: (error: )?/, '')})` };
  }
  return { accel: 'tcg', reason: `KVM stalls (a test boot showed nothing in ${Math.round(timeoutMs / 1000)} s)` };
}
