import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { HeatError } from '../errors.js';
import { pyDumps, pyStr } from './pyjson.js';
import { isMap } from './scope.js';

// Value constraints shared by template parameters and resource properties,
// with Heat's wording for every violation. Custom constraints (nova.flavor,
// glance.image, ...) ask the owning service whether the value names
// something that exists; each service's heat/ folder registers its own.

export type Constraint = { description?: string } & (
  | { kind: 'length'; min?: number; max?: number }
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'modulo'; step: number; offset: number }
  | { kind: 'allowed_values'; values: unknown[] }
  | { kind: 'allowed_pattern'; pattern: string }
  | { kind: 'custom_constraint'; name: string }
);

/** The broad type a value is checked as. */
export type ValueKind = 'string' | 'number' | 'integer' | 'boolean' | 'list' | 'map' | 'any';

/** Who asks, for custom constraints that look things up in other services. */
export interface ConstraintContext {
  cloud: Cloud;
  caller: AuthContext;
}

/** A custom constraint: resolves quietly when the value is good, or returns why not. */
export type CustomCheck = (value: unknown, ctx: ConstraintContext) => Promise<string | undefined>;

const customs = new Map<string, CustomCheck>();

export function registerCustomConstraint(name: string, check: CustomCheck): void {
  customs.set(name, check);
}

export function customConstraintNames(): string[] {
  return [...customs.keys()].sort();
}

export class InvalidSchema extends HeatError {
  constructor(message: string) {
    super(400, message, 'InvalidSchemaError');
  }
}

const CLASS_NAMES: Record<Constraint['kind'], string> = {
  length: 'Length',
  range: 'Range',
  modulo: 'Modulo',
  allowed_values: 'AllowedValues',
  allowed_pattern: 'AllowedPattern',
  custom_constraint: 'CustomConstraint',
};

const VALID_FOR: Record<Constraint['kind'], ValueKind[]> = {
  length: ['string', 'list', 'map'],
  range: ['integer', 'number'],
  modulo: ['integer', 'number'],
  allowed_values: ['string', 'integer', 'number', 'boolean', 'list'],
  allowed_pattern: ['string'],
  custom_constraint: ['string', 'integer', 'number', 'boolean', 'list'],
};

/** Refuses a constraint the type cannot have, as Heat's schema validation does. */
export function checkConstraintFits(c: Constraint, kind: ValueKind, typeName: string): void {
  if (!VALID_FOR[c.kind].includes(kind))
    throw new InvalidSchema(`${CLASS_NAMES[c.kind]} constraint invalid for ${typeName}`);
}

const num = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) throw new InvalidSchema(`${what} must be numeric`);
  return n;
};

/** One HOT constraint definition ({length: {min, max}, description}, ...). */
export function parseConstraint(def: unknown, modulo: boolean): Constraint {
  const allowed = ['description', 'length', 'range', 'allowed_values', 'allowed_pattern', 'custom_constraint'];
  if (modulo) allowed.push('modulo');
  if (!isMap(def)) throw new InvalidSchema('Invalid parameter constraints, expected a mapping');
  for (const k of Object.keys(def))
    if (!allowed.includes(k)) throw new InvalidSchema(`Invalid key '${k}' for parameter constraints`);
  const description = def.description as string | undefined;
  const range = (key: 'length' | 'range') => {
    const r = def[key];
    if (!isMap(r)) throw new InvalidSchema(`Invalid ${key} constraint, expected a mapping`);
    for (const k of Object.keys(r))
      if (k !== 'min' && k !== 'max') throw new InvalidSchema(`Invalid key '${k}' for ${key} constraint`);
    const min = num(r.min, 'min/max');
    const max = num(r.max, 'min/max');
    if (min === undefined && max === undefined)
      throw new InvalidSchema(`A ${key} constraint must have a min value and/or a max value specified.`);
    if (key === 'length' && [min, max].some((v) => v !== undefined && !Number.isInteger(v)))
      throw new InvalidSchema('min/max length must be integral');
    return { kind: key, min, max, description } as Constraint;
  };
  if ('range' in def) return range('range');
  if ('length' in def) return range('length');
  if ('modulo' in def) {
    const m = def.modulo;
    if (!isMap(m)) throw new InvalidSchema('Invalid modulo constraint, expected a mapping');
    const step = num(m.step, 'step/offset');
    const offset = num(m.offset, 'step/offset');
    if (step === undefined || offset === undefined)
      throw new InvalidSchema('A modulo constraint must have a step value and an offset value specified.');
    if (!Number.isInteger(step) || !Number.isInteger(offset)) throw new InvalidSchema('step/offset must be integer');
    if (step === 0) throw new InvalidSchema('step cannot be 0.');
    if (Math.abs(offset) >= Math.abs(step))
      throw new InvalidSchema('offset must be smaller (by absolute value) than step.');
    if (step * offset < 0) throw new InvalidSchema('step and offset must be both positive or both negative.');
    return { kind: 'modulo', step, offset, description };
  }
  if ('allowed_values' in def) {
    if (!Array.isArray(def.allowed_values)) throw new InvalidSchema('AllowedValues must be a list');
    return { kind: 'allowed_values', values: def.allowed_values, description };
  }
  if ('allowed_pattern' in def) {
    if (typeof def.allowed_pattern !== 'string') throw new InvalidSchema('AllowedPattern must be a string');
    return { kind: 'allowed_pattern', pattern: def.allowed_pattern, description };
  }
  if ('custom_constraint' in def)
    return { kind: 'custom_constraint', name: String(def.custom_constraint), description };
  throw new InvalidSchema('No constraint expressed');
}

const py = (v: number | undefined) => (v === undefined ? 'None' : String(v));

/** Heat's message for a value the constraint refuses; undefined when it passes. */
async function violation(c: Constraint, value: unknown, kind: ValueKind, ctx?: ConstraintContext) {
  switch (c.kind) {
    case 'range': {
      const n = Number(value);
      if ((c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max)) return;
      return `${pyStr(value)} is out of range (min: ${py(c.min)}, max: ${py(c.max)})`;
    }
    case 'length': {
      const len = typeof value === 'string' || Array.isArray(value) ? value.length : Object.keys(value ?? {}).length;
      if ((c.min === undefined || len >= c.min) && (c.max === undefined || len <= c.max)) return;
      return `length (${len}) is out of range (min: ${py(c.min)}, max: ${py(c.max)})`;
    }
    case 'modulo': {
      const n = Number(value);
      // Python's modulo takes the divisor's sign
      if (((n % c.step) + c.step) % c.step === c.offset) return;
      return `${pyStr(value)} is not a multiple of ${c.step} with an offset of ${c.offset}`;
    }
    case 'allowed_values': {
      const same = (a: unknown, b: unknown) =>
        kind === 'number' || kind === 'integer' ? Number(a) === Number(b) : String(a) === String(b);
      const ok = Array.isArray(value)
        ? value.every((v) => c.values.some((a) => same(a, v)))
        : c.values.some((a) => same(a, value));
      if (ok) return;
      return `${pyDumps(value)} is not an allowed value [${c.values.map((a) => pyDumps(a)).join(', ')}]`;
    }
    case 'allowed_pattern': {
      const m = new RegExp(`^(?:${c.pattern})`).exec(String(value));
      if (m && m[0].length === String(value).length) return;
      return `"${value}" does not match pattern "${c.pattern}"`;
    }
    case 'custom_constraint': {
      const check = customs.get(c.name);
      if (!check) return `"${value}" does not validate ${c.name} (constraint not found)`;
      if (!ctx) return;
      const why = await check(value, ctx);
      if (why === undefined) return;
      return why === '' ? `Error validating value '${value}'` : `Error validating value '${value}': ${why}`;
    }
  }
}

/**
 * Checks a value against constraints; throws the first violation's message
 * (the constraint's own description when it has one). Without a context,
 * custom constraints are skipped (schema defaults are checked that way).
 */
export async function checkConstraints(
  value: unknown,
  constraints: Constraint[],
  kind: ValueKind,
  ctx?: ConstraintContext,
): Promise<void> {
  for (const c of constraints) {
    const why = await violation(c, value, kind, ctx);
    if (why !== undefined) throw new ConstraintViolation(c.description ?? why);
  }
}

export class ConstraintViolation extends Error {}

/** A constraint as Heat's schema APIs show it. */
export function constraintJson(c: Constraint): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.description !== undefined) out.description = c.description;
  switch (c.kind) {
    case 'length':
    case 'range': {
      const r: Record<string, number> = {};
      if (c.min !== undefined) r.min = c.min;
      if (c.max !== undefined) r.max = c.max;
      out[c.kind] = r;
      break;
    }
    case 'modulo':
      out.modulo = { step: c.step, offset: c.offset };
      break;
    case 'allowed_values':
      out.allowed_values = c.values;
      break;
    case 'allowed_pattern':
      out.allowed_pattern = c.pattern;
      break;
    case 'custom_constraint':
      out.custom_constraint = c.name;
      break;
  }
  return out;
}
