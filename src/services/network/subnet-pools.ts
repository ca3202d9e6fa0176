import { BadRequest, Conflict, NotFound } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { toJson } from '../../store/json.js';
import { type AttrMap, bool as boolCheck, int, listOf, str, subnetCidr } from './attributes.js';
import { bumped, newStandard, type Op, oneValue, type Resource, standardView } from './common.js';
import { badRequest, invalidInput, policyRefused } from './errors.js';
import { bits, type Cidr, cidrsOverlap, formatCidr, lastAddress, parseCidr } from './ip.js';
import { owns, requireOwner, requireWriter } from './policy.js';
import type { Query, View } from './query.js';
import { bit, bool, type SubnetPoolRow } from './store.js';
import { dropTags, tagsOf } from './tags.js';

// Subnet pools (subnet_allocation): prefixes a subnet may be carved from by
// asking for a prefix length instead of a CIDR, as DevStack's private subnet is.

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: str(255) },
  description: { post: true, put: true, default: '', check: str(255) },
  prefixes: { post: true, put: true, check: listOf(subnetCidr) },
  default_prefixlen: { post: true, put: true, default: null, check: int(0, 128) },
  min_prefixlen: { post: true, put: true, default: null, check: int(0, 128) },
  max_prefixlen: { post: true, put: true, default: null, check: int(0, 128) },
  default_quota: { post: true, put: true, default: null, check: (v, a) => (v === null ? null : int(0)(v, a)) },
  is_default: { post: true, put: true, default: false, check: boolCheck },
  shared: { post: true, default: false, check: boolCheck },
  address_scope_id: { post: true, put: true, default: null },
};

function poolView(p: SubnetPoolRow, tags: string[] | undefined): View {
  return {
    id: p.id,
    name: p.name,
    ip_version: p.ip_version,
    prefixes: JSON.parse(p.prefixes),
    default_prefixlen: p.default_prefixlen,
    min_prefixlen: p.min_prefixlen,
    max_prefixlen: p.max_prefixlen,
    default_quota: p.default_quota,
    address_scope_id: null,
    is_default: bool(p.is_default),
    shared: bool(p.shared),
    ...standardView(p, tags),
  };
}

export async function visiblePool(op: Op, id: string): Promise<SubnetPoolRow> {
  const p = await op.db.selectFrom('neutron_subnetpools').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p || !(owns(op.ctx, p.project_id) || p.shared))
    throw new NotFound(`Subnet pool ${id} could not be found.`, 'SubnetPoolNotFound');
  return p;
}

/** Prefixes in canonical form, one IP version, merged where one holds another. */
function checkPrefixes(list: string[]): { version: 4 | 6; cidrs: Cidr[] } {
  if (!list.length) throw new BadRequest('Empty subnet pool prefix list.', 'EmptySubnetPoolPrefixList');
  const cidrs = list.map((p) => parseCidr(p)!);
  const version = cidrs[0].version;
  if (cidrs.some((c) => c.version !== version))
    throw new BadRequest('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.', 'PrefixVersionMismatch');
  const kept = cidrs.filter(
    (c, i) =>
      !cidrs.some((o, j) => j !== i && cidrsOverlap(o, c) && (o.prefix < c.prefix || (o.prefix === c.prefix && j < i))),
  );
  return { version, cidrs: kept.sort((a, b) => (a.network < b.network ? -1 : 1)) };
}

function lengths(version: 4 | 6, b: Record<string, unknown>, cur?: SubnetPoolRow) {
  const min = (b.min_prefixlen as number | null) ?? cur?.min_prefixlen ?? (version === 4 ? 8 : 64);
  const max = (b.max_prefixlen as number | null) ?? cur?.max_prefixlen ?? bits(version);
  const def = (b.default_prefixlen as number | null) ?? cur?.default_prefixlen ?? min;
  if (max > bits(version) || min > max || def < min || def > max)
    throw new BadRequest(
      `Illegal prefix bounds: prefixlen=${def}, base_prefixlen=${min}, max_prefixlen=${max}.`,
      'IllegalSubnetPoolPrefixBounds',
    );
  return { min_prefixlen: min, max_prefixlen: max, default_prefixlen: def };
}

/**
 * A CIDR for a subnet from the pool: the one asked for (checked against the
 * pool), or the first free block of `prefixlen` (the pool's default).
 */
export async function allocateFromPool(
  op: Op,
  poolId: string,
  cidr: string | null,
  prefixlen: number | null,
): Promise<{ cidr: string; version: 4 | 6 }> {
  const pool = await visiblePool(op, poolId);
  const version = pool.ip_version as 4 | 6;
  const prefixes = (JSON.parse(pool.prefixes) as string[]).map((p) => parseCidr(p)!);
  const taken = (
    await op.db.selectFrom('neutron_subnets').select('cidr').where('subnetpool_id', '=', poolId).execute()
  ).map((s) => parseCidr(s.cidr)!);
  const len = cidr ? parseCidr(cidr)!.prefix : (prefixlen ?? pool.default_prefixlen);
  if (len < pool.min_prefixlen)
    throw new BadRequest(
      `Unable to allocate subnet with prefix length ${len}, minimum allowed prefix is ${pool.min_prefixlen}.`,
      'MinPrefixSubnetAllocationError',
    );
  if (len > pool.max_prefixlen)
    throw new BadRequest(
      `Unable to allocate subnet with prefix length ${len}, maximum allowed prefix is ${pool.max_prefixlen}.`,
      'MaxPrefixSubnetAllocationError',
    );
  if (cidr) {
    const want = parseCidr(cidr)!;
    const inside = prefixes.some((p) => p.prefix <= want.prefix && cidrsOverlap(p, want));
    if (!inside || taken.some((t) => cidrsOverlap(t, want)))
      throw new Conflict(
        `Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.`,
        'SubnetAllocationError',
      );
    return { cidr: formatCidr(want), version };
  }
  const size = 1n << BigInt(bits(version) - len);
  for (const p of prefixes) {
    if (p.prefix > len) continue;
    for (let net = p.network; net + size - 1n <= lastAddress(p); net += size) {
      const c: Cidr = { version, network: net, prefix: len };
      const clash = taken.find((t) => cidrsOverlap(t, c));
      if (!clash) return { cidr: formatCidr(c), version };
      // skip past the block that is in the way
      const end = lastAddress(clash);
      if (end > net + size - 1n) net = end + 1n - size;
    }
  }
  throw new Conflict(
    `Failed to allocate subnet: Insufficient prefix space to allocate subnet size /${len}.`,
    'SubnetAllocationError',
  );
}

/** The default pool of an IP version (use_default_subnetpool). */
export async function defaultPool(op: Op, version: number): Promise<string> {
  const p = await op.db
    .selectFrom('neutron_subnetpools')
    .select('id')
    .where('is_default', '=', 1)
    .where('ip_version', '=', version)
    .executeTakeFirst();
  if (!p) throw badRequest('subnet', `No default subnetpool found for IPv${version}`);
  return p.id;
}

export const subnetPools: Resource = {
  member: 'subnetpool',
  collection: 'subnetpools',
  attrs,
  table: 'neutron_subnetpools',

  async list(op: Op, q: Query) {
    let query = op.db.selectFrom('neutron_subnetpools').selectAll();
    if (!op.ctx.isAdmin)
      query = query.where((eb) => eb.or([eb('project_id', '=', op.ctx.projectId ?? ''), eb('shared', '=', 1)]));
    const name = oneValue(q, 'name');
    if (name !== undefined) query = query.where('name', '=', name);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    const tags = await tagsOf(
      op.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => poolView(r, tags.get(r.id)));
  },

  async show(op, id) {
    const p = await visiblePool(op, id);
    return poolView(p, (await tagsOf(op.db, [id])).get(id));
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_subnetpool');
    if ((b.shared || b.is_default) && !op.ctx.isAdmin)
      throw policyRefused(`(rule:create_subnetpool and rule:create_subnetpool:${b.shared ? 'shared' : 'is_default'})`);
    if (b.address_scope_id !== null)
      throw new NotFound(`Address scope ${b.address_scope_id} could not be found.`, 'AddressScopeNotFound');
    const { version, cidrs } = checkPrefixes(b.prefixes as string[]);
    const id = uuid();
    await op.db
      .insertInto('neutron_subnetpools')
      .values({
        ...newStandard(id, b.project_id as string, b.name, b.description),
        ip_version: version,
        prefixes: toJson(cidrs.map(formatCidr)),
        ...lengths(version, b),
        shared: bit(b.shared as boolean),
        is_default: bit(b.is_default as boolean),
        default_quota: b.default_quota as number | null,
      })
      .execute();
    return id;
  },

  async update(op, id, b) {
    const p = await visiblePool(op, id);
    requireOwner(op.ctx, p.project_id, 'update_subnetpool');
    if ('is_default' in b && !op.ctx.isAdmin)
      throw policyRefused('(rule:update_subnetpool and rule:update_subnetpool:is_default)');
    if ('address_scope_id' in b && b.address_scope_id !== null)
      throw new NotFound(`Address scope ${b.address_scope_id} could not be found.`, 'AddressScopeNotFound');
    const set: Partial<SubnetPoolRow> = { ...bumped(p), ...lengths(p.ip_version as 4 | 6, b, p) };
    if ('prefixes' in b) {
      const { version, cidrs } = checkPrefixes(b.prefixes as string[]);
      const old = (JSON.parse(p.prefixes) as string[]).map((x) => parseCidr(x)!);
      // prefixes may grow, never shrink (subnets may live in them)
      if (version !== p.ip_version || !old.every((o) => cidrs.some((c) => c.prefix <= o.prefix && cidrsOverlap(c, o))))
        throw invalidInput('Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.');
      set.prefixes = toJson(cidrs.map(formatCidr));
    }
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('is_default' in b) set.is_default = bit(b.is_default as boolean);
    if ('default_quota' in b) set.default_quota = b.default_quota as number | null;
    await op.db.updateTable('neutron_subnetpools').set(set).where('id', '=', id).execute();
  },

  async remove(op, id) {
    const p = await visiblePool(op, id);
    requireOwner(op.ctx, p.project_id, 'delete_subnetpool');
    const used = await op.db
      .selectFrom('neutron_subnets')
      .select('id')
      .where('subnetpool_id', '=', id)
      .executeTakeFirst();
    if (used)
      throw new Conflict(
        `Unable to complete operation on subnet pool ${id}. There are one or more subnets allocated from this pool.`,
        'SubnetPoolInUse',
      );
    await dropTags(op.db, [id]);
    await op.db.deleteFrom('neutron_subnetpools').where('id', '=', id).execute();
  },
};
