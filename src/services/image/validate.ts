import { BadRequest } from '../../server/errors.js';
import type { JsonSchema } from './schemas.js';

// Validates request bodies against Glance's published schemas and words the
// failure as Glance does (Python's jsonschema, with Python reprs of values),
// so a client sees the same 400 text from pocketstack and from Glance.

/** A value as Python's repr() prints it (what jsonschema's messages quote). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

function typeOk(v: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return true;
  }
}

interface Failure {
  message: string;
  validator: string;
}

/** The first way `value` breaks `schema` (the subset of JSON Schema Glance's schemas use). */
function check(value: unknown, schema: JsonSchema): Failure | undefined {
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeOk(value, t)))
      return { validator: 'type', message: `${pyRepr(value)} is not of type ${types.map(pyRepr).join(', ')}` };
  }
  if (schema.enum && !schema.enum.some((e: unknown) => e === value))
    return { validator: 'enum', message: `${pyRepr(value)} is not one of ${pyRepr(schema.enum)}` };
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
      return { validator: 'maxLength', message: `${pyRepr(value)} is too long` };
    if (schema.minLength !== undefined && [...value].length < schema.minLength)
      return { validator: 'minLength', message: `${pyRepr(value)} is too short` };
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      return { validator: 'pattern', message: `${pyRepr(value)} does not match ${pyRepr(schema.pattern)}` };
  }
  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      const f = check(item, schema.items);
      if (f) return f;
    }
  }
  return undefined;
}

/**
 * Validates an object body against an object schema (properties, plus
 * additionalProperties as a schema); throws Glance's 400 on the first failure.
 */
export function validateObject(name: string, body: Record<string, unknown>, schema: JsonSchema): void {
  for (const [key, value] of Object.entries(body)) {
    const prop =
      schema.properties?.[key] ??
      (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (!prop) continue;
    const f = check(value, prop);
    if (f) {
      const where = schema.properties?.[key]
        ? `schema['properties'][${pyRepr(key)}]`
        : "schema['additionalProperties']";
      throw new BadRequest(
        `Provided object does not match schema '${name}': ${f.message}\n\nFailed validating ${pyRepr(f.validator)} in ${where}\n\nOn instance[${pyRepr(key)}]:\n    ${pyRepr(value)}`,
      );
    }
  }
}
