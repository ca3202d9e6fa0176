import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';
import { isUuid } from '../../server/ids.js';
import { invalidAttr, invalidInput } from './errors.js';
import { normalizeIp, parseCidr } from './ip.js';

// Request bodies the way Neutron's attribute maps treat them: the resource key,
// unknown attributes, POST-only and read-only attributes, defaults, converters
// and validators, each refusal worded as Neutron words it.

/** Converts and validates one value; throws a 400 naming `attr`. */
export type Check = (value: unknown, attr: string) => unknown;

export interface AttrSpec {
  post?: boolean;
  put?: boolean;
  /** A value, or a function of the parsed body, filled in on POST when absent. */
  default?: unknown;
  check?: Check;
}
export type AttrMap = Record<string, AttrSpec>;

export type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resourceBody(body: unknown, member: string): Body {
  if (body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0))
    throw new BadRequest('Resource body required');
  if (!isObject(body) || !(member in body)) throw new BadRequest(`Unable to find '${member}' in request body`);
  const inner = body[member];
  if (!isObject(inner)) throw invalidInput(`Invalid input for ${member}. Reason: Must be a dictionary.`);
  return inner;
}

/** The bodies of a create: `{member: {...}}`, or a bulk `{collection: [...]}`. */
export function createBodies(body: unknown, member: string, collection: string): { items: Body[]; bulk: boolean } {
  if (isObject(body) && Array.isArray(body[collection])) {
    const items = body[collection] as unknown[];
    if (!items.length) throw new BadRequest('Resources required');
    return { items: items.map((b) => resourceBody({ [member]: b }, member)), bulk: true };
  }
  return { items: [resourceBody(body, member)], bulk: false };
}

function ownerInfo(ctx: AuthContext, b: Body): void {
  if ('tenant_id' in b && !('project_id' in b)) b.project_id = b.tenant_id;
  if ('project_id' in b && !('tenant_id' in b)) b.tenant_id = b.project_id;
  if (b.project_id !== b.tenant_id) throw new BadRequest("'project_id' and 'tenant_id' do not match");
  if ('project_id' in b && b.project_id !== ctx.projectId && !ctx.isAdmin)
    throw new BadRequest(
      "Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.",
    );
  delete b.tenant_id;
}

function unknownKeys(b: Body, attrs: AttrMap): void {
  const extra = Object.keys(b).filter((k) => !(k in attrs) && k !== 'project_id');
  if (extra.length) throw new BadRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`);
}

/** A create body, checked, with defaults filled and project_id set. */
export function parseCreate(ctx: AuthContext, raw: Body, attrs: AttrMap): Body {
  const b: Body = { ...raw };
  ownerInfo(ctx, b);
  unknownKeys(b, attrs);
  for (const [k, spec] of Object.entries(attrs)) {
    if (!spec.post) {
      if (k in b) throw invalidInput(`Attribute '${k}' not allowed in POST`);
      continue;
    }
    if (!(k in b)) {
      if (!('default' in spec)) throw invalidInput(`Failed to parse request. Required attribute '${k}' not specified`);
      continue;
    }
    if (spec.check) b[k] = spec.check(b[k], k);
  }
  for (const [k, spec] of Object.entries(attrs))
    if (spec.post && !(k in b)) b[k] = typeof spec.default === 'function' ? spec.default(b) : spec.default;
  b.project_id ??= ctx.projectId ?? '';
  return b;
}

/** An update body, checked: only attributes that may change. */
export function parseUpdate(ctx: AuthContext, body: unknown, member: string, attrs: AttrMap): Body {
  const b: Body = { ...resourceBody(body, member) };
  if ('tenant_id' in b || 'project_id' in b) {
    const k = 'project_id' in b ? 'project_id' : 'tenant_id';
    throw new BadRequest(`Cannot update read-only attribute ${k}`);
  }
  unknownKeys(b, attrs);
  for (const k of Object.keys(b)) {
    const spec = attrs[k];
    if (!spec.put) throw new BadRequest(`Cannot update read-only attribute ${k}`);
    if (spec.check) b[k] = spec.check(b[k], k);
  }
  void ctx;
  return b;
}

// ---- checks (neutron-lib validators and converters) ----

export const str =
  (max = 255): Check =>
  (v, attr) => {
    if (typeof v !== 'string') throw invalidAttr(attr, `'${show(v)}' is not a valid string`);
    if (v.length > max) throw invalidAttr(attr, `'${v}' exceeds maximum length of ${max}`);
    return v;
  };

export const nullableStr =
  (max = 255): Check =>
  (v, attr) =>
    v === null ? null : str(max)(v, attr);

export const bool: Check = (v) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const t = String(v).toLowerCase();
    if (['true', '1', 'yes', 'on', 't', 'y'].includes(t)) return true;
    if (['false', '0', 'no', 'off', 'f', 'n'].includes(t)) return false;
  }
  throw invalidInput(`'${show(v)}' cannot be converted to boolean`);
};

export const uuid: Check = (v, attr) => {
  if (typeof v !== 'string' || !isUuid(v)) throw invalidAttr(attr, `'${show(v)}' is not a valid UUID`);
  return v;
};

export const nullableUuid: Check = (v, attr) => (v === null ? null : uuid(v, attr));

export const int =
  (min?: number, max?: number): Check =>
  (v, attr) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidAttr(attr, `'${show(v)}' is not an integer`);
    if (min !== undefined && n < min) throw invalidAttr(attr, `'${n}' is too small - must be at least '${min}'`);
    if (max !== undefined && n > max) throw invalidAttr(attr, `'${n}' is too large - must be no larger than '${max}'`);
    return n;
  };

export const ipAddress: Check = (v, attr) => {
  const n = typeof v === 'string' ? normalizeIp(v) : undefined;
  if (!n) throw invalidAttr(attr, `'${show(v)}' is not a valid IP address`);
  return n;
};

export const nullableIp: Check = (v, attr) => (v === null ? null : ipAddress(v, attr));

export const subnetCidr: Check = (v, attr) => {
  const c = typeof v === 'string' && v.includes('/') ? parseCidr(v) : undefined;
  if (!c) throw invalidAttr(attr, `'${show(v)}' is not a valid IP subnet`);
  return v;
};

export const oneOf =
  (...allowed: (string | number | null)[]): Check =>
  (v, attr) => {
    if (!allowed.includes(v as string)) throw invalidAttr(attr, `'${show(v)}' is not in ${pyList(allowed)}`);
    return v;
  };

export const listOf =
  (each: Check): Check =>
  (v, attr) => {
    if (!Array.isArray(v)) throw invalidAttr(attr, `'${show(v)}' is not a list`);
    return v.map((x) => each(x, attr));
  };

export const uniqueListOf =
  (each: Check): Check =>
  (v, attr) => {
    const out = listOf(each)(v, attr) as unknown[];
    const dup = out.find((x, i) => out.indexOf(x) !== i);
    if (dup !== undefined) throw invalidAttr(attr, `Duplicate items in the list: '${show(dup)}'`);
    return out;
  };

export const dict: Check = (v, attr) => {
  if (!isObject(v)) throw invalidAttr(attr, `'${show(v)}' is not a dictionary`);
  return v;
};

export const any: Check = (v) => v;

export function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return JSON.stringify(v);
}

function pyList(items: unknown[]): string {
  return `[${items.map((i) => (i === null ? 'None' : typeof i === 'string' ? `'${i}'` : String(i))).join(', ')}]`;
}
