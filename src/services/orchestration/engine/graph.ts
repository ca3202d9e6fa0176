import { HeatError } from '../errors.js';
import { invalidReference, type StackDefinition } from '../template/definition.js';
import { resolve } from '../template/functions.js';
import { references } from '../template/references.js';
import { className, hasResourceType, resourceType } from './registry.js';

// The dependency graph of a stack's resources: explicit depends_on, every
// get_resource/get_attr in properties and metadata, and what resource types
// add on their own. Creation follows it; deletion walks it backwards.

export interface Graph {
  /** Resource names, in template (sorted) order. */
  nodes: string[];
  /** name → the names it needs first. */
  requires: Map<string, Set<string>>;
}

export function buildGraph(def: StackDefinition): Graph {
  const scope = def.scope();
  const enabled = def.resources;
  const nodes = Object.keys(enabled);
  const requires = new Map<string, Set<string>>();
  for (const name of nodes) {
    const d = enabled[name];
    const req = new Set<string>();
    for (const dep of d.dependsOn) {
      if (!(dep in def.template.resources)) throw invalidReference(dep, name);
      if (dep in enabled) req.add(dep);
    }
    const refs = [
      ...references(d.properties, scope, `${name}.Properties`),
      ...references(d.metadata, scope, `${name}.Metadata`),
    ];
    for (const r of refs) {
      if (!(r.resource in def.template.resources)) throw invalidReference(r.resource, r.where);
      if (r.resource in enabled) req.add(r.resource);
    }
    if (hasResourceType(d.type)) {
      const implicit = resourceType(d.type).implicitDeps?.(d, Object.values(enabled), (s) => resolve(s, scope)) ?? [];
      for (const dep of implicit) if (dep !== name && dep in enabled) req.add(dep);
    }
    requires.set(name, req);
  }
  return { nodes, requires };
}

function label(def: StackDefinition, name: string): string {
  const type = def.resources[name]?.type;
  const cls = type && hasResourceType(type) ? className(resourceType(type)) : (type?.split('::').pop() ?? 'Resource');
  return `${cls} "${name}"`;
}

/**
 * The creation order, level by level (a level's names in template order);
 * refuses a cycle with Heat's message naming what is left. Linear in the
 * edges (Kahn): a 999-resource chain must not cost a million set deletions.
 */
export function topoOrder(graph: Graph, def: StackDefinition): string[] {
  const index = new Map([...graph.requires.keys()].map((k, i) => [k, i]));
  const waiting = new Map<string, number>();
  const needs = new Map<string, string[]>();
  for (const [k, reqs] of graph.requires) {
    let n = 0;
    for (const r of reqs) {
      if (!index.has(r)) continue;
      n++;
      const list = needs.get(r);
      if (list) list.push(k);
      else needs.set(r, [k]);
    }
    waiting.set(k, n);
  }
  const out: string[] = [];
  let level = [...waiting.keys()].filter((k) => waiting.get(k) === 0);
  while (level.length > 0) {
    const next: string[] = [];
    for (const k of level) {
      out.push(k);
      for (const m of needs.get(k) ?? []) {
        const n = waiting.get(m)! - 1;
        waiting.set(m, n);
        if (n === 0) next.push(m);
      }
    }
    level = next.sort((a, b) => index.get(a)! - index.get(b)!);
  }
  if (out.length < index.size) {
    const placed = new Set(out);
    const text = [...graph.requires]
      .filter(([k]) => !placed.has(k))
      .map(([k, v]) => {
        const left = [...v].filter((d) => index.has(d) && !placed.has(d));
        return `${label(def, k)}: {${left.map((d) => label(def, d)).join(', ')}}`;
      })
      .join(', ');
    throw new HeatError(400, `Circular Dependency Found: {${text}}`, 'CircularDependencyException');
  }
  return out;
}

/** name → the names that need it (Heat's required_by). */
export function requiredBy(graph: Graph): Map<string, string[]> {
  const out = new Map<string, string[]>(graph.nodes.map((n) => [n, []]));
  for (const [k, reqs] of graph.requires) for (const r of reqs) out.get(r)?.push(k);
  return out;
}
