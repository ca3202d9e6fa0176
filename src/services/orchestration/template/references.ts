import { conditionValue, functionName, getAttrArgs, resolve } from './functions.js';
import { isMap, type Scope } from './scope.js';

// What a snippet refers to, found without evaluating it: the resources its
// get_resource/get_attr/Ref calls name (with the place, for Heat's
// InvalidTemplateReference message) and the attributes it reads. `if` only
// counts its chosen branch, as in Heat where it is a macro.

export interface Reference {
  resource: string;
  /** Where the call is, e.g. "server.Properties.networks[0].port". */
  where: string;
  /** The attribute get_attr reads; null for all of them; undefined for get_resource. */
  attr?: string | null;
  /** get_attr's path, when it can be known without evaluating resources. */
  path?: unknown[];
}

/** A function argument that names something: literal, or computable from parameters alone. */
function staticValue(arg: unknown, scope: Scope): unknown {
  if (!isMap(arg) && !Array.isArray(arg)) return arg;
  try {
    return resolve(arg, scope);
  } catch {
    return undefined;
  }
}

export function references(snippet: unknown, scope: Scope, path: string, out: Reference[] = []): Reference[] {
  if (Array.isArray(snippet)) {
    snippet.forEach((v, i) => {
      references(v, scope, `${path}[${i}]`, out);
    });
    return out;
  }
  if (!isMap(snippet)) return out;
  const fn = functionName(snippet, scope);
  if (!fn) {
    for (const [k, v] of Object.entries(snippet)) references(v, scope, path ? `${path}.${k}` : k, out);
    return out;
  }
  const args = snippet[fn];
  if (fn === 'get_resource') {
    const name = staticValue(args, scope);
    if (typeof name === 'string') out.push({ resource: name, where: path });
  } else if (fn === 'get_attr') {
    let parsed: [unknown, unknown, unknown[]] | undefined;
    try {
      parsed = getAttrArgs(args, scope.version);
    } catch {
      // malformed: evaluation reports it
    }
    if (parsed) {
      const name = staticValue(parsed[0], scope);
      const attr = parsed[1] === null ? null : staticValue(parsed[1], scope);
      const rest = staticValue(parsed[2], scope);
      if (typeof name === 'string')
        out.push({
          resource: name,
          where: path,
          attr: attr === null || attr === undefined ? null : String(attr),
          path: Array.isArray(rest) ? rest : [],
        });
    }
  } else if (fn === 'Ref') {
    const name = staticValue(args, scope);
    if (typeof name === 'string' && !scope.hasParam(name)) out.push({ resource: name, where: path });
  } else if (fn === 'if' && Array.isArray(args) && args.length >= 2) {
    let branch: unknown;
    try {
      branch = conditionValue(args[0], scope, path) ? args[1] : args[2];
    } catch {
      branch = args.slice(1);
    }
    return references(branch, scope, path, out);
  }
  return references(args, scope, `${path}.${fn}`, out);
}
