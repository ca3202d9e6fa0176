import { statfs } from 'node:fs/promises';
import type { Cloud } from '../../cloud.js';
import { isoMicrosNoZone } from '../../server/time.js';

// Cinder's scheduler, for the one backend: what the backend reports
// (its pool's capabilities, also served by scheduler-stats/get_pools) and
// the CapabilitiesFilter matching a volume type's extra specs against it
// (cinder/scheduler/filters/capabilities_filter.py, extra_specs_ops.py).

export const BACKEND = 'lvmdriver-1';

/** What the backend reports; values keep their JSON types, as Cinder's host state does. */
export type Capability = string | number | boolean | null | Capability[] | { [k: string]: Capability };
export type Capabilities = Record<string, Capability>;

export const BACKEND_STATS = {
  vendor_name: 'Open Source',
  driver_version: '1.0.0',
  // DevStack's lvmdriver-1 reports iSCSI, and types written for it (Tempest's
  // default storage_protocol among them) must schedule here; attachments use
  // os-brick's local connector all the same
  storage_protocol: 'iSCSI',
  volume_backend_name: BACKEND,
};

/** The pool's capabilities now; capacity is the data dir's filesystem. */
export async function poolCapabilities(cloud: Cloud): Promise<Capabilities> {
  const s = await statfs(cloud.config.dataDir);
  const gb = (blocks: number) => Math.floor(((blocks * s.bsize) / 1024 ** 3) * 100) / 100;
  const at = isoMicrosNoZone(new Date());
  return {
    ...BACKEND_STATS,
    pool_name: BACKEND,
    total_capacity_gb: gb(s.blocks),
    free_capacity_gb: gb(s.bavail),
    reserved_percentage: 0,
    QoS_support: false,
    thin_provisioning_support: true,
    thick_provisioning_support: false,
    multiattach: true,
    timestamp: at,
    updated: at,
  };
}

/** oslo's bool_from_string (not strict): only these words are true. */
function boolFromString(v: Capability): boolean {
  if (typeof v === 'boolean') return v;
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(String(v).trim().toLowerCase());
}

/** Python's float(): booleans are 0/1, strings must be a whole number literal; otherwise undefined. */
function toFloat(v: Capability): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isNaN(n) ? undefined : n;
}

const numeric = (cmp: (a: number, b: number) => boolean) => (x: Capability, y: string) => {
  const a = toFloat(x);
  const b = toFloat(y);
  return a !== undefined && b !== undefined && cmp(a, b);
};
// Python compares a string with a non-string as unequal (and refuses to order them)
const textual = (cmp: (a: string, b: string) => boolean, mixed: boolean) => (x: Capability, y: string) =>
  typeof x === 'string' ? cmp(x, y) : mixed;

const OPS: Record<string, (x: Capability, y: string) => boolean> = {
  '=': numeric((a, b) => a >= b),
  '==': numeric((a, b) => a === b),
  '!=': numeric((a, b) => a !== b),
  '>=': numeric((a, b) => a >= b),
  '<=': numeric((a, b) => a <= b),
  '<in>': (x, y) => (typeof x === 'string' ? x.includes(y) : Array.isArray(x) && x.includes(y)),
  '<is>': (x, y) => boolFromString(x) === boolFromString(y),
  's==': textual((a, b) => a === b, false),
  's!=': textual((a, b) => a !== b, true),
  's<': textual((a, b) => a < b, false),
  's<=': textual((a, b) => a <= b, false),
  's>': textual((a, b) => a > b, false),
  's>=': textual((a, b) => a >= b, false),
};

/** extra_specs_ops.match: a requirement with an operator, `<or>` alternatives, or a plain value. */
export function specMatches(value: Capability | undefined, req: string): boolean {
  const words = req.split(/\s+/).filter((w) => w !== '');
  const op = words.shift();
  const method = op === undefined ? undefined : OPS[op];
  if (op !== '<or>' && !method) return value === req;
  if (value === undefined || value === null) return false;
  if (op === '<or>') {
    // "<or> v1 <or> v2": every other word is an alternative
    for (let i = 0; i < words.length; i += 2) if (words[i] === value) return true;
    return false;
  }
  return words.length > 0 && !!method && method(value, words[0]);
}

/**
 * CapabilitiesFilter: every extra spec that is unscoped or scoped
 * `capabilities:` must match what the backend reports (a list capability
 * matches when any of its values does); other scopes are for others.
 */
export function satisfiesExtraSpecs(caps: Capabilities, specs: Record<string, string>): boolean {
  for (const [key, req] of Object.entries(specs)) {
    const scope = key.split(':');
    if (scope.length > 1 && scope[0] !== 'capabilities') continue;
    if (scope[0] === 'capabilities') scope.shift();
    let cap: Capability | undefined = caps;
    for (const part of scope) {
      if (cap === null || typeof cap !== 'object' || Array.isArray(cap) || !(part in cap)) return false;
      cap = (cap as Record<string, Capability>)[part];
    }
    const values: Array<Capability | undefined> = Array.isArray(cap) ? cap : [cap];
    if (!values.some((v) => specMatches(v, req))) return false;
  }
  return true;
}
