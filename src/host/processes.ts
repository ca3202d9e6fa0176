import { readFileSync, rmSync } from 'node:fs';

// Long-lived processes pocketstack starts on the host (dnsmasq, qemu) are
// found again by their pid file under <data-dir>/run: a pid counts as ours
// only while the process lives and its command line still says what we
// started (a pid reused by something else is not adopted, nor killed).

/** The pid recorded in a pid file, or undefined. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A process's argv (from /proc), or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0').filter(Boolean) : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the pid file when that process lives and its argv contains `marker` (e.g. its pid file path). */
export function adoptable(pidFile: string, marker: string): number | undefined {
  const pid = readPidFile(pidFile);
  if (pid === undefined) return undefined;
  const argv = commandLine(pid);
  return argv?.some((a) => a.includes(marker)) ? pid : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs` if it still lives; no-op when gone. Removes the pid file. */
export async function stopProcess(pid: number | undefined, pidFile?: string, graceMs = 1000): Promise<void> {
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGTERM');
      for (let waited = 0; waited < graceMs && commandLine(pid); waited += 20) await sleep(20);
      if (commandLine(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (pidFile) rmSync(pidFile, { force: true });
}
