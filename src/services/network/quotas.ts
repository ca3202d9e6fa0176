import { overQuota } from './errors.js';
import type { NetDb, NetworkTables } from './store.js';

// Per-project quotas with Neutron's defaults; a create that would go over
// answers 409 OverQuota, checked inside the create's transaction.

export const QUOTA_DEFAULTS: Record<string, number> = {
  network: 100,
  subnet: 100,
  subnetpool: -1,
  port: 500,
  router: 10,
  floatingip: 50,
  rbac_policy: 10,
  security_group: 10,
  security_group_rule: 100,
};

/** The table that holds each counted resource. */
const TABLES: Record<string, keyof NetworkTables> = {
  network: 'neutron_networks',
  subnet: 'neutron_subnets',
  port: 'neutron_ports',
  router: 'neutron_routers',
  floatingip: 'neutron_floatingips',
  security_group: 'neutron_security_groups',
  security_group_rule: 'neutron_security_group_rules',
};

export async function quotaLimits(db: NetDb, projectId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('neutron_quotas')
    .select(['resource', 'hard_limit'])
    .where('project_id', '=', projectId)
    .execute();
  const out = { ...QUOTA_DEFAULTS };
  for (const r of rows) out[r.resource] = r.hard_limit;
  return out;
}

export async function usage(db: NetDb, resource: string, projectId: string): Promise<number> {
  const table = TABLES[resource];
  if (!table) return 0;
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Refuses a create of `count` more `resource` in the project when it would exceed the quota. */
export async function checkQuota(db: NetDb, resource: string, projectId: string, count = 1): Promise<void> {
  const limit = (
    await db
      .selectFrom('neutron_quotas')
      .select('hard_limit')
      .where('project_id', '=', projectId)
      .where('resource', '=', resource)
      .executeTakeFirst()
  )?.hard_limit;
  const max = limit ?? QUOTA_DEFAULTS[resource] ?? -1;
  if (max < 0) return;
  if ((await usage(db, resource, projectId)) + count > max) throw overQuota(resource);
}
