import { existsSync, readdirSync } from 'node:fs';
import { guestFiles, instancesDir } from '../drivers/compute/qemu/layout.js';
import { livePid } from '../drivers/compute/qemu/process.js';
import { bridgeNamespace, hostTag } from '../host/names.js';
import { namespaceExists } from '../host/netns.js';
import { dataDirArg, selfCommand } from './self.js';
import { isPocketstack, markStopped, readState, removePidFile, runningPid } from './state.js';

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

/** Stops the pocketstack running on the data dir: SIGTERM, then SIGKILL after the timeout. */
export async function stop(opts: { dataDir: string; timeout: string }): Promise<void> {
  const { dataDir } = opts;
  const pid = runningPid(dataDir);
  if (!pid) {
    console.log(`pocketstack is not running (data dir ${dataDir})`);
    return;
  }
  const url = readState(dataDir)?.url;
  process.kill(pid, 'SIGTERM');
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!(await gone(pid, timeoutMs))) {
    process.kill(pid, 'SIGKILL');
    if (!(await gone(pid, 5000))) {
      console.error(`pocketstack (pid ${pid}) is still running after SIGKILL`);
      process.exit(1);
    }
    removePidFile(dataDir, pid);
    markStopped(dataDir);
    console.log(`pocketstack (pid ${pid}) did not stop within ${opts.timeout} s: killed`);
  } else console.log(`stopped pocketstack (pid ${pid}${url ? `, ${url}` : ''}, data dir ${dataDir})`);
  const left = await leftOnHost(dataDir);
  if (left) console.log(left);
}
