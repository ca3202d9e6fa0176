import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { isRunning, readState } from './state.js';

/** Wipes the data dir (after a confirmation unless --yes); refuses while the cloud runs. */
export async function reset(opts: { dataDir: string; yes?: boolean }): Promise<void> {
  const { dataDir } = opts;
  const state = readState(dataDir);
  if (isRunning(state)) {
    console.error(`pocketstack is running on ${state!.url} (pid ${state!.pid}); stop it first.`);
    process.exit(1);
  }
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) {
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
  for (const f of readdirSync(dataDir)) rmSync(join(dataDir, f), { recursive: true, force: true });
  console.log(`reset ${dataDir}`);
}
