import { validationFailed } from '../errors.js';
import {
  type ConstraintContext,
  ConstraintViolation,
  checkConstraints,
  constraintJson,
} from '../template/constraints.js';
import { pyRepr, pyStr } from '../template/pyjson.js';
import { deepEqual, isMap } from '../template/scope.js';
import type { PropertySchema, Props, ResourcePlugin } from './plugin.js';

// Resource properties against their schema: types converted as Heat does,
// defaults filled in, constraints checked, and Heat's "Property error: ..."
// messages with the path to the offending value.

class PropertyProblem extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function renderPath(items: (string | number)[]): string {
  let out = '';
  for (const p of items) {
    if (typeof p === 'number' || /^\d+$/.test(String(p))) out += `[${p}]`;
    else out += out ? `.${p}` : String(p);
  }
  return out;
}

function convert(s: PropertySchema, v: unknown, path: (string | number)[]): unknown {
  switch (s.type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return pyStr(v);
      throw new PropertyProblem(path, `Value must be a string; got ${pyRepr(v)}`);
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isInteger(n)) throw new PropertyProblem(path, `Value '${pyStr(v)}' is not an integer`);
      return n;
    }
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (Number.isNaN(n)) throw new PropertyProblem(path, `could not convert string to float: '${pyStr(v)}'`);
      return n;
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && ['true', 'false'].includes(v.toLowerCase())) return v.toLowerCase() === 'true';
      throw new PropertyProblem(path, `"${typeof v === 'string' ? v.toLowerCase() : pyStr(v)}" is not a valid boolean`);
    }
    case 'list':
      if (!Array.isArray(v)) throw new PropertyProblem(path, `"${pyRepr(v)}" is not a list`);
      return v;
    case 'map':
      if (!isMap(v)) throw new PropertyProblem(path, `"${pyStr(v)}" is not a map`);
      return v;
    default:
      return v;
  }
}

async function check(
  s: PropertySchema,
  raw: unknown,
  path: (string | number)[],
  ctx: ConstraintContext | undefined,
): Promise<unknown> {
  const v = convert(s, raw, path);
  if (s.type === 'list' && s.items && Array.isArray(v)) {
    const out = [];
    for (let i = 0; i < v.length; i++) out.push(await check(s.items, v[i] ?? s.items.default, [...path, i], ctx));
    return withConstraints(s, out, path, ctx);
  }
  if (s.type === 'map' && s.entries && isMap(v)) {
    return withConstraints(s, await checkSchema(s.entries, v, path, ctx), path, ctx);
  }
  return withConstraints(s, v, path, ctx);
}

async function withConstraints(s: PropertySchema, v: unknown, path: (string | number)[], ctx?: ConstraintContext) {
  try {
    await checkConstraints(v, s.constraints ?? [], s.type === 'any' ? 'string' : s.type, ctx);
  } catch (e) {
    if (e instanceof ConstraintViolation) throw new PropertyProblem(path, e.message);
    throw e;
  }
  return v;
}

async function checkSchema(
  schema: Record<string, PropertySchema>,
  data: Record<string, unknown>,
  path: (string | number)[],
  ctx: ConstraintContext | undefined,
  skip?: Set<string>,
): Promise<Props> {
  for (const k of Object.keys(data)) if (!(k in schema)) throw new PropertyProblem(path, `Unknown Property ${k}`);
  const out: Props = {};
  for (const [k, s] of Object.entries(schema)) {
    const given = data[k];
    if (given === undefined || given === null) {
      if (s.default !== undefined) out[k] = s.default;
      else if (s.required) throw new PropertyProblem(path, `Property ${k} not assigned`);
      else out[k] = null;
      continue;
    }
    out[k] = skip?.has(k) ? given : await check(s, given, [...path, k], ctx);
  }
  return out;
}

/**
 * Checks a resource's properties; returns them typed, with defaults. `skip`
 * names properties that still wait for other resources (only their presence
 * counts). Without a context, custom constraints are not looked up.
 */
export async function checkProperties(
  schema: Record<string, PropertySchema>,
  data: unknown,
  resourceName: string,
  ctx?: ConstraintContext,
  skip?: Set<string>,
): Promise<Props> {
  const base = ['resources', resourceName, 'properties'];
  try {
    if (data !== undefined && data !== null && !isMap(data))
      throw new PropertyProblem([], `"${pyStr(data)}" is not a map`);
    return await checkSchema(schema, (data ?? {}) as Record<string, unknown>, [], ctx, skip);
  } catch (e) {
    if (!(e instanceof PropertyProblem)) throw e;
    throw validationFailed(`Property error: ${renderPath([...base, ...e.path])}: ${e.message}`);
  }
}

/** The properties whose value differs between two resolved sets. */
export function changedProperties(before: Props, after: Props): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !deepEqual(before[k] ?? null, after[k] ?? null));
}

/** A property schema as `resource type show` prints it. */
export function propertySchemaJson(s: PropertySchema): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: s.type,
    description: s.description ?? '',
    required: s.required ?? false,
    update_allowed: s.updateAllowed ?? false,
    immutable: s.immutable ?? false,
  };
  if (s.default !== undefined) out.default = s.default;
  if (s.constraints?.length) out.constraints = s.constraints.map(constraintJson);
  if (s.items) out.schema = { '*': propertySchemaJson(s.items) };
  if (s.entries) out.schema = Object.fromEntries(Object.entries(s.entries).map(([k, v]) => [k, propertySchemaJson(v)]));
  return out;
}

/** A resource type's properties checked; a type that takes anything (OS::Heat::None) gets them as they are. */
export async function checkPluginProperties(
  plugin: ResourcePlugin,
  data: unknown,
  resourceName: string,
  ctx?: ConstraintContext,
  skip?: Set<string>,
): Promise<Props> {
  if (plugin.openProperties) return isMap(data) ? data : {};
  return checkProperties(plugin.properties, data, resourceName, ctx, skip);
}
