import { join } from 'node:path';
import type { Health } from '../server/healthz.js';
import { isPocketstack, readPid, readState } from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why the cloud is not ready for `what`, or undefined when it is. */
export function notReady(h: Health, what: 'api' | 'all'): string | undefined {
  if (h.status !== 'ok') return `the API is failing (database ${h.database.state}: ${h.database.error ?? ''})`;
  if (what === 'api') return undefined;
  if (h.host_setup && ['checking', 'installing'].includes(h.host_setup.phase))
    return `host setup: ${h.host_setup.phase}${h.host_setup.percent !== undefined ? ` ${h.host_setup.percent}%` : ''} (${h.host_setup.detail})`;
  if (h.default_image?.state === 'building') return `default image: ${h.default_image.detail}`;
  return undefined;
}

/**
 * Waits until the pocketstack of the data dir answers GET /healthz as ready
 * (`--for all`: also the host setup and the default image done), or the
 * timeout; fails at once when the process it waits for has died.
 */
export async function waitReady(opts: { dataDir: string; timeout: string; for?: string }): Promise<void> {
  const { dataDir } = opts;
  const what = opts.for === 'all' ? 'all' : 'api';
  if (!['api', 'all'].includes(opts.for ?? 'api')) {
    console.error(`--for must be api or all (not ${opts.for})`);
    process.exit(2);
  }
  const deadline = Date.now() + Number(opts.timeout) * 1000;
  let why = `nothing has started on data dir ${dataDir}`;
  for (;;) {
    const pid = readPid(dataDir);
    if (pid !== undefined && !isPocketstack(pid)) {
      console.error(
        `pocketstack (pid ${pid}) is gone without stopping: see ${join(dataDir, 'pocketstack.log')} (and console.log there after --detach)`,
      );
      process.exit(1);
    }
    const state = readState(dataDir);
    if (pid !== undefined && state?.pid === pid) {
      try {
        const res = await fetch(`${state.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        const h = (await res.json()) as Health;
        const reason = notReady(h, what);
        if (!reason) {
          console.log(`ready: ${state.url}`);
          return;
        }
        why = reason;
      } catch (e) {
        why = `${state.url} does not answer (${(e as Error).message})`;
      }
    } else if (pid !== undefined) why = `pocketstack (pid ${pid}) is starting`;
    if (Date.now() >= deadline) {
      console.error(`not ready after ${opts.timeout} s: ${why}`);
      process.exit(1);
    }
    await sleep(200);
  }
}
