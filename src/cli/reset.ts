import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { removeAllOnHost } from '../drivers/network/linux/driver.js';
import { bridgeNamespace, hostTag } from '../host/names.js';
import { namespaceExists } from '../host/netns.js';
import { isRunning, readState } from './state.js';

/**
 * What the linux network driver made on the host for this data dir: its
 * namespaces (their dnsmasq and qemu killed) and the host veth. Needs root;
 * without it, says what is left.
 */
async function resetHost(dataDir: string): Promise<void> {
  const brns = bridgeNamespace(hostTag(dataDir));
  if (process.platform !== 'linux') return;
  if (process.getuid?.() !== 0) {
    if (namespaceExists(brns))
      console.error(`the network namespaces of this cloud (${brns}, ...) remain: reset as root`);
    return;
  }
  try {
    const removed = await removeAllOnHost(dataDir);
    if (removed.length) console.log(`removed from the host: ${removed.join(', ')}`);
  } catch (e) {
    console.error(`cleaning the host failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

/** Wipes the data dir and what the cloud made on the host (after a confirmation unless --yes); refuses while the cloud runs. */
export async function reset(opts: { dataDir: string; yes?: boolean }): Promise<void> {
  const { dataDir } = opts;
  const state = readState(dataDir);
  if (isRunning(state)) {
    console.error(`pocketstack is running on ${state!.url} (pid ${state!.pid}); stop it first.`);
    process.exit(1);
  }
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) {
    await resetHost(dataDir);
    console.log(`nothing to reset in ${dataDir}`);
    return;
  }
  if (!opts.yes) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Delete everything in ${dataDir} (users, images, servers, volumes)? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('left as it was');
      return;
    }
  }
  await resetHost(dataDir);
  for (const f of readdirSync(dataDir)) rmSync(join(dataDir, f), { recursive: true, force: true });
  console.log(`reset ${dataDir}`);
}
