import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { invalidateCatalog } from './catalog.js';
import { type IdentityTables, idb } from './store.js';
import { invalidateTokens } from './tokens.js';

// What goes with a deleted entity, as Keystone removes it: assignments,
// memberships, credentials, trusts, tokens. Each runs inside the caller's
// transaction, so a delete is whole or nothing.

type Trx = Kysely<IdentityTables>;

/** Runs `fn` in one transaction, then drops the token (and catalog) caches it may have outdated. */
export async function write<T>(cloud: Cloud, fn: (trx: Trx) => Promise<T>, opts: { catalog?: boolean } = {}) {
  const out = await idb(cloud)
    .transaction()
    .execute((trx) => fn(trx));
  invalidateTokens(cloud);
  if (opts.catalog) invalidateCatalog(cloud);
  return out;
}

export async function deleteUser(trx: Trx, userId: string): Promise<void> {
  await trx.deleteFrom('group_members').where('user_id', '=', userId).execute();
  await trx
    .deleteFrom('assignments')
    .where('actor_id', '=', userId)
    .where('type', 'in', ['UserProject', 'UserDomain', 'UserSystem'])
    .execute();
  await trx.deleteFrom('credentials').where('user_id', '=', userId).execute();
  await trx.deleteFrom('application_credentials').where('user_id', '=', userId).execute();
  await trx.deleteFrom('access_rules').where('user_id', '=', userId).execute();
  await trx
    .deleteFrom('trusts')
    .where((eb) => eb.or([eb('trustor_user_id', '=', userId), eb('trustee_user_id', '=', userId)]))
    .execute();
  await trx.updateTable('tokens').set({ revoked: 1 }).where('user_id', '=', userId).execute();
  await trx.deleteFrom('users').where('id', '=', userId).execute();
}

export async function deleteGroup(trx: Trx, groupId: string): Promise<void> {
  await trx.deleteFrom('group_members').where('group_id', '=', groupId).execute();
  await trx
    .deleteFrom('assignments')
    .where('actor_id', '=', groupId)
    .where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem'])
    .execute();
  await trx.deleteFrom('groups').where('id', '=', groupId).execute();
}

export async function deleteProject(trx: Trx, projectId: string): Promise<void> {
  await trx.deleteFrom('assignments').where('target_id', '=', projectId).execute();
  await trx.deleteFrom('credentials').where('project_id', '=', projectId).execute();
  await trx.deleteFrom('trusts').where('project_id', '=', projectId).execute();
  await trx.deleteFrom('limits').where('project_id', '=', projectId).execute();
  await trx.deleteFrom('application_credentials').where('project_id', '=', projectId).execute();
  await trx.deleteFrom('project_endpoints').where('project_id', '=', projectId).execute();
  await trx.deleteFrom('project_endpoint_groups').where('project_id', '=', projectId).execute();
  await trx
    .updateTable('users')
    .set({ default_project_id: null })
    .where('default_project_id', '=', projectId)
    .execute();
  await trx.updateTable('tokens').set({ revoked: 1 }).where('project_id', '=', projectId).execute();
  await trx.deleteFrom('projects').where('id', '=', projectId).execute();
}

/** Deletes a project and everything under it, leaves first. */
export async function deleteProjectTree(trx: Trx, projectId: string): Promise<void> {
  const children = await trx.selectFrom('projects').select('id').where('parent_id', '=', projectId).execute();
  for (const c of children) await deleteProjectTree(trx, c.id);
  await deleteProject(trx, projectId);
}

/** A domain goes with its projects, users, groups, domain-specific roles and configuration. */
export async function deleteDomain(trx: Trx, domainId: string): Promise<void> {
  const roots = await trx
    .selectFrom('projects')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('parent_id', '=', domainId)
    .execute();
  for (const p of roots) await deleteProjectTree(trx, p.id);
  // projects whose parent chain is broken still belong to the domain
  for (const p of await trx.selectFrom('projects').select('id').where('domain_id', '=', domainId).execute())
    await deleteProject(trx, p.id);
  for (const u of await trx.selectFrom('users').select('id').where('domain_id', '=', domainId).execute())
    await deleteUser(trx, u.id);
  for (const g of await trx.selectFrom('groups').select('id').where('domain_id', '=', domainId).execute())
    await deleteGroup(trx, g.id);
  for (const r of await trx.selectFrom('roles').select('id').where('domain_id', '=', domainId).execute())
    await deleteRole(trx, r.id);
  await trx.deleteFrom('assignments').where('target_id', '=', domainId).execute();
  await trx.deleteFrom('domain_configs').where('domain_id', '=', domainId).execute();
  await trx.deleteFrom('limits').where('domain_id', '=', domainId).execute();
  await trx.updateTable('tokens').set({ revoked: 1 }).where('domain_id', '=', domainId).execute();
  await trx.deleteFrom('domains').where('id', '=', domainId).execute();
}

export async function deleteRole(trx: Trx, roleId: string): Promise<void> {
  await trx.deleteFrom('assignments').where('role_id', '=', roleId).execute();
  await trx
    .deleteFrom('implied_roles')
    .where((eb) => eb.or([eb('prior_role_id', '=', roleId), eb('implied_role_id', '=', roleId)]))
    .execute();
  await trx.deleteFrom('roles').where('id', '=', roleId).execute();
}
