import { Forbidden } from '../../server/errors.js';
import type { ComputeDb } from './store.js';

// Nova's quota engine (the DB driver): per-project limits with optional
// per-user limits under them, defaults from the "default" quota class, usage
// counted from what exists (Nova's counting quotas, no reservations).

/** Nova's [quota] defaults, in Nova's resource order. */
export const QUOTA_DEFAULTS: Record<string, number> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  floating_ips: 10,
  fixed_ips: -1,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  key_pairs: 100,
  security_groups: 10,
  security_group_rules: 20,
  server_groups: 10,
  server_group_members: 10,
};

/** Resources each microversion no longer shows (2.36 drops the network proxies, 2.57 personality files). */
export function quotaResources(mv: { atLeast(v: string): boolean }): string[] {
  let hidden: string[] = [];
  if (mv.atLeast('2.36')) hidden = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
  if (mv.atLeast('2.57'))
    hidden = [...hidden, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
  return Object.keys(QUOTA_DEFAULTS).filter((r) => !hidden.includes(r));
}

/** The limits of the "default" class: Nova's defaults with any os-quota-class-sets changes. */
export async function defaultLimits(db: ComputeDb): Promise<Record<string, number>> {
  const rows = await db.selectFrom('nova_quota_classes').selectAll().where('class_name', '=', 'default').execute();
  const out = { ...QUOTA_DEFAULTS };
  for (const r of rows) if (r.resource in out) out[r.resource] = r.hard_limit;
  return out;
}

/** A project's limits, or a user's within it (a user inherits the project's where none is set). */
export async function limitsFor(db: ComputeDb, projectId: string, userId?: string): Promise<Record<string, number>> {
  const out = await defaultLimits(db);
  const rows = await db
    .selectFrom('nova_quotas')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', 'in', userId ? ['', userId] : [''])
    .orderBy('user_id')
    .execute();
  // project rows ('' sorts first), then the user's rows override them
  for (const r of rows) out[r.resource] = r.hard_limit;
  return out;
}

/** What a project (or one user in it) uses now. */
export async function usageOf(db: ComputeDb, projectId: string, userId?: string): Promise<Record<string, number>> {
  let inst = db
    .selectFrom('nova_instances')
    .select((eb) => [
      eb.fn.countAll<number>().as('instances'),
      eb.fn.coalesce(eb.fn.sum<number>('vcpus'), eb.lit(0)).as('cores'),
      eb.fn.coalesce(eb.fn.sum<number>('memory_mb'), eb.lit(0)).as('ram'),
    ])
    .where('project_id', '=', projectId)
    .where('deleted', '=', 0);
  if (userId) inst = inst.where('user_id', '=', userId);
  const i = await inst.executeTakeFirstOrThrow();
  let groups = db
    .selectFrom('nova_server_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId);
  if (userId) groups = groups.where('user_id', '=', userId);
  const g = await groups.executeTakeFirstOrThrow();
  const out: Record<string, number> = Object.fromEntries(Object.keys(QUOTA_DEFAULTS).map((r) => [r, 0]));
  out.instances = Number(i.instances);
  out.cores = Number(i.cores);
  out.ram = Number(i.ram);
  out.server_groups = Number(g.n);
  if (userId) {
    const k = await db
      .selectFrom('nova_keypairs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    out.key_pairs = Number(k.n);
  }
  return out;
}

function over(limit: number, used: number, wanted: number): boolean {
  return limit >= 0 && used + wanted > limit;
}

/**
 * How many of `count` instances of the given size fit the project's and the
 * user's quota, down to `minCount`; throws Nova's 403 when not even that many fit.
 * Runs inside the creating transaction so concurrent creates count each other.
 */
export async function checkInstanceQuota(
  trx: ComputeDb,
  projectId: string,
  userId: string,
  minCount: number,
  maxCount: number,
  size: { vcpus: number; memory_mb: number },
): Promise<number> {
  const scopes = [
    { limits: await limitsFor(trx, projectId), used: await usageOf(trx, projectId) },
    { limits: await limitsFor(trx, projectId, userId), used: await usageOf(trx, projectId, userId) },
  ];
  const wants = (n: number) => ({ instances: n, cores: n * size.vcpus, ram: n * size.memory_mb });
  for (let n = maxCount; n >= minCount; n--) {
    const w = wants(n);
    const fits = scopes.every((s) =>
      (Object.keys(w) as (keyof typeof w)[]).every((r) => !over(s.limits[r], s.used[r], w[r])),
    );
    if (fits) return n;
  }
  const w = wants(minCount);
  for (const s of scopes) {
    const overs = (Object.keys(w) as (keyof typeof w)[]).filter((r) => over(s.limits[r], s.used[r], w[r]));
    if (overs.length) {
      const list = overs.join(', ');
      throw new Forbidden(
        `Quota exceeded for ${list}: Requested ${overs.map((r) => w[r]).join(', ')}, but already used ${overs
          .map((r) => s.used[r])
          .join(', ')} of ${overs.map((r) => s.limits[r]).join(', ')} ${list}`,
      );
    }
  }
  return minCount;
}

/** Nova's resize quota check: the growth in cores and ram must fit the project's and the user's limits. */
export async function checkResizeQuota(
  trx: ComputeDb,
  projectId: string,
  userId: string,
  deltas: { cores: number; ram: number },
): Promise<void> {
  const w = Object.fromEntries(Object.entries(deltas).filter(([, d]) => d > 0)) as Record<string, number>;
  for (const [limits, used] of [
    [await limitsFor(trx, projectId), await usageOf(trx, projectId)],
    [await limitsFor(trx, projectId, userId), await usageOf(trx, projectId, userId)],
  ]) {
    const overs = Object.keys(w).filter((r) => over(limits[r], used[r], w[r]));
    if (overs.length) {
      const list = overs.join(', ');
      throw new Forbidden(
        `Quota exceeded for ${list}: Requested ${overs.map((r) => w[r]).join(', ')}, but already used ${overs
          .map((r) => used[r])
          .join(', ')} of ${overs.map((r) => limits[r]).join(', ')} ${list}`,
      );
    }
  }
}

export async function checkKeypairQuota(trx: ComputeDb, projectId: string, userId: string): Promise<void> {
  const limits = await limitsFor(trx, projectId, userId);
  const used = await usageOf(trx, projectId, userId);
  if (over(limits.key_pairs, used.key_pairs, 1)) throw new Forbidden('Quota exceeded, too many key pairs.');
}

/** Nova refuses more metadata items than metadata_items allows with this 403. */
export async function checkMetadataQuota(trx: ComputeDb, projectId: string, count: number): Promise<void> {
  const limits = await limitsFor(trx, projectId);
  if (over(limits.metadata_items, 0, count))
    throw new Forbidden(`Maximum number of metadata items exceeds ${limits.metadata_items}`);
}
