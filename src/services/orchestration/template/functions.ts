import { HeatError } from '../errors.js';
import { collectionFunctions } from './functions-collections.js';
import { stringFunctions } from './functions-strings.js';
import { isMap } from './parse.js';
import { deepEqual, type Fn, OMIT, type Scope, selectPath, TemplateError } from './scope.js';
import type { HotVersion } from './versions.js';

// The intrinsic functions of HOT. A snippet `{fn: args}` with exactly one key
// naming a function of the template's version is a call; anything else is
// data (as in Heat, `{equals: ...}` outside `conditions` is just a map).

/** The name of the function a snippet calls, if it is a call in this scope. */
export function functionName(snippet: unknown, scope: Scope): string | undefined {
  if (!isMap(snippet)) return undefined;
  const keys = Object.keys(snippet);
  if (keys.length !== 1) return undefined;
  const k = keys[0];
  const v = scope.version;
  if (v.functions.includes(k) || v.removed.includes(k)) return k;
  return scope.inConditions && v.conditionFunctions.includes(k) ? k : undefined;
}

/** Evaluates every function in a snippet. */
export function resolve(snippet: unknown, scope: Scope, path = ''): unknown {
  if (Array.isArray(snippet)) {
    return snippet.map((v, i) => resolve(v, scope, `${path}[${i}]`)).filter((v) => v !== OMIT);
  }
  if (!isMap(snippet)) return snippet;
  const fn = functionName(snippet, scope);
  if (fn) return call(fn, snippet[fn], scope, path);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(snippet)) {
    const r = resolve(v, scope, path ? `${path}.${k}` : k);
    if (r !== OMIT) out[k] = r;
  }
  return out;
}

function call(name: string, args: unknown, scope: Scope, path: string): unknown {
  const v = scope.version;
  if (v.removed.includes(name)) {
    throw new HeatError(
      400,
      `The template version is invalid: The function ${name} is not supported in this version of HOT.`,
      'InvalidTemplateVersion',
    );
  }
  if (scope.inConditions && !v.conditionFunctions.includes(name)) {
    throw new TemplateError(`The function "${name}" is invalid in this context`);
  }
  const impl = FUNCTIONS[name];
  if (!impl) throw new TemplateError(`The function "${name}" is invalid in this context`);
  const here = `${path}.${name}`;
  return impl(args, { name, scope, path, resolve: (s) => resolve(s, scope, here) });
}

const getParam: Fn = (args, c) => {
  const a = c.resolve(args);
  if (a === null || a === undefined || a === '' || (Array.isArray(a) && a.length === 0))
    throw new TemplateError(`Function "${c.name}" must have arguments`);
  let paramName: unknown;
  let rest: unknown[] = [];
  if (typeof a === 'string') paramName = a;
  else if (Array.isArray(a)) [paramName, ...rest] = a;
  else throw new TemplateError(`Argument to "${c.name}" must be string or list`);
  if (typeof paramName !== 'string') throw new TemplateError(`Parameter name in "${c.name}" must be string`);
  // a path that leads nowhere inside a parameter gives '' (Heat's choice)
  return rest.length === 0 ? c.scope.param(paramName) : selectPath(c.scope.param(paramName), rest, '');
};

const getResource: Fn = (args, c) => c.scope.resourceRef(String(c.resolve(args)), c.path);

/** get_attr's arguments: [resource, attribute, path...] or (2015-10-15+) [resource]. */
export function getAttrArgs(args: unknown, version: HotVersion): [unknown, unknown, unknown[]] {
  if (version.getAttrAll) {
    if (!args || (Array.isArray(args) && args.length === 0))
      throw new TemplateError(
        'Arguments to "get_attr" can be of the next forms: [resource_name] or [resource_name, attribute, (path), ...]',
      );
    if (!Array.isArray(args)) throw new TemplateError('Argument to "get_attr" must be a list');
    return [args[0], args.length > 1 ? args[1] : null, args.slice(2)];
  }
  if (!Array.isArray(args)) throw new TemplateError('Argument to "get_attr" must be a list');
  if (args.length < 2)
    throw new TemplateError('Arguments to "get_attr" must be of the form [resource_name, attribute, (path), ...]');
  return [args[0], args[1], args.slice(2)];
}

const getAttr: Fn = (args, c) => {
  const [res, attr, rest] = getAttrArgs(args, c.scope.version);
  const attrName = attr === null ? null : c.resolve(attr);
  const path = c.resolve(rest) as unknown[];
  const value = c.scope.resourceAttr(String(c.resolve(res)), attrName === null ? null : String(attrName), path, c.path);
  return value === undefined ? null : value;
};

const getFile: Fn = (args, c) => {
  const key = c.resolve(args);
  if (typeof key !== 'string') throw new TemplateError(`Argument to "${c.name}" must be a string`);
  const f = c.scope.files[key];
  if (f === undefined || f === null)
    throw new TemplateError(`No content found in the "files" section for ${c.name} path: ${key}`);
  return f;
};

/** A condition argument: a boolean, a condition's name, or an inline condition expression. */
export function conditionValue(cond: unknown, scope: Scope, path: string): boolean {
  const c = resolve(cond, { ...scope, inConditions: true }, path);
  if (typeof c === 'boolean') return c;
  if (typeof c === 'string') return scope.condition(c);
  throw new TemplateError(`Invalid condition "${JSON.stringify(c)}"`);
}

const ifFn: Fn = (args, c) => {
  const ok = Array.isArray(args) && (args.length === 3 || (c.scope.version.ifNullable && args.length === 2));
  if (!ok)
    throw new TemplateError(
      `Arguments to "${c.name}" must be of the form: [condition_name, value_if_true, value_if_false]`,
    );
  const branch = conditionValue(args[0], c.scope, c.path) ? args[1] : args.length === 3 ? args[2] : OMIT;
  return branch === OMIT ? OMIT : resolve(branch, { ...c.scope, inConditions: false }, c.path);
};

const equals: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [value_1, value_2]`);
  const [a, b] = c.resolve(args) as unknown[];
  return deepEqual(a, b);
};

const boolOf = (v: unknown, scope: Scope): boolean => (typeof v === 'boolean' ? v : scope.condition(String(v)));

const not: Fn = (args, c) => {
  if (args === null || args === undefined) throw new TemplateError(`Argument to "${c.name}" must be a condition`);
  return !boolOf(c.resolve(args), c.scope);
};

const andOr: Fn = (args, c) => {
  if (!Array.isArray(args)) throw new TemplateError(`Arguments to "${c.name}" must be a list of conditions`);
  if (args.length < 2) throw new TemplateError(`The minimum number of condition arguments to "${c.name}" is 2.`);
  const vals = (c.resolve(args) as unknown[]).map((v) => boolOf(v, c.scope));
  return c.name === 'and' ? vals.every(Boolean) : vals.some(Boolean);
};

const yaql: Fn = () => {
  throw new HeatError(400, 'The yaql function is not supported by pocketstack.', 'NotSupported');
};

const resourceFacade: Fn = (args, c) => {
  const allowed = ['metadata', 'deletion_policy', 'update_policy'];
  if (!allowed.includes(args))
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be one of: ${allowed.join(', ')}`);
  if (!c.scope.facade) throw new TemplateError(`"${c.name}" is only meaningful in a nested stack`);
  return c.scope.facade(args);
};

const ref: Fn = (args, c) => {
  const name = String(c.resolve(args));
  return c.scope.hasParam(name) ? c.scope.param(name) : c.scope.resourceRef(name, c.path);
};

const FUNCTIONS: Record<string, Fn> = {
  get_param: getParam,
  get_resource: getResource,
  get_attr: getAttr,
  get_file: getFile,
  if: ifFn,
  equals,
  not,
  and: andOr,
  or: andOr,
  yaql,
  resource_facade: resourceFacade,
  'Fn::ResourceFacade': resourceFacade,
  Ref: ref,
  ...stringFunctions,
  ...collectionFunctions,
};

export { OMIT, TemplateError };
