import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirArg, selfCommand } from './self.js';
import { readState } from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the file got since `offset`. */
function since(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * `start --detach`: the same start, in a process of its own session writing
 * its console to <data-dir>/console.log; returns once it answers (printing
 * what it printed) or fails with what it printed when it exits first.
 */
export async function detach(dataDir: string, timeoutS = 300): Promise<void> {
  const consoleLog = join(dataDir, 'console.log');
  const offset = existsSync(consoleLog) ? statSync(consoleLog).size : 0;
  const fd = openSync(consoleLog, 'a', 0o600);
  // argv[1] is this program; the rest are start's arguments, the data dir made absolute
  const args = [...process.argv.slice(1).filter((a) => a !== '--detach'), '--data-dir', dataDir];
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exit: string | undefined;
  child.on('exit', (code, signal) => {
    exit = signal ?? `exit ${code}`;
  });
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    await sleep(100);
    if (exit !== undefined) {
      process.stderr.write(since(consoleLog, offset));
      console.error(`pocketstack did not start (${exit}; its output is in ${consoleLog})`);
      process.exit(1);
    }
    const state = readState(dataDir);
    if (!state || state.pid !== child.pid) continue;
    const ok = await fetch(`${state.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!ok) continue;
    process.stdout.write(since(consoleLog, offset));
    console.log(
      `running in the background (pid ${child.pid}); its console goes to ${consoleLog}, its log to ${join(dataDir, 'pocketstack.log')}; stop it with \`${selfCommand()} stop${dataDirArg(dataDir)}\``,
    );
    child.unref();
    process.exit(0);
  }
  console.error(
    `pocketstack (pid ${child.pid}) is not ready after ${timeoutS} s; it goes on starting in the background: see ${consoleLog}`,
  );
  child.unref();
  process.exit(1);
}
