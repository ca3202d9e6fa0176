import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import {
  type Assignment,
  type AssignmentFilters,
  directAssignments,
  effectiveAssignments,
  projectAndBelow,
} from '../assignments.js';
import { enforce } from '../policy.js';
import { getProject, idb, NULL_DOMAIN } from '../store.js';
import { flag, listBody, query, v3Url } from './common.js';

type Names = {
  users: Map<string, { name: string; domain_id: string }>;
  groups: Map<string, { name: string; domain_id: string }>;
  projects: Map<string, { name: string; domain_id: string }>;
  domains: Map<string, string>;
  roles: Map<string, { name: string; domain_id: string }>;
};

async function loadNames(cloud: Cloud): Promise<Names> {
  const db = idb(cloud);
  const [users, groups, projects, domains, roles] = await Promise.all([
    db.selectFrom('users').select(['id', 'name', 'domain_id']).execute(),
    db.selectFrom('groups').select(['id', 'name', 'domain_id']).execute(),
    db.selectFrom('projects').select(['id', 'name', 'domain_id']).execute(),
    db.selectFrom('domains').select(['id', 'name']).execute(),
    db.selectFrom('roles').select(['id', 'name', 'domain_id']).execute(),
  ]);
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  return {
    users: byId(users),
    groups: byId(groups),
    projects: byId(projects),
    domains: new Map(domains.map((d) => [d.id, d.name])),
    roles: byId(roles),
  };
}

/** One assignment in the API's shape (keystone/api/role_assignments.py _format_entity). */
export function formatAssignment(req: FastifyRequest, a: Assignment, names?: Names) {
  const out: Record<string, any> = { links: {} };
  const named = (kind: 'users' | 'groups' | 'projects', id: string) => {
    if (!names) return { id };
    const e = names[kind].get(id);
    return {
      id,
      name: e?.name ?? '',
      domain: { id: e?.domain_id ?? '', name: e ? (names.domains.get(e.domain_id) ?? '') : '' },
    };
  };
  let link = '';
  let inherited = a.inherited;
  if (a.projectId) {
    out.scope = { project: named('projects', a.projectId) };
    if (a.indirect?.domainId) {
      inherited = true;
      link = `/domains/${a.indirect.domainId}`;
    } else if (a.indirect?.projectId) {
      inherited = true;
      link = `/projects/${a.indirect.projectId}`;
    } else link = `/projects/${a.projectId}`;
  } else if (a.domainId) {
    out.scope = { domain: names ? { id: a.domainId, name: names.domains.get(a.domainId) ?? '' } : { id: a.domainId } };
    link = `/domains/${a.domainId}`;
  } else {
    out.scope = { system: { all: true } };
    link = '/system';
  }
  if (a.userId) {
    out.user = named('users', a.userId);
    if (a.indirect?.groupId) {
      out.links.membership = v3Url(req, `/groups/${a.indirect.groupId}/users/${a.userId}`);
      link += `/groups/${a.indirect.groupId}`;
    } else link += `/users/${a.userId}`;
  } else if (a.groupId) {
    out.group = named('groups', a.groupId);
    link += `/groups/${a.groupId}`;
  }
  const role = names?.roles.get(a.roleId);
  out.role = names ? { id: a.roleId, name: role?.name ?? '' } : { id: a.roleId };
  if (names && role && role.domain_id !== NULL_DOMAIN)
    out.role.domain = { id: role.domain_id, name: names.domains.get(role.domain_id) ?? '' };
  if (a.indirect?.roleId) {
    link += `/roles/${a.indirect.roleId}`;
    // Keystone names the two ends this way round; clients only follow the link.
    out.links.prior_role = v3Url(req, `/prior_role/${a.roleId}/implies/${a.indirect.roleId}`);
  } else link += `/roles/${a.roleId}`;
  if (inherited) {
    out.scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  out.links.assignment = v3Url(req, link);
  return out;
}

/** GET /v3/role_assignments */
export async function roleAssignmentRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v3/role_assignments', async (req) => {
    const q = query(req);
    const subtree = flag(q, 'include_subtree');
    if (subtree) {
      const projectId = q['scope.project.id'];
      const project = projectId ? await getProject(cloud, projectId) : undefined;
      enforce(req, 'identity:list_role_assignments_for_tree', project ? { target: { project } } : {});
      if (!projectId) throw new BadRequest('scope.project.id must be specified if include_subtree is also specified');
    } else {
      enforce(
        req,
        'identity:list_role_assignments',
        req.auth.domainId ? { target: { domain_id: req.auth.domainId } } : {},
      );
    }
    if (q['scope.domain.id'] && q['scope.project.id']) throw new BadRequest('Specify a domain or project, not both');
    if (q['scope.domain.id'] && q['scope.system']) throw new BadRequest('Specify system or domain, not both');
    if (q['scope.project.id'] && q['scope.system']) throw new BadRequest('Specify system or project, not both');
    if (q['user.id'] && q['group.id']) throw new BadRequest('Specify a user or group, not both');
    const effective = flag(q, 'effective');
    const inheritedTo = q['scope.OS-INHERIT:inherited_to'];
    const inherited = inheritedTo === undefined ? undefined : inheritedTo === 'projects';
    if (effective && q['group.id'])
      throw new BadRequest('Combining effective and group filter will always result in an empty list.');
    if (effective && inherited && q['scope.domain.id'])
      throw new BadRequest('Combining effective, domain and inherited filters will always result in an empty list.');
    const projectId = q['scope.project.id'];
    const filters: AssignmentFilters = {
      userId: q['user.id'] || undefined,
      groupId: q['group.id'] || undefined,
      roleId: q['role.id'] || undefined,
      projectIds: projectId ? (subtree ? await projectAndBelow(cloud, projectId) : [projectId]) : undefined,
      domainId: q['scope.domain.id'] || undefined,
      system: q['scope.system'] === 'all' ? true : undefined,
      inherited,
    };
    let list = effective ? await effectiveAssignments(cloud, filters) : await directAssignments(cloud, filters);
    if (req.auth.domainId) {
      const projects = await idb(cloud).selectFrom('projects').select(['id', 'domain_id']).execute();
      const domainOf = new Map(projects.map((p) => [p.id, p.domain_id]));
      list = list.filter(
        (a) => a.domainId === req.auth.domainId || (a.projectId && domainOf.get(a.projectId) === req.auth.domainId),
      );
    }
    const names = flag(q, 'include_names') ? await loadNames(cloud) : undefined;
    return listBody(
      req,
      'role_assignments',
      list.map((a) => formatAssignment(req, a, names)),
    );
  });
}
