import { depthMessage, jsonTooDeep } from '../../../server/depth.js';
import { HeatError, validationFailed } from '../errors.js';
import {
  type Constraint,
  type ConstraintContext,
  ConstraintViolation,
  checkConstraintFits,
  checkConstraints,
  InvalidSchema,
  parseConstraint,
  type ValueKind,
} from './constraints.js';
import { pyDumps, pyRepr, pyStr } from './pyjson.js';
import { isMap } from './scope.js';
import type { HotVersion } from './versions.js';

// Template parameters: their schemas, how user values (strings from the CLI,
// or JSON) become typed values, and Heat's messages when they do not fit.

export type ParamType = 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';

export interface ParamSchema {
  name: string;
  type: ParamType;
  description?: string;
  default?: unknown;
  hidden: boolean;
  label?: string;
  immutable: boolean;
  tags?: string[];
  constraints: Constraint[];
}

const KIND: Record<ParamType, ValueKind> = {
  string: 'string',
  number: 'number',
  comma_delimited_list: 'list',
  json: 'map',
  boolean: 'boolean',
};

/** The type names of the validate API (CFN style). */
export const API_TYPE: Record<ParamType, string> = {
  string: 'String',
  number: 'Number',
  comma_delimited_list: 'CommaDelimitedList',
  json: 'Json',
  boolean: 'Boolean',
};

export const PSEUDO_PARAMS = ['OS::stack_id', 'OS::stack_name', 'OS::project_id'];

export const userParameterMissing = (name: string) =>
  new HeatError(400, `The Parameter (${name}) was not provided.`, 'UserParameterMissing');

/** Reads and checks the `parameters` section. */
export function parseParamSchemas(section: unknown, version: HotVersion): Record<string, ParamSchema> {
  if (section === null || section === undefined) return {};
  if (!isMap(section)) throw new InvalidSchema('Invalid parameters, expected a mapping');
  const keys = ['type', 'description', 'default', 'constraints', 'hidden', 'label', 'immutable'];
  if (version.paramTags) keys.push('tags');
  const out: Record<string, ParamSchema> = {};
  for (const [name, def] of Object.entries(section)) {
    if (!isMap(def)) throw new InvalidSchema(`Invalid parameter (${name}), expected a mapping`);
    for (const k of Object.keys(def))
      if (!keys.includes(k)) throw new InvalidSchema(`Invalid key '${k}' for parameter (${name})`);
    if (!('type' in def)) throw new InvalidSchema(`Missing parameter type for parameter: ${name}`);
    if (!(def.type in KIND)) throw new InvalidSchema(`Invalid type (${def.type})`);
    if ('tags' in def && !Array.isArray(def.tags))
      throw new InvalidSchema(`Tags property should be a list for parameter: ${name}`);
    if (def.constraints !== undefined && def.constraints !== null && !Array.isArray(def.constraints))
      throw new InvalidSchema(`Invalid parameter constraints for parameter ${name}, expected a list`);
    const constraints = ((def.constraints as unknown[]) ?? []).map((c) => parseConstraint(c, version.modulo));
    for (const c of constraints) checkConstraintFits(c, KIND[def.type as ParamType], API_TYPE[def.type as ParamType]);
    out[name] = {
      name,
      type: def.type as ParamType,
      description: def.description as string | undefined,
      default: def.default ?? undefined,
      hidden: def.hidden === true || String(def.hidden).toLowerCase() === 'true',
      label: def.label as string | undefined,
      immutable: def.immutable === true,
      tags: def.tags as string[] | undefined,
      constraints,
    };
  }
  return out;
}

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (s === '' || Number.isNaN(Number(s))) throw new ConstraintViolation(`could not convert string to float: '${v}'`);
  return Number(s);
}

/** A user's (or default) value as the parameter's type; throws ConstraintViolation with Heat's words. */
export function convertParam(schema: ParamSchema, v: unknown): unknown {
  switch (schema.type) {
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? pyDumps(v) : pyStr(v);
    case 'number':
      return toNumber(v);
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (TRUE.includes(s)) return true;
      if (FALSE.includes(s)) return false;
      throw new ConstraintViolation(
        `Unrecognized value '${v}', acceptable values are: ${[...FALSE, ...TRUE]
          .sort()
          .map((x) => `'${x}'`)
          .join(', ')}`,
      );
    }
    case 'comma_delimited_list':
      if (Array.isArray(v)) return v.map((x) => pyStr(x));
      if (v === '' || v === null || v === undefined) return [];
      if (typeof v !== 'string')
        throw new ConstraintViolation(`Value must be a comma-delimited list string: ${pyRepr(v)}`);
      return v.split(',').map((x) => x.trim());
    case 'json':
      if (typeof v !== 'string') return v;
      if (v === '') return {};
      if (jsonTooDeep(v)) throw new ConstraintViolation(`Value must be valid JSON: ${depthMessage()}`);
      try {
        return JSON.parse(v);
      } catch (e) {
        throw new ConstraintViolation(`Value must be valid JSON: ${(e as Error).message}`);
      }
  }
}

/** Checks the schema itself: its default must satisfy its (non-custom) constraints. */
export async function checkParamSchema(schema: ParamSchema, defaultValue: unknown): Promise<void> {
  if (defaultValue === undefined || defaultValue === null) return;
  try {
    const v = convertParam(schema, defaultValue);
    await checkConstraints(
      v,
      schema.constraints.filter((c) => c.kind !== 'custom_constraint'),
      KIND[schema.type],
    );
  } catch (e) {
    if (!(e instanceof ConstraintViolation)) throw e;
    const shown = typeof defaultValue === 'string' ? defaultValue : pyDumps(defaultValue);
    throw new InvalidSchema(`Parameter '${schema.name}' is invalid: Invalid default ${shown} (${e.message})`);
  }
}

/** Converts and checks a value against the parameter's constraints, custom ones included. */
export async function checkParamValue(schema: ParamSchema, value: unknown, ctx: ConstraintContext): Promise<unknown> {
  try {
    const v = convertParam(schema, value);
    await checkConstraints(v, schema.constraints, KIND[schema.type], ctx);
    return v;
  } catch (e) {
    if (!(e instanceof ConstraintViolation)) throw e;
    throw validationFailed(`Parameter '${schema.name}' is invalid: ${e.message}`);
  }
}

/** A parameter as stack show prints it: text, hidden ones masked. */
export function paramText(schema: ParamSchema | undefined, value: unknown): string {
  if (schema?.hidden) return '******';
  if (Array.isArray(value) && schema?.type === 'comma_delimited_list') return value.join(',');
  if (typeof value === 'object' && value !== null) return pyDumps(value);
  return pyStr(value);
}
