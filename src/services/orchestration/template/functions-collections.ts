import { pyDumps, pyRepr } from './pyjson.js';
import { deepEqual, type Fn, isMap, TemplateError } from './scope.js';

// Functions over lists and maps: repeat, map_merge, map_replace, filter,
// list_concat(_unique), contains, and 2013's Fn::Select and friends.

function substitute(template: unknown, keys: string[], values: unknown[]): unknown {
  if (typeof template === 'string') {
    let t = template;
    keys.forEach((k, i) => {
      t = t.split(k).join(String(values[i]));
    });
    return t;
  }
  if (Array.isArray(template)) return template.map((e) => substitute(e, keys, values));
  if (isMap(template)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template))
      out[String(substitute(k, keys, values))] = substitute(v, keys, values);
    return out;
  }
  return template;
}

function product(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
}

/**
 * What one repeat may make. Heat sets no such limit, but the product of two
 * lists of a few thousand items each, from a template of a few KB, takes
 * seconds and gigabytes that every other request would wait for.
 */
export const MAX_REPEAT = 100_000;
export const MAX_REPEAT_SIZE = 16 * 1_048_576;

const repeat: Fn = (args, c) => {
  const v = c.scope.version;
  if (!isMap(args)) throw new TemplateError(`Arguments to "${c.name}" must be a map`);
  if (!('for_each' in args) || !('template' in args))
    throw new TemplateError(
      `"repeat" syntax should be repeat:\n  template: This is %var%\n  for_each:\n    %var%: ['a', 'b', 'c']`,
    );
  const nested = v.repeatPermutations ? (args.permutations ?? true) : true;
  if (typeof nested !== 'boolean')
    throw new TemplateError(`"permutations" should be boolean type for ${c.name} function.`);
  const forEach = c.resolve(args.for_each);
  if (!isMap(forEach)) throw new TemplateError(`The "for_each" argument to "${c.name}" must contain a map`);
  const keys = Object.keys(forEach);
  const lists = keys.map((k) => {
    const l = forEach[k];
    if (l === null || l === undefined) return [];
    if (Array.isArray(l)) return l;
    if (isMap(l) && v.repeatMaps && nested) return Object.keys(l);
    throw new TemplateError(
      v.repeatMaps && nested
        ? `The values of the "for_each" argument to "${c.name}" must be lists or maps`
        : `The values of the "for_each" argument to "${c.name}" must be lists`,
    );
  });
  if (!nested && new Set(lists.map((l) => l.length)).size > 1)
    throw new TemplateError(`For ${c.name}, the length of for_each values should be equal if no nested loop.`);
  const template = c.resolve(args.template);
  const count = nested ? lists.reduce((n, l) => n * l.length, 1) : (lists[0]?.length ?? 0);
  const size = count * (JSON.stringify(template)?.length ?? 4);
  if (count > MAX_REPEAT || size > MAX_REPEAT_SIZE)
    throw new TemplateError(
      `"${c.name}" would make ${count} values (about ${size} characters), over the limit of ${MAX_REPEAT} values or ${MAX_REPEAT_SIZE} characters`,
    );
  const combos = nested ? product(lists) : (lists[0] ?? []).map((_, i) => lists.map((l) => l[i]));
  return combos.map((vals) => substitute(template, keys, vals));
};

const mapMerge: Fn = (args, c) => {
  const a = c.resolve(args);
  if (!Array.isArray(a))
    throw new TemplateError(
      `Incorrect arguments to "${c.name}" should be: "${c.name}" : [ { "key1": "val1" }, { "key2": "val2" } ]`,
    );
  const out: Record<string, unknown> = {};
  for (const m of a) {
    if (m === null || m === undefined) continue;
    if (!isMap(m))
      throw new TemplateError(
        `Incorrect arguments: Items to merge must be maps. ${pyRepr(m).slice(0, 200)} is not a dict`,
      );
    Object.assign(out, m);
  }
  return out;
};

const mapReplace: Fn = (args, c) => {
  const example = `"${c.name}" : [ { "key1": "val1" }, {"keys": {"key1": "key2"}, "values": {"val1": "val2"}}]`;
  const a = c.resolve(args);
  if (!Array.isArray(a) || a.length !== 2)
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  const asMap = (m: unknown) => {
    if (m === null || m === undefined) return {};
    if (isMap(m)) return m;
    throw new TemplateError(
      `Incorrect arguments: to "${c.name}", arguments must be a list of maps. Example:  ${example}`,
    );
  };
  const input = asMap(a[0]);
  const repl = asMap(a[1]);
  if (Object.keys(repl).some((k) => k !== 'keys' && k !== 'values'))
    throw new TemplateError(`Incorrect arguments to "${c.name}" should be: ${example}`);
  const keys = asMap(repl.keys);
  const values = asMap(repl.values);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    let key = keys[k] as string | undefined;
    if (key === undefined || key === null) key = k;
    else if (key in input && key !== k)
      throw new TemplateError(`key replacement ${key} collides with a key in the input map`);
    else if (key in out) throw new TemplateError(`key replacement ${key} collides with a key in the output map`);
    const hashable = v === null || typeof v !== 'object';
    out[key] = hashable && String(v) in values ? values[String(v)] : v;
  }
  return out;
};

const filter: Fn = (args, c) => {
  if (!Array.isArray(args)) throw new TemplateError(`Argument to "${c.name}" must be a list`);
  if (args.length !== 2)
    throw new TemplateError(
      `"${c.name}" expected 2 arguments of the form [values, sequence] but got ${args.length} arguments instead`,
    );
  const sequence = c.resolve(args[1]);
  if (!sequence || (Array.isArray(sequence) && sequence.length === 0)) return sequence;
  if (!Array.isArray(sequence)) throw new TemplateError(`"${c.name}" only works with lists`);
  const values = c.resolve(args[0]);
  if (!values || (Array.isArray(values) && values.length === 0)) return sequence;
  if (!Array.isArray(values)) throw new TemplateError(`"${c.name}" filters a list of values`);
  return sequence.filter((i) => !values.some((v) => deepEqual(v, i)));
};

const listConcat =
  (unique: boolean): Fn =>
  (args, c) => {
    const a = c.resolve(args);
    if (!Array.isArray(a))
      throw new TemplateError(
        `Incorrect arguments to "${c.name}" should be: "${c.name}" : [ [ <value 1>, <value 2> ], [ <value 3>, <value 4> ] ]`,
      );
    const out: unknown[] = [];
    for (const l of a) {
      if (l === null || l === undefined) continue;
      if (!Array.isArray(l))
        throw new TemplateError(
          `Incorrect arguments: Items to concat must be lists. ${pyDumps(a)} contains an item that is not a list: ${pyDumps(l)}`,
        );
      for (const item of l) if (!unique || !out.some((o) => deepEqual(o, item))) out.push(item);
    }
    return out;
  };

const contains: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length === 0)
    throw new TemplateError(
      `Incorrect arguments to "${c.name}" should be: "${c.name}" : [ "value1", [ "value1", "value2"]]`,
    );
  if (args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [value1, [value1, value2]]`);
  const [value, seq] = c.resolve(args) as [unknown, unknown];
  if (typeof seq === 'string') return typeof value === 'string' && seq.includes(value);
  if (!Array.isArray(seq)) throw new TemplateError(`Second argument to "${c.name}" should be a sequence.`);
  return seq.some((s) => deepEqual(s, value));
};

const fnSelect: Fn = (args, c) => {
  if (!Array.isArray(args) || args.length !== 2)
    throw new TemplateError(`Arguments to "${c.name}" must be of the form: [index, collection]`);
  const [index, coll] = c.resolve(args) as [unknown, unknown];
  if (coll === null || coll === undefined) return '';
  if (Array.isArray(coll)) {
    const i = Number(index);
    if (!Number.isInteger(i)) throw new TemplateError(`Index to "${c.name}" must be an integer`);
    return coll[i] ?? '';
  }
  if (isMap(coll)) return coll[String(index)] ?? '';
  throw new TemplateError(`Arguments to "${c.name}" not fully resolved`);
};

const memberListToMap: Fn = (args, c) => {
  const a = c.resolve(args);
  if (!Array.isArray(a) || a.length !== 3 || !Array.isArray(a[2]))
    throw new TemplateError(`Wrong Arguments try: '{"${c.name}": [Name, Value, ["a.member.0.Name=key", ...]]}'`);
  const [keyName, valueName, members] = a as [string, string, string[]];
  const items = new Map<string, Record<string, string>>();
  for (const m of members) {
    const [lhs, rhs] = String(m).split('=', 2);
    const parts = lhs.split('.');
    const idx = parts.slice(0, -1).join('.');
    const field = parts[parts.length - 1];
    const item = items.get(idx) ?? {};
    item[field] = rhs ?? '';
    items.set(idx, item);
  }
  const out: Record<string, string> = {};
  for (const item of items.values()) if (keyName in item) out[item[keyName]] = item[valueName];
  return out;
};

export const collectionFunctions: Record<string, Fn> = {
  repeat,
  map_merge: mapMerge,
  map_replace: mapReplace,
  filter,
  list_concat: listConcat(false),
  list_concat_unique: listConcat(true),
  contains,
  'Fn::Select': fnSelect,
  'Fn::GetAZs': () => ['nova'],
  'Fn::MemberListToMap': memberListToMap,
};
