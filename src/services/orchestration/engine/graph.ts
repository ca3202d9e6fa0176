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

/** The creation order; refuses a cycle with Heat's message naming what is left. */
export function topoOrder(graph: Graph, def: StackDefinition): string[] {
  const remaining = new Map([...graph.requires].map(([k, v]) => [k, new Set(v)]));
  const out: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.keys()].filter((k) => remaining.get(k)!.size === 0);
    if (ready.length === 0) {
      const text = [...remaining]
        .map(([k, v]) => `${label(def, k)}: {${[...v].map((d) => label(def, d)).join(', ')}}`)
        .join(', ');
      throw new HeatError(400, `Circular Dependency Found: {${text}}`, 'CircularDependencyException');
    }
    for (const k of ready) {
      out.push(k);
      remaining.delete(k);
      for (const v of remaining.values()) v.delete(k);
    }
  }
  return out;
}

/** name → the names that need it (Heat's required_by). */
export function requiredBy(graph: Graph): Map<string, string[]> {
  const out = new Map<string, string[]>(graph.nodes.map((n) => [n, []]));
  for (const [k, reqs] of graph.requires) for (const r of reqs) out.get(r)?.push(k);
  return out;
}
