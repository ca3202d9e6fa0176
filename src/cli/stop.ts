import { existsSync, readdirSync } from 'node:fs';
import { guestFiles, instancesDir } from '../drivers/compute/qemu/layout.js';
import { livePid } from '../drivers/compute/qemu/process.js';
import { bridgeNamespace, hostTag } from '../host/names.js';
import { namespaceExists } from '../host/netns.js';
import { dataDirArg, selfCommand } from './self.js';
import {
  isPocketstack,
  joinedPids,
  markStopped,
  readState,
  removeJoinedPidFile,
  removePidFile,
  runningPid,
} from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isPocketstack(pid)) return true;
    await sleep(100);
  }
  return !isPocketstack(pid);
}

/** The qemu guests of this data dir still running (they outlive pocketstack, to be re-adopted). */
async function liveGuests(dataDir: string): Promise<number> {
  const dir = instancesDir(dataDir);
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const uuid of readdirSync(dir)) {
    try {
      if (await livePid(guestFiles(dataDir, uuid).pid, uuid)) n++;
    } catch {
      // _base and anything not named by an instance id
    }
  }
  return n;
}

/** What stays on the host after a stop (linux network driver): said, with how to remove it. */
async function leftOnHost(dataDir: string): Promise<string | undefined> {
  const ns = bridgeNamespace(hostTag(dataDir));
  if (process.platform !== 'linux' || !namespaceExists(ns)) return undefined;
  const guests = await liveGuests(dataDir);
  return `its network namespaces (${ns}, qrouter-*, qdhcp-*)${guests ? ` and ${guests} running guest${guests > 1 ? 's' : ''}` : ''} stay on the host for the next start; \`${selfCommand()} reset${dataDirArg(dataDir)}\` removes them (and all state)`;
}

/**
 * Stops the pocketstack running on the data dir, and the processes that
 * joined it on the same PostgreSQL database: SIGTERM, then SIGKILL after the
 * timeout.
 */
export async function stop(opts: { dataDir: string; timeout: string }): Promise<void> {
  const { dataDir } = opts;
  const first = runningPid(dataDir);
  const joined = joinedPids(dataDir).filter((p) => p !== first);
  const pids = [...(first ? [first] : []), ...joined];
  if (pids.length === 0) {
    console.log(`pocketstack is not running (data dir ${dataDir})`);
    return;
  }
  const url = first ? readState(dataDir)?.url : undefined;
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const timeoutMs = Number(opts.timeout) * 1000;
  const killed: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      if (await gone(pid, timeoutMs)) return;
      process.kill(pid, 'SIGKILL');
      if (!(await gone(pid, 5000))) {
        console.error(`pocketstack (pid ${pid}) is still running after SIGKILL`);
        process.exit(1);
      }
      killed.push(pid);
      if (pid === first) {
        removePidFile(dataDir, pid);
        markStopped(dataDir);
      } else removeJoinedPidFile(dataDir, pid);
    }),
  );
  const beside = `${joined.length} process${joined.length > 1 ? 'es' : ''} on the same database (pid ${joined.join(', ')})`;
  if (!first) console.log(`stopped pocketstack: ${beside}, data dir ${dataDir}`);
  else
    console.log(
      `stopped pocketstack (pid ${first}${url ? `, ${url}` : ''}, data dir ${dataDir})${joined.length ? ` and ${beside}` : ''}`,
    );
  if (killed.length)
    console.log(`pid ${killed.sort((a, b) => a - b).join(', ')} did not stop within ${opts.timeout} s: killed`);
  const left = await leftOnHost(dataDir);
  if (left) console.log(left);
}
