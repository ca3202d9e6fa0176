import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { BadRequest } from '../server/errors.js';
import type { Store } from '../store/db.js';
import { deleteRules, loadRules, putRule } from './store.js';

// Fault injection for client tests (`start --faults`): the next N operations
// that match a rule fail with a status or a fault, hang, or slow down. An
// operation is an API request (by service, method and path pattern) or a
// driver step (compute.spawn, volume.create, ...). Rules are matched in
// memory, one registry per cloud, and kept in the store (store.ts): a
// restart keeps them. Nothing here runs unless the cloud started with faults
// on (the request hook and the driver wrappers are not installed otherwise).

export type FaultAction = 'fail' | 'hang' | 'slow';

export interface FaultRule {
  id: string;
  /** Service name as mounted: identity, compute, image, network, volume, orchestration, placement. */
  service?: string;
  method?: string;
  /** A glob over the request path (`*` any characters), matched against the full path and the path below the service's mount. */
  path?: string;
  /** A driver step instead of a request: compute.spawn, compute.schedule, volume.create, ... */
  step?: string;
  action: FaultAction;
  /** fail on a request: the HTTP status (default 500), in the service's own error body. */
  status?: number;
  message?: string;
  /** hang: how long before the connection is dropped (a step: before it fails); slow: the delay added. */
  delay_ms?: number;
  /** How many matching operations it applies to (default 1); 0: every one until cleared. */
  count: number;
  /** How many it has applied to so far. */
  hits: number;
  created_at: string;
}

/** The driver steps a rule can name (compute.schedule is the scheduler: its failure is a NoValidHost). */
export const COMPUTE_STEPS = [
  'schedule',
  'spawn',
  'destroy',
  'powerOn',
  'powerOff',
  'reboot',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'snapshot',
  'resize',
  'rescue',
  'unrescue',
  'attachVolume',
  'detachVolume',
  'attachInterface',
  'detachInterface',
] as const;
export const VOLUME_STEPS = [
  'create',
  'copy',
  'importImage',
  'exportImage',
  'extend',
  'remove',
  'writeChunks',
] as const;
export const STEPS = [...COMPUTE_STEPS.map((s) => `compute.${s}`), ...VOLUME_STEPS.map((s) => `volume.${s}`)];
const SERVICES = ['identity', 'compute', 'image', 'network', 'volume', 'orchestration', 'placement'];
const MAX_DELAY_MS = 600_000;

/** What a step fault throws: the message the resource's fault records. */
export class InjectedFault extends Error {}

export class FaultRegistry {
  private rules: FaultRule[] = [];
  private db: Store | undefined;
  private seq = 0;
  /** The store writes, in the order of the changes. */
  private writes: Promise<void> = Promise.resolve();
  private writeError: Error | undefined;

  /** Loads the rules kept in the store and writes every later change through to it. */
  async attach(db: Store): Promise<void> {
    this.db = db;
    const kept = await loadRules(db);
    // rules added before the store was there (none in practice) stay after the kept ones
    this.rules = [...kept, ...this.rules.filter((r) => !kept.some((k) => k.id === r.id))];
    this.seq = this.rules.length;
    for (const r of this.rules.slice(kept.length)) this.write((d) => putRule(d, r, this.seq++));
  }

  private write(op: (db: Store) => Promise<void>): void {
    const db = this.db;
    if (!db) return;
    this.writes = this.writes.then(() =>
      op(db).catch((e: Error) => {
        this.writeError = e;
      }),
    );
  }

  /** Resolves once every change so far is in the store; throws if one could not be written. */
  async flush(): Promise<void> {
    await this.writes;
    const e = this.writeError;
    this.writeError = undefined;
    if (e) throw e;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  get(id: string): FaultRule | undefined {
    return this.rules.find((r) => r.id === id);
  }

  /** Adds a rule from an API body; throws BadRequest saying what is wrong. */
  add(body: unknown): FaultRule {
    const b = (body ?? {}) as Record<string, unknown>;
    const known = ['service', 'method', 'path', 'step', 'action', 'status', 'message', 'delay_ms', 'count'];
    for (const k of Object.keys(b)) if (!known.includes(k)) throw new BadRequest(`unknown fault attribute ${k}`);
    const str = (k: string) => {
      if (b[k] === undefined || b[k] === null) return undefined;
      if (typeof b[k] !== 'string' || b[k] === '') throw new BadRequest(`${k} must be a non-empty string`);
      return b[k] as string;
    };
    const int = (k: string, min: number, max: number) => {
      if (b[k] === undefined || b[k] === null) return undefined;
      const n = b[k];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
        throw new BadRequest(`${k} must be an integer from ${min} to ${max}`);
      return n;
    };
    const action = (str('action') ?? 'fail') as FaultAction;
    if (!['fail', 'hang', 'slow'].includes(action)) throw new BadRequest('action must be fail, hang or slow');
    const service = str('service');
    if (service && !SERVICES.includes(service)) throw new BadRequest(`service must be one of ${SERVICES.join(', ')}`);
    const step = str('step');
    if (step && !STEPS.includes(step)) throw new BadRequest(`step must be one of ${STEPS.join(', ')}`);
    const method = str('method')?.toUpperCase();
    const path = str('path');
    if (step && (service || method || path)) throw new BadRequest('a fault names a driver step or a request, not both');
    if (!step && !service && !method && !path)
      throw new BadRequest('a fault names a step, or at least one of service, method and path');
    const status = int('status', 400, 599);
    if (status !== undefined && (step || action !== 'fail'))
      throw new BadRequest('status is for failing requests (a failing step records its message as the fault)');
    const rule: FaultRule = {
      id: randomUUID(),
      ...(service ? { service } : {}),
      ...(method ? { method } : {}),
      ...(path ? { path } : {}),
      ...(step ? { step } : {}),
      action,
      ...(action === 'fail' && !step ? { status: status ?? 500 } : {}),
      ...(str('message') ? { message: str('message') } : {}),
      ...(action !== 'fail'
        ? { delay_ms: int('delay_ms', 0, MAX_DELAY_MS) ?? (action === 'hang' ? 60_000 : 2_000) }
        : {}),
      count: int('count', 0, 1_000_000) ?? 1,
      hits: 0,
      created_at: new Date().toISOString(),
    };
    this.rules.push(rule);
    const seq = this.seq++;
    const kept = { ...rule };
    this.write((db) => putRule(db, kept, seq));
    return { ...rule };
  }

  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    if (this.rules.length === n) return false;
    this.write((db) => deleteRules(db, [id]));
    return true;
  }

  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    this.write((db) => deleteRules(db));
    return n;
  }

  /** The first rule for this request, counted as applied (and dropped when used up). */
  takeRequest(service: string, method: string, fullPath: string, mount: string): FaultRule | undefined {
    const inner = fullPath.startsWith(mount) ? fullPath.slice(mount.length) || '/' : fullPath;
    return this.take(
      (r) =>
        !r.step &&
        (!r.service || r.service === service) &&
        (!r.method || r.method === method) &&
        (!r.path || globMatch(r.path, fullPath) || globMatch(r.path, inner)),
    );
  }

  /** The first rule for this driver step, counted as applied. */
  takeStep(step: string): FaultRule | undefined {
    return this.take((r) => r.step === step);
  }

  private take(match: (r: FaultRule) => boolean): FaultRule | undefined {
    const rule = this.rules.find(match);
    if (!rule) return undefined;
    rule.hits++;
    const now = { ...rule };
    if (rule.count > 0 && rule.hits >= rule.count) {
      this.rules = this.rules.filter((r) => r !== rule);
      this.write((db) => deleteRules(db, [now.id]));
    } else this.write((db) => putRule(db, now, 0));
    return { ...rule };
  }
}

/** `*` matches any characters (slashes too); everything else literally; the whole path must match. */
export function globMatch(glob: string, path: string): boolean {
  const re = glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${re.join('.*')}$`).test(path);
}

const registries = new WeakMap<Config, FaultRegistry>();

/** The cloud's registry when it runs with faults on, else undefined. */
export function faultRegistry(config: Config): FaultRegistry | undefined {
  if (!config.faults) return undefined;
  let r = registries.get(config);
  if (!r) {
    r = new FaultRegistry();
    registries.set(config, r);
  }
  return r;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref?.());

/** Applies a step rule, if one matches: throws (fail, and hang once its time is up) or waits (slow). */
export async function atStep(config: Config, step: string): Promise<void> {
  const rule = faultRegistry(config)?.takeStep(step);
  if (!rule) return;
  if (rule.action !== 'fail') await sleep(rule.delay_ms ?? 0);
  if (rule.action === 'slow') return;
  throw new InjectedFault(
    rule.message ??
      (rule.action === 'hang'
        ? `injected fault: ${step} hung for ${rule.delay_ms} ms`
        : `injected fault: ${step} failed`),
  );
}

/**
 * The driver with every named step behind atStep (`prefix.step`). Other
 * properties pass through, so tests still reach a fake's own controls.
 */
export function withStepFaults<T extends object>(
  config: Config,
  driver: T,
  prefix: string,
  steps: readonly string[],
): T {
  if (!config.faults) return driver;
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !steps.includes(prop)) return value.bind(target);
      return async (...args: unknown[]) => {
        await atStep(config, `${prefix}.${prop}`);
        return value.apply(target, args);
      };
    },
  });
}
