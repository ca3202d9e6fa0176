import { ParseError, parseYamlOrJson } from './parse.js';
import { isMap } from './scope.js';

// The stack environment (`-e env.yaml`): parameters, parameter_defaults and
// the resource_registry whose aliases map one resource type onto another.
// Several environments merge in order, later ones winning.

export interface Environment {
  parameters: Record<string, unknown>;
  parameter_defaults: Record<string, unknown>;
  resource_registry: Record<string, unknown>;
  encrypted_param_names: string[];
  event_sinks: unknown[];
}

const SECTIONS = [
  'parameters',
  'resource_registry',
  'parameter_defaults',
  'encrypted_param_names',
  'event_sinks',
  'parameter_merge_strategies',
];

export function emptyEnvironment(): Environment {
  return { parameters: {}, parameter_defaults: {}, resource_registry: {}, encrypted_param_names: [], event_sinks: [] };
}

/** Checks an environment's sections (ValueError text in Heat, reported as "Environment not in valid format"). */
export function checkEnvironment(env: unknown): Environment {
  if (!isMap(env)) throw new ParseError('The environment is not a valid YAML mapping data type.');
  for (const [k, v] of Object.entries(env)) {
    if (!SECTIONS.includes(k)) throw new ParseError(`environment has wrong section "${k}"`);
    if (v === null || v === undefined) throw new ParseError(`environment has empty section "${k}"`);
  }
  const out = emptyEnvironment();
  return {
    ...out,
    ...(env as Partial<Environment>),
  };
}

export function parseEnvironmentText(text: string): Environment {
  return checkEnvironment(parseYamlOrJson(text, 'environment') ?? {});
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(v) && isMap(out[k]) ? deepMerge(out[k] as any, v) : v;
  return out;
}

/** Merges environments in order: later sections override earlier ones key by key. */
export function mergeEnvironments(envs: Environment[]): Environment {
  let out = emptyEnvironment();
  for (const e of envs) {
    out = {
      parameters: { ...out.parameters, ...e.parameters },
      parameter_defaults: { ...out.parameter_defaults, ...e.parameter_defaults },
      resource_registry: deepMerge(out.resource_registry, e.resource_registry ?? {}),
      encrypted_param_names: [...out.encrypted_param_names, ...(e.encrypted_param_names ?? [])],
      event_sinks: [...out.event_sinks, ...(e.event_sinks ?? [])],
    };
  }
  return out;
}

/** A type that names a template file rather than a plugin (Heat: ends in .yaml/.template, or a URL). */
export function isTemplateType(type: string): boolean {
  return /\.(ya?ml|template)$/.test(type) || type.includes('://');
}

/**
 * The type a resource really gets: the registry's aliases applied, the
 * per-resource ones (`resources: {name: {Type: Other}}`) first. A mapping
 * to a template file (a provider template) gives that file's key in the
 * files map as the type.
 */
export function registryType(env: Environment, type: string, resourceName: string): string {
  const reg = env.resource_registry ?? {};
  const seen = new Set<string>();
  let t = type;
  for (;;) {
    const perResource = isMap(reg.resources) && isMap(reg.resources[resourceName]) ? reg.resources[resourceName] : {};
    const target = (perResource as Record<string, unknown>)[t] ?? matchGlob(reg, t);
    if (typeof target !== 'string' || target === t || seen.has(t)) return t;
    seen.add(t);
    t = target;
    if (isTemplateType(t)) return t;
  }
}

function matchGlob(reg: Record<string, unknown>, t: string): unknown {
  if (t in reg && reg[t] !== undefined) return reg[t];
  for (const [k, v] of Object.entries(reg)) {
    if (k.endsWith('*') && typeof v === 'string' && v.endsWith('*') && t.startsWith(k.slice(0, -1)))
      return v.slice(0, -1) + t.slice(k.length - 1);
  }
  return undefined;
}

/** The environment as the validate API and `stack environment show` return it. */
export function environmentJson(env: Environment): Record<string, unknown> {
  return {
    parameters: env.parameters,
    resource_registry: { resources: {}, ...env.resource_registry },
    parameter_defaults: env.parameter_defaults,
    encrypted_param_names: env.encrypted_param_names,
    event_sinks: env.event_sinks,
  };
}
