import type { Cloud } from '../../cloud.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { idb } from './store.js';

// The users seeded on first start share one password (DevStack's
// ADMIN_PASSWORD). `start --admin-password` on a later start sets it again,
// so that what start and openrc print is what Keystone accepts.

export const SEEDED_USERS = ['admin', 'demo', 'alt_demo'];

/** Whether `password` logs in the seeded admin (false when admin is gone). */
export async function seededPasswordWorks(cloud: Cloud, password: string): Promise<boolean> {
  const admin = await idb(cloud)
    .selectFrom('users')
    .select('password_hash')
    .where('domain_id', '=', 'default')
    .where('name', '=', 'admin')
    .executeTakeFirst();
  return admin !== undefined && verifyPassword(password, admin.password_hash);
}

/** Sets the password of the seeded users that still exist; returns their names. */
export async function setSeededPassword(cloud: Cloud, password: string): Promise<string[]> {
  const hash = await hashPassword(password, cloud.config.passwordHashCost);
  const users = await idb(cloud)
    .updateTable('users')
    .set({ password_hash: hash, password_changed_at: new Date().toISOString() })
    .where('domain_id', '=', 'default')
    .where('name', 'in', SEEDED_USERS)
    .returning('name')
    .execute();
  return SEEDED_USERS.filter((n) => users.some((u) => u.name === n));
}
