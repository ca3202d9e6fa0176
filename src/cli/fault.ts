import type { FaultRule } from '../faults/faults.js';
import { Client } from './client.js';
import { cloudCredentials } from './openrc.js';
import { isRunning, readState } from './state.js';

// `pocketstack fault add|list|clear`: the running cloud's /pocketstack/v1/faults, as admin.

export interface FaultAddOptions {
  dataDir: string;
  service?: string;
  method?: string;
  path?: string;
  step?: string;
  status?: string;
  message?: string;
  hang?: string;
  slow?: string;
  count?: string;
}

async function admin(dataDir: string): Promise<Client> {
  if (!isRunning(readState(dataDir))) {
    console.error(`pocketstack is not running on ${dataDir}: start it with --faults first`);
    process.exit(1);
  }
  const c = new Client(cloudCredentials(dataDir, 'admin', 'admin'));
  await c.login();
  return c;
}

/** One line per rule: what it matches, what it does, how many are left. */
export function describeFault(f: FaultRule): string {
  const what = f.step ?? ([f.service, f.method, f.path].filter(Boolean).join(' ') || 'any request');
  const does =
    f.action === 'fail'
      ? f.step
        ? `fail${f.message ? `: ${f.message}` : ''}`
        : `fail with ${f.status}${f.message ? ` (${f.message})` : ''}`
      : `${f.action} ${f.delay_ms} ms`;
  const left = f.count === 0 ? `every time (${f.hits} so far)` : `${f.count - f.hits} more time(s)`;
  return `${f.id}  ${what}: ${does}, ${left}`;
}

async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    console.error(`pocketstack fault: ${(e as Error).message}`);
    process.exit(1);
  }
}

export function faultAdd(opts: FaultAddOptions): Promise<void> {
  return guarded(async () => {
    const fault: Record<string, unknown> = {};
    for (const k of ['service', 'method', 'path', 'step', 'message'] as const) if (opts[k]) fault[k] = opts[k];
    if (opts.hang !== undefined && opts.slow !== undefined) throw new Error('--hang or --slow, not both');
    fault.action = opts.hang !== undefined ? 'hang' : opts.slow !== undefined ? 'slow' : 'fail';
    if (opts.hang ?? opts.slow) fault.delay_ms = Number(opts.hang ?? opts.slow);
    if (opts.status) fault.status = Number(opts.status);
    if (opts.count) fault.count = Number(opts.count);
    const c = await admin(opts.dataDir);
    const out = await c.call<{ fault: FaultRule }>('pocketstack', 'POST', '/faults', { fault });
    console.log(describeFault(out.fault));
  });
}

export function faultList(opts: { dataDir: string }): Promise<void> {
  return guarded(async () => {
    const c = await admin(opts.dataDir);
    const { faults } = await c.call<{ faults: FaultRule[] }>('pocketstack', 'GET', '/faults');
    console.log(faults.length ? faults.map(describeFault).join('\n') : 'no faults');
  });
}

export function faultClear(id: string | undefined, opts: { dataDir: string }): Promise<void> {
  return guarded(async () => {
    const c = await admin(opts.dataDir);
    await c.call('pocketstack', 'DELETE', id ? `/faults/${id}` : '/faults');
    console.log(id ? `fault ${id} cleared` : 'all faults cleared');
  });
}
