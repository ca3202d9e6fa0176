import { BadRequest } from '../../server/errors.js';

// Keystone validates request bodies with JSON Schema (draft 4) and answers the
// first violation as a 400 worded by Python's jsonschema:
//   "Invalid input for field 'name': 5 is not of type 'string'"
//   "'name' is a required property"
// This is the subset of JSON Schema Keystone's schemas use, with those words.

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  format?: 'date-time';
}

/** How Python prints a JSON value (jsonschema's messages are Python reprs). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function hasType(v: unknown, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

const patterns = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) {
    re = new RegExp(p, 'u');
    patterns.set(p, re);
  }
  return re;
}

/** The first violation of `schema` by `value`: [path, message], or undefined when it conforms. */
function violation(value: unknown, schema: Schema, path: string[]): [string[], string] | undefined {
  if (schema.anyOf) {
    const all = schema.anyOf.map((s) => violation(value, s, path));
    if (all.every((x) => x)) return [path, `${pyRepr(value)} is not valid under any of the given schemas`];
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t)))
      return [path, `${pyRepr(value)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`];
  }
  if (schema.enum && !schema.enum.some((e) => e === value || (e === null && value === null)))
    return [path, `${pyRepr(value)} is not one of ${pyRepr(schema.enum)}`];
  if (typeof value === 'string') {
    const len = [...value].length;
    if (schema.minLength !== undefined && len < schema.minLength) return [path, `${pyRepr(value)} is too short`];
    if (schema.maxLength !== undefined && len > schema.maxLength) return [path, `${pyRepr(value)} is too long`];
    if (schema.pattern && !regex(schema.pattern).test(value))
      return [path, `${pyRepr(value)} does not match ${pyRepr(schema.pattern)}`];
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      return [path, `${pyRepr(value)} is not a 'date-time'`];
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      return [path, `${pyRepr(value)} is less than the minimum of ${schema.minimum}`];
    if (schema.maximum !== undefined && value > schema.maximum)
      return [path, `${pyRepr(value)} is greater than the maximum of ${schema.maximum}`];
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return [path, `${pyRepr(value)} is too short`];
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return [path, `${pyRepr(value)} is too long`];
    if (schema.uniqueItems && new Set(value.map((x) => JSON.stringify(x))).size !== value.length)
      return [path, `${pyRepr(value)} has non-unique elements`];
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const v = violation(value[i], schema.items, [...path, String(i)]);
        if (v) return v;
      }
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) return [path, `${pyRepr(r)} is a required property`];
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties)
      return [path, `${pyRepr(obj)} does not have enough properties`];
    const props = schema.properties ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        const bad = violation(v, props[k], [...path, k]);
        if (bad) return bad;
      }
    }
    const extra = Object.keys(obj).filter((k) => !props[k]);
    if (schema.additionalProperties === false && extra.length > 0) {
      const list = extra.map((k) => pyRepr(k)).join(', ');
      return [
        path,
        `Additional properties are not allowed (${list} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
      ];
    }
    if (typeof schema.additionalProperties === 'object') {
      for (const k of extra) {
        const bad = violation(obj[k], schema.additionalProperties, [...path, k]);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/** Throws Keystone's 400 for the first violation; returns the value typed as T when it conforms. */
export function validate<T = Record<string, any>>(value: unknown, schema: Schema): T {
  const bad = violation(value, schema, []);
  if (bad) {
    const [path, message] = bad;
    throw new BadRequest(path.length > 0 ? `Invalid input for field '${path.join('/')}': ${message}` : message);
  }
  return value as T;
}

// Building blocks of Keystone's schemas (keystone/common/validation/parameter_types.py).
export const id: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' };
export const nullableId: Schema = { ...id, type: ['string', 'null'] };
export const name: Schema = { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' };
export const description: Schema = { type: ['string', 'null'] };
export const boolean: Schema = { type: 'boolean', enum: [true, false] };
export const nullableBoolean: Schema = { type: 'boolean', enum: [true, false, null] };
export const url: Schema = { type: 'string', minLength: 0, maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' };
export const tag: Schema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,/]*$' };
export const tags: Schema = { type: 'array', items: tag, maxItems: 80, uniqueItems: true };
