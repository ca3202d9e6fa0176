import { BadRequest } from '../../server/errors.js';
import { isUuid } from '../../server/ids.js';

// Request body checks with Cinder's jsonschema wording (cinder/api/validation):
// "Invalid input for field/attribute <path>. Value: <value>. <reason>".

export function invalidField(path: string, value: unknown, reason: string): BadRequest {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new BadRequest(`Invalid input for field/attribute ${path}. Value: ${shown}. ${reason}`);
}

type Obj = Record<string, unknown>;

/** body[key] as an object; Cinder's 400 when the body or the key is missing. */
export function member(body: unknown, key: string): Obj {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidField('body', body ?? null, `'${key}' is a required property`);
  const v = (body as Obj)[key];
  if (v === undefined) throw invalidField(key, body, `'${key}' is a required property`);
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw invalidField(key, v, `${JSON.stringify(v)} is not of type 'object'`);
  return v as Obj;
}

/** Cinder's 400 for keys of `body` (the member named `path`) outside `allowed` (additionalProperties: false). */
export function rejectUnexpected(path: string, body: Obj, allowed: string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw invalidField(path, body, `Additional properties are not allowed ('${extra.join("', '")}' was unexpected)`);
}

/** A string or null field of at most maxLength characters (names are trimmed, as Cinder does). */
export function optString(o: Obj, key: string, maxLength = 255, trim = false): string | null | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'string') throw invalidField(key, v, `${JSON.stringify(v)} is not of type 'string', 'null'`);
  const s = trim ? v.trim() : v;
  if (s.length > maxLength) throw invalidField(key, v, `'${v}' is too long`);
  return s;
}

/** A positive integer given as a number or a string of digits (Cinder's volume_size). */
export function optSize(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (v < 1) throw invalidField(key, v, `${v} is less than the minimum of 1`);
    return v;
  }
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) {
    const n = Number(v);
    if (n < 1) throw invalidField(key, v, `${v} is less than the minimum of 1`);
    return n;
  }
  throw invalidField(key, v, `${JSON.stringify(v)} is not of type 'integer', 'string', 'null'`);
}

/** A UUID field, or null/absent. */
export function optUuid(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !isUuid(v)) throw invalidField(key, v, `'${String(v)}' is not a 'uuid'`);
  return v;
}

const TRUE = ['true', 't', 'yes', 'y', '1', 'on'];
const FALSE = ['false', 'f', 'no', 'n', '0', 'off'];

/** Cinder's boolean parameters: JSON booleans or the strings oslo accepts. */
export function parseBool(v: unknown, key: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
  }
  throw new BadRequest(`Invalid input received: ${key} must be a boolean value, got ${JSON.stringify(v)}`);
}

export function optBool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return parseBool(v, key);
}

/**
 * Metadata: an object of string keys (1-255 characters) to string values
 * (up to 255), as Cinder's metadata schema wants.
 */
export function optMetadata(o: Obj, key = 'metadata'): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return metadataDict(v, key);
}

export function metadataDict(v: unknown, key = 'metadata'): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalidField(key, v, `${JSON.stringify(v)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.length < 1 || k.length > 255)
      throw invalidField(key, v, `'${k}' does not match any of the regexes: '^[\\s\\S]{1,255}$'`);
    if (typeof val !== 'string')
      throw invalidField(`${key}/${k}`, val, `${JSON.stringify(val)} is not of type 'string'`);
    if (val.length > 255) throw invalidField(`${key}/${k}`, val, `'${val}' is too long`);
    out[k] = val;
  }
  return out;
}

/** Cinder's is_public list filter (api_utils._parse_is_public): absent → public only, "None" → all. */
export function isPublicFilter(raw: string | undefined): boolean | null {
  if (raw === undefined) return true;
  if (raw.toLowerCase() === 'none') return null;
  try {
    return parseBool(raw, 'is_public');
  } catch {
    throw new BadRequest(`Invalid is_public filter [${raw}]`);
  }
}
