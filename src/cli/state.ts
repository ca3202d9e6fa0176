import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running pocketstack leaves in its data dir so the other commands can find it. */
export interface RunState {
  url: string;
  pid: number;
  startedAt: string;
  /** The seeded users' password, so `openrc` can print it (the data dir is the user's own, mode 0600). */
  password: string;
  region: string;
  /** The drivers this run chose (auto picks by what the host allows). */
  drivers?: { network?: string; compute?: string };
  /** The public network's range (DevStack's FLOATING_RANGE). */
  floatingRange?: string;
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

export function isRunning(state: RunState | undefined): boolean {
  if (!state?.pid) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch {
    return false;
  }
}
