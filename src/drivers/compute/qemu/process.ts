import { readFile } from 'node:fs/promises';

// qemu runs daemonized (-daemonize, -pidfile), so a guest outlives a
// pocketstack restart and is re-adopted: its pid file names it, and
// /proc/<pid>/cmdline must still be a qemu with the guest's uuid (a pid can
// be reused once qemu is gone).

export async function readPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Whether `pid` is the qemu of guest `uuid`. */
export async function isGuestProcess(pid: number, uuid: string): Promise<boolean> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  if (!cmd) return false;
  const args = cmd.split('\0');
  return args[0].includes('qemu-system') && args.includes(uuid);
}

/** The guest's live qemu pid, if it runs. */
export async function livePid(pidFile: string, uuid: string): Promise<number | undefined> {
  const pid = await readPid(pidFile);
  return pid !== undefined && (await isGuestProcess(pid, uuid)) ? pid : undefined;
}

/** Waits (bounded) until the process is gone; true when it is. */
export async function waitGone(pid: number, uuid: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!(await isGuestProcess(pid, uuid))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !(await isGuestProcess(pid, uuid));
}

/** SIGKILL, then wait for it to be gone (a zombie's cmdline is empty, so it counts as gone). */
export async function killGuest(pid: number, uuid: string): Promise<void> {
  if (!(await isGuestProcess(pid, uuid))) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await waitGone(pid, uuid, 10_000))) throw new Error(`qemu ${pid} of ${uuid} did not die`);
}
