import { isMap } from './parse.js';
import type { HotVersion } from './versions.js';

/** What an `if` with no false branch yields (2021-04-16): the enclosing item disappears. */
export const OMIT = Symbol('omit');

/** A function's misuse or failure; Heat raises these as TypeError/ValueError/KeyError with this text. */
export class TemplateError extends Error {}

/** What functions are evaluated against: parameters, files, conditions, and what is known of resources. */
export interface Scope {
  version: HotVersion;
  /** A parameter's typed value; throws UserParameterMissing when it has none. */
  param(name: string): unknown;
  hasParam(name: string): boolean;
  files: Record<string, string>;
  /** A named condition's value. */
  condition(name: string): boolean;
  /** get_resource: the resource's reference id. `where` names the place for InvalidTemplateReference. */
  resourceRef(name: string, where: string): unknown;
  /** get_attr: the attribute (null: every attribute) with the path followed. */
  resourceAttr(name: string, attr: string | null, path: unknown[], where: string): unknown;
  /** resource_facade inside a nested stack. */
  facade?(what: string): unknown;
  /** Resolving inside the `conditions` section: only condition functions are functions. */
  inConditions?: boolean;
}

/** One call of a function: its arguments, where it is, and a way to resolve snippets in its scope. */
export interface Call {
  name: string;
  scope: Scope;
  path: string;
  resolve(snippet: unknown): unknown;
}

export type Fn = (args: any, call: Call) => unknown;

/** Follows a get_attr/get_param path into a value; a path that leads nowhere gives `onMiss`. */
export function selectPath(value: unknown, path: unknown[], onMiss: unknown = null): unknown {
  let cur: any = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return onMiss;
    if (typeof key !== 'string' && typeof key !== 'number') return onMiss;
    if (Array.isArray(cur)) {
      const i = typeof key === 'number' ? key : /^-?\d+$/.test(key) ? Number(key) : Number.NaN;
      if (!Number.isInteger(i)) return onMiss;
      cur = cur[i < 0 ? cur.length + i : i];
    } else cur = cur[String(key)];
    if (cur === undefined) return onMiss;
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export { isMap };
