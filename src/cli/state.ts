import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running pocketstack leaves in its data dir so the other commands can find it. */
export interface RunState {
  url: string;
  pid: number;
  startedAt: string;
  /**
   * The seeded users' password, so `openrc` can print it (the data dir is the
   * user's own, mode 0600); absent when start could not confirm it works.
   */
  password?: string;
  region: string;
  /** The drivers this run chose (auto picks by what the host allows). */
  drivers?: { network?: string; compute?: string };
  /** The public network's range (DevStack's FLOATING_RANGE). */
  floatingRange?: string;
  /** The PostgreSQL database, password hidden (--database); absent: SQLite in the data dir. */
  database?: string;
}

const FILE = 'pocketstack.json';

export function writeState(dataDir: string, state: RunState): void {
  const file = join(dataDir, FILE);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readState(dataDir: string): RunState | undefined {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/** Marks the cloud stopped, keeping what openrc needs (url and password) for the next start. */
export function markStopped(dataDir: string): void {
  const state = readState(dataDir);
  if (state) writeState(dataDir, { ...state, pid: 0 });
}

export function clearState(dataDir: string): void {
  rmSync(join(dataDir, FILE), { force: true });
}

const PID_FILE = 'pocketstack.pid';

/** <data-dir>/pocketstack.pid: written as start begins, removed when it ends. */
export function writePidFile(dataDir: string): void {
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
}

export function readPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the pid file if it still names this process (a newer start may have replaced it). */
export function removePidFile(dataDir: string, pid = process.pid): void {
  if (readPid(dataDir) === pid) rmSync(join(dataDir, PID_FILE), { force: true });
}

// A process that joins the first on the same data dir and PostgreSQL
// database (start --database while one runs) has a pid file of its own,
// <data-dir>/pocketstack-<pid>.pid, so that `stop` finds every process of the
// cloud; the first keeps pocketstack.pid.
const JOINED = /^pocketstack-(\d+)\.pid$/;

/** <data-dir>/pocketstack-<pid>.pid for this process, which joined another; removed when it ends. */
export function writeJoinedPidFile(dataDir: string): void {
  writeFileSync(join(dataDir, `pocketstack-${process.pid}.pid`), `${process.pid}\n`);
}

export function removeJoinedPidFile(dataDir: string, pid = process.pid): void {
  rmSync(join(dataDir, `pocketstack-${pid}.pid`), { force: true });
}

/** The live processes that joined the cloud on this data dir (stale pid files, of a process killed, go). */
export function joinedPids(dataDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const m = JOINED.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    if (isPocketstack(pid)) pids.push(pid);
    else removeJoinedPidFile(dataDir, pid);
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Whether pid is a live pocketstack: on Linux its command line must name
 * pocketstack (a pid reused by another program after a crash is not ours);
 * elsewhere, that it lives.
 */
export function isPocketstack(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pocketstack');
  } catch {
    return false;
  }
}

/** The pid of the pocketstack running (or starting) on this data dir, if any. */
export function runningPid(dataDir: string): number | undefined {
  for (const pid of [readPid(dataDir), readState(dataDir)?.pid])
    if (pid && pid !== process.pid && isPocketstack(pid)) return pid;
  return undefined;
}

export function isRunning(state: RunState | undefined): boolean {
  if (!state?.pid) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch {
    return false;
  }
}
