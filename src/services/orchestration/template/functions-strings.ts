import { createHash, getHashes } from 'node:crypto';
import { pyDumps, pyRepr, pyStr } from './pyjson.js';
import { type Call, type Fn, isMap, TemplateError } from './scope.js';

// String functions: str_replace (and its strict forms), list_join,
// str_split, digest, make_url, and the CFN-style ones of 2013-05-23.

function replacement(value: unknown, param: string, c: Call, strictEmpty: boolean): string {
  const empty = () =>
    new TemplateError(
      `${c.name} has an undefined or empty value for param ${param}, must be a defined non-empty value`,
    );
  if (value === null || value === undefined) {
    if (strictEmpty) throw empty();
    return '';
  }
  if (['string', 'number', 'boolean'].includes(typeof value)) {
    const s = pyStr(value);
    if (strictEmpty && s === '') throw empty();
    return s;
  }
  // before 2015-10-15 only scalars may be spliced in; later maps and lists go in as JSON
  if (!c.scope.version.json)
    throw new TemplateError(`"${c.name}" params must be strings or numbers, param ${param} is not valid`);
  if (strictEmpty && Object.keys(value as object).length === 0) throw empty();
  return pyDumps(value);
}

/**
 * The longest string a template function may make: Heat's max_json_body_size
 * (1 MiB). Heat itself has no such limit, but past it a few nested
 * str_replace or list_join calls double their way to V8's string limit
 * (an exception, not a message) and take every other request's time with them.
 */
export const MAX_STRING = 1_048_576;

function checkLength(length: number, c: Call): void {
  if (length > MAX_STRING)
    throw new TemplateError(`"${c.name}" would make a string of ${length} characters, over the limit of ${MAX_STRING}`);
}

/** `strings.join(sep)`, refused before it is built when it would pass MAX_STRING. */
function joinCapped(strings: string[], sep: string, c: Call): string {
  let length = sep.length * Math.max(0, strings.length - 1);
  for (const s of strings) length += s.length;
  checkLength(length, c);
  return strings.join(sep);
}

/** Longer keys first, then lexicographic; each key splits the text, the rest replace inside the pieces. */
function replaceAll(template: string, mapping: Record<string, unknown>, c: Call, strictEmpty: boolean) {
  const keys = Object.keys(mapping).sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const found = new Set<string>();
  const step = (strings: string[], i: number): string[] => {
    if (i >= keys.length) return strings;
    const key = keys[i];
    const value = replacement(mapping[key], key, c, strictEmpty);
    return strings.map((s) => {
      const parts = s.split(key);
      if (parts.length > 1) found.add(key);
      return joinCapped(step(parts, i + 1), value, c);
    });
  };
  return { text: step([template], 0)[0], missing: keys.filter((k) => !found.has(k)) };
}

const strReplace = (strict: boolean, strictEmpty: boolean): Fn => {
  return (args, c) => {
    if (!isMap(args)) throw new TemplateError(`Arguments to "${c.name}" must be a map`);
    if (!('params' in args) || !('template' in args)) {
      throw new TemplateError(
        `"${c.name}" syntax should be ${c.name}:\n  template: This is var1 template var2\n  params:\n    var1: a\n    var2: string`,
      );
    }
    const template = c.resolve(args.template);
    const mapping = c.resolve(args.params);
    if (typeof template !== 'string') throw new TemplateError(`"${c.name}" template must be a string`);
    if (!isMap(mapping)) throw new TemplateError(`"${c.name}" params must be a map`);
    const { text, missing } = replaceAll(template, mapping, c, strictEmpty);
    if (strict && missing.length > 0)
      throw new TemplateError(`The following params were not found in the template: ${missing.join(',')}`);
    return text;
  };
};

const listJoin: Fn = (args, c) => {
  const multiple = c.scope.version.json;
  const example = multiple ? `"${c.name}" : [ " ", [ "str1", "str2"] ...]` : `"${c.name}" : [ " ", [ "str1", "str2"]]`;
  if (!Array.isArray(args)) throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  if (multiple ? args.length < 2 : args.length !== 2)
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  const delim = c.resolve(args[0]);
  const lists = (c.resolve(args.slice(1)) as unknown[]).map((l) => l ?? []);
  const strings: unknown[] = [];
  for (const l of lists) {
    if (!Array.isArray(l)) throw new TemplateError(`"${c.name}" must operate on a list`);
    strings.push(...l);
  }
  if (typeof delim !== 'string') throw new TemplateError(`"${c.name}" delimiter must be a string`);
  const items = strings.map((s) => {
    if (s === null || s === undefined) return '';
    if (typeof s === 'string') return s;
    if (multiple && typeof s === 'object') return pyDumps(s);
    throw new TemplateError(
      multiple
        ? `Items to join must be string, map or list not ${pyRepr(s).slice(0, 200)}`
        : `Items to join must be strings not ${pyRepr(s).slice(0, 200)}`,
    );
  });
  return joinCapped(items, delim, c);
};

const strSplit: Fn = (args, c) => {
  const example = `"${c.name}" : [ ",", "apples,pears", <index>]`;
  if (typeof args === 'string' || isMap(args))
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  const a = c.resolve(args);
  if (!Array.isArray(a) || a.length < 2)
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  const [delim, text, index] = a;
  if (text === null || text === undefined) return null;
  const parts = String(text).split(String(delim));
  if (a.length < 3) return parts;
  const i = Number(index);
  if (!Number.isInteger(i)) throw new TemplateError(`Incorrect index to "${c.name}" should be: ${example}`);
  if (i >= parts.length || i < -parts.length)
    throw new TemplateError(`Incorrect index to "${c.name}" should be between 0 and ${parts.length - 1}`);
  return parts[i < 0 ? parts.length + i : i];
};

const digest: Fn = (args, c) => {
  const a = c.resolve(args);
  if (!Array.isArray(a) || !a.every((x) => typeof x === 'string'))
    throw new TemplateError(`Argument to function "${c.name}" must be a list of strings`);
  if (a.length !== 2) throw new TemplateError(`Function "${c.name}" usage: ["<algorithm>", "<value>"]`);
  const alg = (a[0] as string).toLowerCase();
  if (!getHashes().includes(alg))
    throw new TemplateError(
      `Algorithm must be one of {${getHashes()
        .map((h) => `'${h}'`)
        .join(', ')}}`,
    );
  return createHash(alg)
    .update(Buffer.from(a[1] as string, 'latin1'))
    .digest('hex');
};

const URL_KEYS = ['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment'];

const makeUrl: Fn = (args, c) => {
  if (!isMap(args)) throw new TemplateError(`The arguments to "${c.name}" must be a map`);
  const bad = Object.keys(args).filter((k) => !URL_KEYS.includes(k));
  if (bad.length) throw new TemplateError(`Invalid arguments to "${c.name}": ${bad.join(', ')}`);
  const a = c.resolve(args) as Record<string, any>;
  for (const k of URL_KEYS) {
    if (!(k in a) || k === 'port' || k === 'query') continue;
    if (typeof a[k] !== 'string') throw new TemplateError(`The "${k}" argument to "${c.name}" must be a string`);
  }
  if ('query' in a && !isMap(a.query)) throw new TemplateError(`The "query" argument to "${c.name}" must be a map`);
  let port = '';
  if (a.port !== undefined && a.port !== '') {
    const p = Number(a.port);
    if (!Number.isInteger(p))
      throw new TemplateError(`Invalid URL port "${a.port}" for ${c.name} called with ${pyDumps(a)}`);
    if (p < 1 || p > 65535) throw new TemplateError(`Invalid URL port ${p}, must be in range 1-65535`);
    port = String(p);
  }
  const scheme = a.scheme ?? '';
  if (scheme.includes(':')) throw new TemplateError(`URL "scheme" should not contain ':'`);
  const q = (s: string, safe = '') =>
    encodeURIComponent(s).replace(/[!'()*]/g, (ch) => (safe.includes(ch) ? ch : `%${ch.charCodeAt(0).toString(16)}`));
  const user = q(a.username ?? '');
  const pass = q(a.password ?? '');
  let host: string = a.host ?? '';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  host = q(host).replace(/%3A/gi, ':');
  if (host.includes(':')) host = `[${host}]`;
  const auth = user || pass ? `${user}${pass ? `:${pass}` : ''}@` : '';
  const netloc = `${auth}${host}${port ? `:${port}` : ''}`;
  const path = encodeURI(a.path ?? '');
  const query = new URLSearchParams(a.query ?? {}).toString().replace(/%2F/g, '/');
  const fragment = encodeURI(a.fragment ?? '');
  let url = scheme ? `${scheme}:` : '';
  if (netloc || scheme) url += `//${netloc}`;
  if (path) url += path.startsWith('/') || !netloc ? path : `/${path}`;
  if (query) url += `?${query}`;
  if (fragment) url += `#${fragment}`;
  return url;
};

// 2013-05-23's CloudFormation-style functions
const fnJoin: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [delimiter, [string, ...]]`);
  const [delim, list] = c.resolve(args) as [string, unknown[]];
  const items = (list ?? []).map((s) => (s === null || s === undefined ? '' : String(s)));
  return joinCapped(items, String(delim), c);
};

const fnSplit: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [delimiter, string]`);
  const [delim, text] = c.resolve(args) as [string, string];
  return String(text).split(delim);
};

const fnReplace: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [{key: value, ...}, string]`);
  const [mapping, template] = c.resolve(args) as [Record<string, unknown>, string];
  return replaceAll(String(template), mapping ?? {}, c, false).text;
};

export const stringFunctions: Record<string, Fn> = {
  str_replace: strReplace(false, false),
  str_replace_strict: strReplace(true, false),
  str_replace_vstrict: strReplace(true, true),
  list_join: listJoin,
  str_split: strSplit,
  digest,
  make_url: makeUrl,
  'Fn::Join': fnJoin,
  'Fn::Split': fnSplit,
  'Fn::Replace': fnReplace,
  'Fn::Base64': (args, c) => c.resolve(args),
};
