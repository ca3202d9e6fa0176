import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';

// Row types of Keystone's tables (see migrations.ts) and the lookups that
// tokens, the catalog and the CRUD routes share.

export interface DomainRow {
  id: string;
  name: string;
  description: string | null;
  enabled: number;
  tags: string;
  options: string;
  extra: string;
  created_at: string;
}

export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string | null;
  description: string | null;
  enabled: number;
  tags: string;
  options: string;
  extra: string;
  created_at: string;
}

export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: number;
  password_hash: string | null;
  password_expires_at: string | null;
  password_changed_at: string | null;
  default_project_id: string | null;
  description: string | null;
  options: string;
  extra: string;
  created_at: string;
}

export interface RoleRow {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  options: string;
  extra: string;
}

export interface AssignmentRow {
  type: 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';
  actor_id: string;
  target_id: string;
  role_id: string;
  inherited: number;
}

export interface TokenRow {
  hash: string;
  user_id: string;
  project_id: string | null;
  domain_id: string | null;
  system: number;
  methods: string;
  audit_ids: string;
  application_credential_id: string | null;
  issued_at: string;
  expires_at: string;
  revoked: number;
  trust_id?: string | null;
}

export interface TrustRow {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: number;
  expires_at: string | null;
  remaining_uses: number | null;
  allow_redelegation: number;
  redelegation_count: number | null;
  redelegated_trust_id: string | null;
  /** [{id}] of the delegated roles */
  roles: string;
  extra: string;
  created_at: string;
}

export interface IdentityTables {
  domains: DomainRow;
  projects: ProjectRow;
  users: UserRow;
  groups: {
    id: string;
    name: string;
    domain_id: string;
    description: string | null;
    extra: string;
    created_at: string;
  };
  group_members: { group_id: string; user_id: string };
  roles: RoleRow;
  implied_roles: { prior_role_id: string; implied_role_id: string };
  assignments: AssignmentRow;
  regions: { id: string; description: string; parent_region_id: string | null; extra: string };
  services: { id: string; type: string; enabled: number; extra: string };
  endpoints: {
    id: string;
    service_id: string;
    interface: string;
    url: string;
    region_id: string | null;
    enabled: number;
    extra: string;
  };
  credentials: { id: string; user_id: string; project_id: string | null; type: string; blob: string; extra: string };
  application_credentials: {
    id: string;
    name: string;
    user_id: string;
    project_id: string;
    secret_hash: string;
    description: string | null;
    expires_at: string | null;
    unrestricted: number;
    roles: string;
    access_rules: string;
    created_at: string;
  };
  tokens: TokenRow;
  trusts: TrustRow;
  policies: { id: string; type: string; blob: string; extra: string };
  policy_associations: {
    policy_id: string;
    endpoint_id: string | null;
    service_id: string | null;
    region_id: string | null;
  };
  consumers: { id: string; secret_hash: string; description: string | null; extra: string };
  endpoint_groups: { id: string; name: string; description: string | null; filters: string };
  project_endpoints: { project_id: string; endpoint_id: string };
  project_endpoint_groups: { project_id: string; endpoint_group_id: string };
  domain_configs: { domain_id: string; config: string };
  access_rules: { id: string; user_id: string; service: string; path: string; method: string };
  limits: {
    id: string;
    registered: number;
    service_id: string;
    region_id: string | null;
    resource_name: string;
    project_id: string | null;
    domain_id: string | null;
    limit_value: number;
    description: string | null;
  };
}

/** Global roles carry this domain_id, as in Keystone, so (domain_id, name) stays unique. */
export const NULL_DOMAIN = '<<null>>';

export function idb(cloud: Cloud): Kysely<IdentityTables> {
  return cloud.db as Kysely<IdentityTables>;
}

export function getDomain(cloud: Cloud, id: string) {
  return idb(cloud).selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
}

export function getDomainByName(cloud: Cloud, name: string) {
  return idb(cloud).selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
}

export function getProject(cloud: Cloud, id: string) {
  return idb(cloud).selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export function getProjectByName(cloud: Cloud, domainId: string, name: string) {
  return idb(cloud)
    .selectFrom('projects')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function getUser(cloud: Cloud, id: string) {
  return idb(cloud).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function getUserByName(cloud: Cloud, domainId: string, name: string) {
  return idb(cloud)
    .selectFrom('users')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function getRoleByName(cloud: Cloud, name: string, domainId = NULL_DOMAIN) {
  return idb(cloud)
    .selectFrom('roles')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', domainId)
    .executeTakeFirst();
}

/** The project's ancestors, nearest first (parent_id chains up to the domain). */
export async function projectAncestors(cloud: Cloud, project: ProjectRow): Promise<ProjectRow[]> {
  const out: ProjectRow[] = [];
  let parentId = project.parent_id;
  while (parentId && parentId !== project.domain_id && out.length < 100) {
    const parent = await getProject(cloud, parentId);
    if (!parent) break;
    out.push(parent);
    parentId = parent.parent_id;
  }
  return out;
}

export type Scope = { projectId: string } | { domainId: string } | { system: true };

/**
 * The role ids a user holds on a scope: direct and group assignments,
 * assignments inherited from the project's ancestors and domain, expanded
 * through implied roles.
 */
export async function effectiveRoleIds(cloud: Cloud, userId: string, scope: Scope): Promise<string[]> {
  const db = idb(cloud);
  const groups = await db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
  const actors = [userId, ...groups.map((g) => g.group_id)];
  let rows: { role_id: string }[];
  if ('projectId' in scope) {
    const project = await getProject(cloud, scope.projectId);
    if (!project) return [];
    const ancestors = [...(await projectAncestors(cloud, project)).map((p) => p.id), project.domain_id];
    rows = await db
      .selectFrom('assignments')
      .select('role_id')
      .where('actor_id', 'in', actors)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('target_id', '=', project.id),
            eb('inherited', '=', 0),
            eb('type', 'in', ['UserProject', 'GroupProject']),
          ]),
          eb.and([eb('target_id', 'in', ancestors), eb('inherited', '=', 1)]),
        ]),
      )
      .execute();
  } else if ('domainId' in scope) {
    rows = await db
      .selectFrom('assignments')
      .select('role_id')
      .where('actor_id', 'in', actors)
      .where('target_id', '=', scope.domainId)
      .where('inherited', '=', 0)
      .where('type', 'in', ['UserDomain', 'GroupDomain'])
      .execute();
  } else {
    rows = await db
      .selectFrom('assignments')
      .select('role_id')
      .where('actor_id', 'in', actors)
      .where('type', 'in', ['UserSystem', 'GroupSystem'])
      .execute();
  }
  const all = await expandImpliedRoles(cloud, [...new Set(rows.map((r) => r.role_id))]);
  if (all.length === 0) return all;
  // Domain-specific roles never reach a token, only the global roles they imply.
  const global = await db
    .selectFrom('roles')
    .select('id')
    .where('id', 'in', all)
    .where('domain_id', '=', NULL_DOMAIN)
    .execute();
  const keep = new Set(global.map((r) => r.id));
  return all.filter((id) => keep.has(id));
}

/** Adds every role the given roles imply, transitively. */
export async function expandImpliedRoles(cloud: Cloud, roleIds: string[]): Promise<string[]> {
  const seen = new Set(roleIds);
  let frontier = roleIds;
  while (frontier.length > 0) {
    const next = await idb(cloud)
      .selectFrom('implied_roles')
      .select('implied_role_id')
      .where('prior_role_id', 'in', frontier)
      .execute();
    frontier = next.map((r) => r.implied_role_id).filter((id) => !seen.has(id));
    for (const id of frontier) seen.add(id);
  }
  return [...seen];
}
