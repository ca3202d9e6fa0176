import { sql } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { OverQuota } from '../../server/errors.js';
import type { IdentityTables } from '../identity/store.js';
import { type ImageDb, idb } from './store.js';

// Glance's unified limits (use_keystone_limits), with DevStack's registered
// defaults. A Keystone limit for the image service (registered, or for the
// project) overrides a default. Sizes are in MiB, as Glance counts them.

export type QuotaResource = 'image_size_total' | 'image_stage_total' | 'image_count_total' | 'image_count_uploading';

export const DEFAULT_LIMITS: Record<QuotaResource, number> = {
  image_size_total: 2000,
  image_stage_total: 2000,
  image_count_total: 100,
  image_count_uploading: 100,
};

const MiB = 1024 * 1024;

/**
 * The limit of a resource for a project: its project limit, else the
 * registered limit, else DevStack's default. Read from Keystone's limits
 * table (identity has no in-process API for limits yet).
 */
async function limitFor(cloud: Cloud, projectId: string, resource: QuotaResource): Promise<number> {
  const db = cloud.db as unknown as import('kysely').Kysely<IdentityTables>;
  const rows = await db
    .selectFrom('limits')
    .innerJoin('services', 'services.id', 'limits.service_id')
    .select(['limits.project_id', 'limits.limit_value', 'limits.registered'])
    .where('services.type', '=', 'image')
    .where('limits.resource_name', '=', resource)
    .where((eb) => eb.or([eb('limits.registered', '=', 1), eb('limits.project_id', '=', projectId)]))
    .execute();
  const own = rows.find((r) => r.registered === 0 && r.project_id === projectId);
  const registered = rows.find((r) => r.registered === 1);
  return own?.limit_value ?? registered?.limit_value ?? DEFAULT_LIMITS[resource];
}

async function usage(db: ImageDb, projectId: string, resource: QuotaResource): Promise<number> {
  const q = db.selectFrom('images').where('owner', '=', projectId);
  switch (resource) {
    case 'image_count_total': {
      const r = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    }
    case 'image_count_uploading': {
      const r = await q
        .select(sql<number>`count(*)`.as('n'))
        .where('status', 'in', ['saving', 'uploading', 'importing'])
        .executeTakeFirstOrThrow();
      return Number(r.n);
    }
    case 'image_size_total': {
      const r = await q
        .select(sql<number>`coalesce(sum(size), 0)`.as('n'))
        .where('status', 'in', ['active', 'deactivated'])
        .executeTakeFirstOrThrow();
      return Math.floor(Number(r.n) / MiB);
    }
    case 'image_stage_total': {
      const r = await q
        .select(sql<number>`coalesce(sum(size), 0)`.as('n'))
        .where('status', 'in', ['uploading', 'importing'])
        .executeTakeFirstOrThrow();
      return Math.floor(Number(r.n) / MiB);
    }
  }
}

/**
 * Refuses with Glance's 413 when the project's usage plus `delta` would go
 * over its limit (oslo.limit's rule and message).
 */
export async function enforceQuota(cloud: Cloud, projectId: string, resource: QuotaResource, delta = 0): Promise<void> {
  const [limit, used] = await Promise.all([
    limitFor(cloud, projectId, resource),
    usage(idb(cloud), projectId, resource),
  ]);
  if (used + delta > limit) {
    const detail = `Project ${projectId} is over a limit for [Resource ${resource} is over limit of ${limit} due to current usage ${used} and delta ${delta}]`;
    throw new OverQuota(
      `The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a quota threshold was breached.\n\nThe response body:\n${detail}`,
      413,
    );
  }
}

/** GET /v2/info/usage: every image limit of the project with its usage. */
export async function quotaUsage(cloud: Cloud, projectId: string) {
  const out: Record<string, { limit: number; usage: number }> = {};
  for (const r of Object.keys(DEFAULT_LIMITS) as QuotaResource[])
    out[r] = { limit: await limitFor(cloud, projectId, r), usage: await usage(idb(cloud), projectId, r) };
  return out;
}
