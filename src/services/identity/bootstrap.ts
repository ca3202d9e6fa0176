import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { hexId } from '../../server/ids.js';
import { ensureServiceCatalog } from './catalog.js';
import { hashPassword } from './passwords.js';
import { sealStoredCredentials } from './routes/credentials.js';
import { type IdentityTables, idb, NULL_DOMAIN } from './store.js';
import { purgeExpiredTokens } from './tokens.js';

const seedHashes = new WeakMap<Cloud, Promise<string>>();

/**
 * Starts hashing the seeded users' password on a first start. The hash runs
 * in libuv's thread pool, so it overlaps the routes the services register on
 * the main thread instead of adding its (deliberately high) cost to start-up.
 */
export async function prepareSeed(cloud: Cloud): Promise<void> {
  const existing = await idb(cloud).selectFrom('domains').select('id').limit(1).executeTakeFirst();
  if (!existing) seedHashes.set(cloud, hashPassword(cloud.config.adminPassword, cloud.config.passwordHashCost));
}

/** The accounts DevStack's stack.sh leaves behind, seeded on first start. */
export async function seedIdentity(cloud: Cloud): Promise<void> {
  const db = idb(cloud);
  const existing = await db.selectFrom('domains').select('id').limit(1).executeTakeFirst();
  if (!existing) {
    // One hash for the three seeded users: they share the password by design.
    const hash = await (seedHashes.get(cloud) ??
      hashPassword(cloud.config.adminPassword, cloud.config.passwordHashCost));
    await db.transaction().execute((trx) => seed(trx, hash, cloud.config.region));
  }
  seedHashes.delete(cloud);
  await purgeExpiredTokens(cloud);
  await ensureServiceCatalog(cloud);
  await sealStoredCredentials(cloud);
}

async function seed(db: Kysely<IdentityTables>, passwordHash: string, region: string): Promise<void> {
  const at = new Date().toISOString();
  await db
    .insertInto('domains')
    .values({
      id: 'default',
      name: 'Default',
      description: 'The default domain',
      enabled: 1,
      tags: '[]',
      options: '{}',
      extra: '{}',
      created_at: at,
    })
    .execute();

  const roles: Record<string, string> = {};
  for (const name of ['admin', 'member', 'reader', 'service']) {
    roles[name] = hexId();
    await db
      .insertInto('roles')
      .values({ id: roles[name], name, domain_id: NULL_DOMAIN, description: null, options: '{}', extra: '{}' })
      .execute();
  }
  await db
    .insertInto('implied_roles')
    .values([
      { prior_role_id: roles.admin, implied_role_id: roles.member },
      { prior_role_id: roles.member, implied_role_id: roles.reader },
    ])
    .execute();

  const projects: Record<string, string> = {};
  for (const name of ['admin', 'demo', 'alt_demo', 'service']) {
    projects[name] = hexId();
    await db
      .insertInto('projects')
      .values({
        id: projects[name],
        name,
        domain_id: 'default',
        parent_id: 'default',
        description: name === 'admin' ? 'Bootstrap project for initializing the cloud.' : '',
        enabled: 1,
        tags: '[]',
        options: '{}',
        extra: '{}',
        created_at: at,
      })
      .execute();
  }

  const users: Record<string, string> = {};
  for (const name of ['admin', 'demo', 'alt_demo']) {
    users[name] = hexId();
    await db
      .insertInto('users')
      .values({
        id: users[name],
        name,
        domain_id: 'default',
        enabled: 1,
        password_hash: passwordHash,
        password_expires_at: null,
        password_changed_at: at,
        default_project_id: null,
        description: null,
        options: '{}',
        extra: '{}',
        created_at: at,
      })
      .execute();
  }

  const grant = (type: 'UserProject' | 'UserSystem', actor: string, target: string, role: string) =>
    db
      .insertInto('assignments')
      .values({ type, actor_id: actor, target_id: target, role_id: role, inherited: 0 })
      .execute();
  // DevStack: admin is admin everywhere (and system admin, from keystone-manage bootstrap);
  // demo and alt_demo are members of their own projects.
  await grant('UserSystem', users.admin, 'system', roles.admin);
  for (const p of ['admin', 'demo', 'alt_demo']) await grant('UserProject', users.admin, projects[p], roles.admin);
  await grant('UserProject', users.demo, projects.demo, roles.member);
  await grant('UserProject', users.alt_demo, projects.alt_demo, roles.member);

  await db.insertInto('regions').values({ id: region, description: '', parent_region_id: null, extra: '{}' }).execute();
}
