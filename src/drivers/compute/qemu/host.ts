import { readFileSync, statfsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../host/exec.js';
import type { HostInfo } from '../driver.js';
import { type AccelChoice, type Accelerator, probeAccelerator } from './accel.js';

// What this host offers guests, for the hypervisor views and the scheduler:
// its real CPUs, memory and the disk holding the data dir. Nova's
// allocation ratios apply in the scheduler (build.ts), not here.

/** qemu's version as Nova's libvirt driver reports it: 7.2.22 → 7002022. */
export async function qemuVersion(): Promise<number> {
  const out = await run('qemu-system-x86_64', ['--version']);
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(out);
  return m ? Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]) : 0;
}

function cpuVendor(): string {
  try {
    const m = /vendor_id\s*:\s*(\S+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1] === 'AuthenticAMD' ? 'AMD' : m?.[1] === 'GenuineIntel' ? 'Intel' : (m?.[1] ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

export function hostInfo(dataDir: string, version: number, accel: Accelerator): HostInfo {
  let localGb = 0;
  try {
    const fs = statfsSync(dataDir);
    localGb = Math.floor((fs.blocks * fs.bsize) / 1024 ** 3);
  } catch {
    localGb = 0;
  }
  const n = Math.max(cpus().length, 1);
  return {
    hypervisor_type: 'QEMU',
    hypervisor_version: version,
    hypervisor_hostname: hostname(),
    vcpus: n,
    memory_mb: Math.floor(totalmem() / 1048576),
    local_gb: localGb,
    cpu_info: {
      arch: 'x86_64',
      model: accel === 'kvm' ? 'host' : 'qemu64',
      vendor: cpuVendor(),
      topology: { cells: 1, sockets: 1, cores: n, threads: 1 },
      features: [],
      // not Nova's: which accelerator runs the guests (kvm, or tcg when KVM is absent or fails)
      accelerator: accel,
    },
  };
}

/**
 * The accelerator, probed once per host boot: the verdict is kept in
 * <data-dir>/run/accelerator.json with the kernel's boot id, so a restart
 * does not pay for a stalling probe again, and a reboot probes afresh.
 */
export async function chooseAccelerator(dataDir: string): Promise<AccelChoice> {
  const file = join(dataDir, 'run', 'accelerator.json');
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const kept = JSON.parse((await readFile(file, 'utf8').catch(() => '')) || '{}') as Partial<AccelChoice> & {
    bootId?: string;
  };
  if (bootId && kept.bootId === bootId && kept.accel && kept.reason) return { accel: kept.accel, reason: kept.reason };
  const choice = await probeAccelerator();
  await mkdir(join(dataDir, 'run'), { recursive: true });
  await writeFile(file, `${JSON.stringify({ ...choice, bootId })}\n`);
  return choice;
}
