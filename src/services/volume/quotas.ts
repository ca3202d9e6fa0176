import { sql } from 'kysely';
import { overQuota } from './errors.js';
import type { VolumeDb, VolumeTrx } from './store.js';

/** Cinder's default quotas (cinder/quota.py); per-type quotas default to unlimited. */
export const DEFAULT_QUOTAS: Record<string, number> = {
  volumes: 10,
  snapshots: 10,
  gigabytes: 1000,
  backups: 10,
  backup_gigabytes: 1000,
  groups: 10,
  per_volume_gigabytes: -1,
};

export const PER_TYPE_RESOURCES = ['volumes', 'gigabytes', 'snapshots'] as const;

type Db = VolumeDb | VolumeTrx;

async function typeNames(db: Db): Promise<string[]> {
  return (await db.selectFrom('volume_types').select('name').orderBy('name').execute()).map((r) => r.name);
}

/** The default of every resource, per-type ones included (the "default" quota class). */
export async function quotaDefaults(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...DEFAULT_QUOTAS };
  for (const t of await typeNames(db)) for (const r of PER_TYPE_RESOURCES) out[`${r}_${t}`] = -1;
  const classRows = await db
    .selectFrom('volume_quotas')
    .select(['resource', 'hard_limit'])
    .where('project_id', '=', CLASS_DEFAULT)
    .execute();
  for (const r of classRows) if (r.resource in out) out[r.resource] = r.hard_limit;
  return out;
}

/** Rows under this project id hold the "default" quota class. */
export const CLASS_DEFAULT = '__quota_class_default__';

/** The project's limits: its own where set, the defaults elsewhere. */
export async function quotaLimits(db: Db, projectId: string): Promise<Record<string, number>> {
  const out = await quotaDefaults(db);
  const rows = await db
    .selectFrom('volume_quotas')
    .select(['resource', 'hard_limit'])
    .where('project_id', '=', projectId)
    .execute();
  for (const r of rows) if (r.resource in out) out[r.resource] = r.hard_limit;
  return out;
}

/**
 * What the project uses now, counted from the resources themselves (so usage
 * can never drift from reality): volumes, snapshots and their gigabytes, in
 * total and per type; backups and their gigabytes.
 */
export async function quotaUsage(db: Db, projectId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {
    volumes: 0,
    snapshots: 0,
    gigabytes: 0,
    backups: 0,
    backup_gigabytes: 0,
    groups: 0,
    per_volume_gigabytes: 0,
  };
  const groups = await db
    .selectFrom('volume_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  out.groups = Number(groups?.n ?? 0);
  const names = new Map(
    (await db.selectFrom('volume_types').select(['id', 'name']).execute()).map((t) => [t.id, t.name]),
  );
  for (const n of names.values()) for (const r of PER_TYPE_RESOURCES) out[`${r}_${n}`] = 0;
  const add = (key: string, n: number) => (out[key] = (out[key] ?? 0) + n);
  // volumes and snapshots count in their own resource and in gigabytes, totals and per type
  for (const [table, resource] of [
    ['volumes', 'volumes'],
    ['volume_snapshots', 'snapshots'],
  ] as const) {
    const rows = await db
      .selectFrom(table)
      .select(['volume_type_id', sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(size), 0)`.as('gb')])
      .where('project_id', '=', projectId)
      .groupBy('volume_type_id')
      .execute();
    for (const r of rows) {
      const t = names.get(r.volume_type_id);
      for (const suffix of t ? ['', `_${t}`] : ['']) {
        add(`${resource}${suffix}`, Number(r.n));
        add(`gigabytes${suffix}`, Number(r.gb));
      }
    }
  }
  const b = await db
    .selectFrom('volume_backups')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(size), 0)`.as('gb')])
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  out.backups = Number(b?.n ?? 0);
  out.backup_gigabytes = Number(b?.gb ?? 0);
  return out;
}

export interface QuotaRequest {
  /** What is being made: decides the error Cinder raises. */
  resource: 'volumes' | 'snapshots' | 'backups';
  typeName?: string;
  count: number;
  gigabytes: number;
}

/**
 * Refuses what would take the project over a limit, with Cinder's errors
 * (quota_utils.process_reserve_over_quota). Call inside the transaction that
 * creates the resource: usage is counted from the rows, so the check and the
 * insert see the same state.
 */
export async function checkQuota(trx: Db, projectId: string, req: QuotaRequest): Promise<void> {
  const limits = await quotaLimits(trx, projectId);
  const usage = await quotaUsage(trx, projectId);
  const over = (key: string, delta: number) =>
    delta > 0 && limits[key] !== undefined && limits[key] >= 0 && (usage[key] ?? 0) + delta > limits[key];
  const gb = (key: string) => {
    if (!over(key, req.gigabytes)) return;
    if (req.resource === 'backups')
      throw overQuota(
        `Requested backup exceeds allowed Backup gigabytes quota. Requested ${req.gigabytes}G, quota is ${limits[key]}G and ${usage[key]}G has been consumed.`,
      );
    throw overQuota(
      `Requested volume or snapshot exceeds allowed ${key} quota. Requested ${req.gigabytes}G, quota is ${limits[key]}G and ${usage[key]}G has been consumed.`,
    );
  };
  const count = (key: string) => {
    if (!over(key, req.count)) return;
    if (req.resource === 'volumes')
      throw overQuota(`Maximum number of volumes allowed (${limits[key]}) exceeded for quota '${key}'.`);
    if (req.resource === 'snapshots') throw overQuota(`Maximum number of snapshots allowed (${limits[key]}) exceeded`);
    throw overQuota(`Maximum number of backups allowed (${limits[key]}) exceeded`);
  };
  if (req.resource === 'volumes' && limits.per_volume_gigabytes >= 0 && req.gigabytes > limits.per_volume_gigabytes)
    throw overQuota(
      `Requested volume size ${req.gigabytes}G is larger than maximum allowed limit ${limits.per_volume_gigabytes}G.`,
    );
  if (req.resource === 'backups') {
    gb('backup_gigabytes');
    count('backups');
    return;
  }
  gb('gigabytes');
  if (req.typeName) gb(`gigabytes_${req.typeName}`);
  count(req.resource);
  if (req.typeName) count(`${req.resource}_${req.typeName}`);
}
