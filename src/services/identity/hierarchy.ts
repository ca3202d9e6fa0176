import type { Cloud } from '../../cloud.js';
import { type DomainRow, idb, type ProjectRow } from './store.js';

// Projects form trees under their domain (parent_id of a top-level project is
// its domain's id). Trees are small; one query loads a domain's projects and
// the walks happen in memory, so no path does a query per level.

/** Keystone's default [DEFAULT] max_project_tree_depth. */
export const MAX_PROJECT_TREE_DEPTH = 5;

export async function domainProjects(cloud: Cloud, domainId: string): Promise<ProjectRow[]> {
  return idb(cloud).selectFrom('projects').selectAll().where('domain_id', '=', domainId).execute();
}

/** Ancestors of a project, nearest first, domain excluded. */
export function ancestorsIn(all: ProjectRow[], project: ProjectRow): ProjectRow[] {
  const byId = new Map(all.map((p) => [p.id, p]));
  const out: ProjectRow[] = [];
  let parent = project.parent_id ? byId.get(project.parent_id) : undefined;
  while (parent && out.length < 100 && !out.includes(parent)) {
    out.push(parent);
    parent = parent.parent_id ? byId.get(parent.parent_id) : undefined;
  }
  return out;
}

/** Every project below `projectId`, parents before children. */
export function subtreeIn(all: ProjectRow[], projectId: string): ProjectRow[] {
  const out: ProjectRow[] = [];
  const queue = [projectId];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const p of all) {
      if (p.parent_id === id && !seen.has(p.id)) {
        seen.add(p.id);
        out.push(p);
        queue.push(p.id);
      }
    }
  }
  return out;
}

/** Keystone's parents_as_ids: {parent: {grandparent: {... {domain: null}}}}. */
export function parentsAsIds(ancestors: ProjectRow[], domain: DomainRow | undefined): Record<string, unknown> | null {
  let nested: Record<string, unknown> | null = domain ? { [domain.id]: null } : null;
  for (let i = ancestors.length - 1; i >= 0; i--) nested = { [ancestors[i].id]: nested };
  return nested;
}

/** Keystone's subtree_as_ids: {child: {grandchild: null}, other: null}. */
export function subtreeAsIds(all: ProjectRow[], projectId: string): Record<string, unknown> | null {
  const children = all.filter((p) => p.parent_id === projectId);
  if (children.length === 0) return null;
  return Object.fromEntries(children.map((c) => [c.id, subtreeAsIds(all, c.id)]));
}
