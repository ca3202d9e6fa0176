import { isIPv4, isIPv6 } from 'node:net';
import { BadRequest } from '../../server/errors.js';
import { isUuid } from '../../server/ids.js';

// Nova validates request bodies with JSON Schema and words failures as
// "Invalid input for field/attribute <field>. Value: <value>. <reason>".
// This is the subset of JSON Schema Nova's schemas use, with Nova's own
// twists: numeric limits also apply to numeric strings ("10"), and the
// "name" formats refuse leading/trailing whitespace.

export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: 'uuid' | 'name' | 'name_with_spaces' | 'ipv4' | 'ipv6' | 'base64' | 'date-time' | 'regex';
  minimum?: number;
  maximum?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

interface Failure {
  path: (string | number)[];
  value: unknown;
  message: string;
}

const regexCache = new Map<string, RegExp>();
function re(pattern: string): RegExp {
  let r = regexCache.get(pattern);
  if (!r) {
    r = new RegExp(pattern, 'u');
    regexCache.set(pattern, r);
  }
  return r;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** Python-ish repr for messages ('abc', 1, True, None). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `'${k}': ${pyRepr(x)}`)
    .join(', ')}}`;
}

const NAME = /^\S(.*\S)?$/su;
// C0/C1 controls and non-space separators are not printable for Nova's names.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

function checkFormat(format: string, v: string): string | undefined {
  switch (format) {
    case 'uuid':
      return isUuid(v) ? undefined : `'${v}' is not a 'uuid'`;
    case 'name':
      if (!NAME.test(v) || UNPRINTABLE.test(v))
        return `'${v}' is not a 'name'. Valid names contain printable characters. Can not start or end with whitespace.`;
      return undefined;
    case 'name_with_spaces':
      return v.trim() === '' || UNPRINTABLE.test(v) ? `'${v}' is not a 'name_with_leading_trailing_spaces'` : undefined;
    case 'ipv4':
      return isIPv4(v) ? undefined : `'${v}' is not a 'ipv4'`;
    case 'ipv6':
      return isIPv6(v) ? undefined : `'${v}' is not a 'ipv6'`;
    case 'base64':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, '')) && v.replace(/\s/g, '').length % 4 === 0
        ? undefined
        : `'${v}' is not a 'base64'`;
    case 'date-time':
      return Number.isNaN(Date.parse(v)) ? `'${v}' is not a 'date-time'` : undefined;
    case 'regex':
      try {
        if (v === '') return `'' is not a 'regex'`;
        new RegExp(v);
        return undefined;
      } catch {
        return `'${v}' is not a 'regex'`;
      }
  }
  return undefined;
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function check(schema: Schema, v: unknown, path: (string | number)[], out: Failure[]): void {
  const fail = (message: string) => out.push({ path, value: v, message });
  if (schema.allOf) for (const s of schema.allOf) check(s, v, path, out);
  if (schema.oneOf || schema.anyOf) {
    const options = (schema.oneOf ?? schema.anyOf)!;
    const passing = options.filter((s) => {
      const o: Failure[] = [];
      check(s, v, path, o);
      return o.length === 0;
    }).length;
    if (schema.oneOf ? passing !== 1 : passing === 0) fail(`${pyRepr(v)} is not valid under any of the given schemas`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(v, t))) {
      fail(`${pyRepr(v)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.some((e) => e === v)) {
    fail(`${pyRepr(v)} is not one of ${pyRepr(schema.enum)}`);
    return;
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (schema.minLength !== undefined && len < schema.minLength)
      fail(schema.minLength === 1 ? `${pyRepr(v)} should be non-empty` : `${pyRepr(v)} is too short`);
    if (schema.maxLength !== undefined && len > schema.maxLength) fail(`${pyRepr(v)} is too long`);
    if (schema.pattern !== undefined && !re(schema.pattern).test(v))
      fail(`${pyRepr(v)} does not match '${schema.pattern}'`);
    if (schema.format) {
      const m = checkFormat(schema.format, v);
      if (m) fail(m);
    }
  }
  const n = numeric(v);
  if (n !== undefined && typeof v !== 'boolean') {
    if (schema.minimum !== undefined && n < schema.minimum)
      fail(`${pyRepr(v)} is less than the minimum of ${schema.minimum}`);
    if (schema.maximum !== undefined && n > schema.maximum)
      fail(`${pyRepr(v)} is greater than the maximum of ${schema.maximum}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) fail(`${pyRepr(v)} is too short`);
    if (schema.maxItems !== undefined && v.length > schema.maxItems) fail(`${pyRepr(v)} is too long`);
    if (schema.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
      fail(`${pyRepr(v)} has non-unique elements`);
    if (schema.items) for (const [i, item] of v.entries()) check(schema.items, item, [...path, i], out);
  }
  if (typeOf(v) === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    for (const r of schema.required ?? [])
      if (!(r in obj)) out.push({ path, value: v, message: `'${r}' is a required property` });
    if (schema.minProperties !== undefined && keys.length < schema.minProperties)
      fail(`${pyRepr(v)} does not have enough properties`);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties)
      fail(`${pyRepr(v)} has too many properties`);
    const extra: string[] = [];
    for (const k of keys) {
      const prop = schema.properties?.[k];
      let matched = false;
      if (prop) {
        check(prop, obj[k], [...path, k], out);
        matched = true;
      }
      for (const [pat, s] of Object.entries(schema.patternProperties ?? {})) {
        if (re(pat).test(k)) {
          check(s, obj[k], [...path, k], out);
          matched = true;
        }
      }
      if (!matched) {
        if (schema.additionalProperties === false) extra.push(k);
        else if (typeof schema.additionalProperties === 'object')
          check(schema.additionalProperties, obj[k], [...path, k], out);
      }
    }
    if (extra.length)
      fail(
        `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`,
      );
  }
}

/** Validates a request body against a schema; throws Nova's 400 on the first failure. */
export function validateBody<T = any>(schema: Schema, body: unknown): T {
  const out: Failure[] = [];
  if (body === undefined || body === null) throw new BadRequest('The request body is missing or not a JSON object.');
  check(schema, body, [], out);
  if (out.length) {
    const f = out[0];
    const field = f.path.length ? f.path[f.path.length - 1] : undefined;
    throw new BadRequest(
      field === undefined
        ? f.message
        : `Invalid input for field/attribute ${field}. Value: ${pyRepr(f.value)}. ${f.message}`,
    );
  }
  return body as T;
}

/** Validates one query parameter's value the way Nova words it. */
export function validateQuery(name: string, schema: Schema, value: unknown): void {
  const out: Failure[] = [];
  check(schema, value, [], out);
  if (out.length)
    throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${pyRepr(value)}. ${out[0].message}`);
}

// Nova's parameter types, as schemas.
export const types = {
  name: { type: 'string', format: 'name', minLength: 1, maxLength: 255 } as Schema,
  nameWithSpaces: { type: 'string', format: 'name_with_spaces', minLength: 1, maxLength: 255 } as Schema,
  description: { type: ['string', 'null'], minLength: 0, maxLength: 255 } as Schema,
  boolean: {
    type: ['boolean', 'string'],
    enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'].concat([
      false,
      'False',
      'FALSE',
      'false',
      '0',
      'OFF',
      'Off',
      'off',
      'NO',
      'No',
      'no',
    ]),
  } as Schema,
  positiveInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 } as Schema,
  nonNegativeInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 } as Schema,
  uuid: { type: 'string', format: 'uuid' } as Schema,
  metadata: {
    type: 'object',
    patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
    additionalProperties: false,
  } as Schema,
};

const TRUE_STRINGS = new Set(['true', '1', 'on', 'yes', 'y', 't']);

/** oslo's bool_from_string for values that passed types.boolean. */
export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  return TRUE_STRINGS.has(String(v).toLowerCase());
}

/** An IPv6 address in its canonical text (RFC 5952), as Nova shows what netaddr stored. */
export function canonicalIpv6(v: string): string {
  try {
    return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  } catch {
    return v;
  }
}

/** The body of an action or create: `{"<name>": {...inner}}` and nothing else. */
export function wrapped(name: string, inner: Schema): Schema {
  return { type: 'object', properties: { [name]: inner }, required: [name], additionalProperties: false };
}

/** An object of the given properties, the `required` ones required, nothing else. */
export function strictObject(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}
