import type { Cloud } from '../../cloud.js';
import { type AssignmentRow, idb, NULL_DOMAIN, type ProjectRow } from './store.js';

// Role assignments as Keystone lists them (GET /v3/role_assignments): the
// stored grants, or, in effective mode, what they amount to per user: group
// grants become one per member, inherited grants one per project below, and
// implied roles are added. The tables involved are small, so each listing
// loads them once and works in memory (no query per assignment).

export interface Assignment {
  userId?: string;
  groupId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  roleId: string;
  /** An OS-INHERIT grant (to the projects below the target). */
  inherited: boolean;
  /** Where an effective assignment comes from. */
  indirect?: { groupId?: string; projectId?: string; domainId?: string; roleId?: string };
}

export interface AssignmentFilters {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectIds?: string[];
  domainId?: string;
  system?: boolean;
  /** true: only inherited grants; false: only direct ones; undefined: both. */
  inherited?: boolean;
}

function fromRow(r: AssignmentRow): Assignment {
  const a: Assignment = { roleId: r.role_id, inherited: r.inherited === 1 };
  if (r.type.startsWith('User')) a.userId = r.actor_id;
  else a.groupId = r.actor_id;
  if (r.type.endsWith('Project')) a.projectId = r.target_id;
  else if (r.type.endsWith('Domain')) a.domainId = r.target_id;
  else a.system = true;
  return a;
}

/** The stored grants matching the filters (Keystone's non-effective listing). */
export async function directAssignments(cloud: Cloud, f: AssignmentFilters): Promise<Assignment[]> {
  let sql = idb(cloud).selectFrom('assignments').selectAll();
  if (f.userId)
    sql = sql.where('actor_id', '=', f.userId).where('type', 'in', ['UserProject', 'UserDomain', 'UserSystem']);
  if (f.groupId)
    sql = sql.where('actor_id', '=', f.groupId).where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem']);
  if (f.roleId) sql = sql.where('role_id', '=', f.roleId);
  const rows = (await sql.execute()).map(fromRow);
  const scoped = f.projectIds !== undefined || f.domainId !== undefined;
  return rows.filter((a) => {
    if (a.system) return f.system === true || (!scoped && f.system === undefined);
    if (f.system) return false;
    if (f.projectIds && !(a.projectId && f.projectIds.includes(a.projectId))) return false;
    if (f.domainId && a.domainId !== f.domainId) return false;
    if (f.inherited !== undefined && a.inherited !== f.inherited) return false;
    return true;
  });
}

interface World {
  members: Map<string, string[]>;
  implies: Map<string, string[]>;
  domainRoles: Set<string>;
  projects: ProjectRow[];
}

async function loadWorld(cloud: Cloud): Promise<World> {
  const db = idb(cloud);
  const [members, implied, roles, projects] = await Promise.all([
    db.selectFrom('group_members').selectAll().execute(),
    db.selectFrom('implied_roles').selectAll().execute(),
    db.selectFrom('roles').select(['id', 'domain_id']).execute(),
    db.selectFrom('projects').selectAll().execute(),
  ]);
  const group = <T>(rows: T[], key: (r: T) => string, value: (r: T) => string) => {
    const m = new Map<string, string[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), value(r)]);
    return m;
  };
  return {
    members: group(
      members,
      (m) => m.group_id,
      (m) => m.user_id,
    ),
    implies: group(
      implied,
      (i) => i.prior_role_id,
      (i) => i.implied_role_id,
    ),
    domainRoles: new Set(roles.filter((r) => r.domain_id !== NULL_DOMAIN).map((r) => r.id)),
    projects,
  };
}

function below(projects: ProjectRow[], targetId: string): ProjectRow[] {
  const out: ProjectRow[] = [];
  const queue = [targetId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const p of projects)
      if (p.parent_id === id && !out.includes(p)) {
        out.push(p);
        queue.push(p.id);
      }
  }
  return out;
}

/**
 * Keystone's effective mode: per-user assignments on projects and domains
 * (never system ones), with groups, inheritance and implied roles expanded
 * and domain-specific roles stripped (trusts keep them: they delegate what
 * was granted, aliases included).
 */
export async function effectiveAssignments(
  cloud: Cloud,
  f: AssignmentFilters,
  stripDomainRoles = true,
): Promise<Assignment[]> {
  const world = await loadWorld(cloud);
  const grants = (await idb(cloud).selectFrom('assignments').selectAll().execute())
    .map(fromRow)
    .filter((a) => !a.system);
  // 1. groups to their members
  const perUser: Assignment[] = [];
  for (const a of grants) {
    if (a.userId) perUser.push(a);
    else
      for (const userId of world.members.get(a.groupId!) ?? [])
        perUser.push({ ...a, groupId: undefined, userId, indirect: { groupId: a.groupId } });
  }
  // 2. inherited grants to every project below their target
  const placed: Assignment[] = [];
  for (const a of perUser) {
    if (!a.inherited) {
      placed.push(a);
      continue;
    }
    const target = a.projectId ?? a.domainId!;
    const from = a.projectId ? { projectId: a.projectId } : { domainId: a.domainId };
    for (const p of below(world.projects, target))
      placed.push({
        ...a,
        projectId: p.id,
        domainId: undefined,
        inherited: false,
        indirect: { ...a.indirect, ...from },
      });
  }
  // 3. implied roles, each step recorded from its immediate prior role
  const out: Assignment[] = [];
  for (const a of placed) {
    out.push(a);
    const seen = new Set([a.roleId]);
    const queue = [a.roleId];
    while (queue.length > 0) {
      const prior = queue.shift()!;
      for (const implied of world.implies.get(prior) ?? []) {
        if (seen.has(implied)) continue;
        seen.add(implied);
        queue.push(implied);
        out.push({ ...a, roleId: implied, indirect: { ...a.indirect, roleId: prior } });
      }
    }
  }
  return out.filter((a) => {
    if (stripDomainRoles && world.domainRoles.has(a.roleId)) return false;
    if (f.userId && a.userId !== f.userId) return false;
    if (f.roleId && a.roleId !== f.roleId) return false;
    if (f.projectIds && !(a.projectId && f.projectIds.includes(a.projectId))) return false;
    if (f.domainId && a.domainId !== f.domainId) return false;
    return true;
  });
}

/** Projects on which a user holds any effective role (GET /v3/users/{id}/projects, /v3/auth/projects). */
export async function projectsOfUser(cloud: Cloud, userId: string): Promise<ProjectRow[]> {
  const effective = await effectiveAssignments(cloud, { userId });
  const ids = new Set(effective.map((a) => a.projectId).filter((id): id is string => !!id));
  if (ids.size === 0) return [];
  return idb(cloud)
    .selectFrom('projects')
    .selectAll()
    .where('id', 'in', [...ids])
    .orderBy('name')
    .execute();
}

/** Domains on which a user holds any effective role (GET /v3/users/{id}/domains, /v3/auth/domains). */
export async function domainIdsOfUser(cloud: Cloud, userId: string): Promise<string[]> {
  const effective = await effectiveAssignments(cloud, { userId });
  return [...new Set(effective.map((a) => a.domainId).filter((id): id is string => !!id))];
}

/** The subtree of a project, for ?include_subtree. */
export async function projectAndBelow(cloud: Cloud, projectId: string): Promise<string[]> {
  const projects = await idb(cloud).selectFrom('projects').selectAll().execute();
  return [projectId, ...below(projects, projectId).map((p) => p.id)];
}
