import { sql } from 'kysely';
import { Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { dialectOf } from '../../store/db.js';
import { type AttrMap, bool as boolCheck, str } from './attributes.js';
import { bumped, newStandard, type Op, oneValue, pushDown, type Resource, standardView } from './common.js';
import { notFound } from './errors.js';
import { owns, requireOwner, requireWriter } from './policy.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { ruleView } from './security-group-rules.js';
import { bit, bool, type NetDb, type SecurityGroupRow, type SecurityGroupRuleRow } from './store.js';
import { sync } from './sync.js';
import { dropTags, tagsOf } from './tags.js';

// Only the project's own `default` group may have that name.
const notDefault = (v: unknown, attr: string) => {
  const s = str(255)(v, attr);
  if (s === 'default')
    throw new Conflict('Default security group already exists.', 'SecurityGroupDefaultAlreadyExists');
  return s;
};

const attrs: AttrMap = {
  name: { post: true, put: true, default: '', check: notDefault },
  description: { post: true, put: true, default: '', check: str(255) },
  stateful: { post: true, put: true, default: true, check: boolCheck },
};

type EmbeddedRule = SecurityGroupRuleRow & { standard_attr_id: number };

function groupView(sg: SecurityGroupRow, rules: EmbeddedRule[], tags: string[] | undefined): View {
  return {
    id: sg.id,
    name: sg.name,
    stateful: bool(sg.stateful),
    shared: false,
    // rules inside a group carry their standard attribute id and (empty) tags, as Neutron shows them there
    security_group_rules: rules.map((r) => ({ ...ruleView(r), standard_attr_id: r.standard_attr_id, tags: [] })),
    ...standardView(sg, tags),
  };
}

async function views(db: NetDb, rows: SecurityGroupRow[]): Promise<View[]> {
  const ids = rows.map((r) => r.id);
  const rules = ids.length
    ? await db
        .selectFrom('neutron_security_group_rules')
        .selectAll()
        .select(standardAttrId(db).as('standard_attr_id'))
        .where('security_group_id', 'in', ids)
        .orderBy('created_at')
        .execute()
    : [];
  const byGroup = new Map<string, EmbeddedRule[]>();
  for (const r of rules) byGroup.set(r.security_group_id, [...(byGroup.get(r.security_group_id) ?? []), r]);
  const tags = await tagsOf(db, ids);
  return rows.map((r) => groupView(r, byGroup.get(r.id) ?? [], tags.get(r.id)));
}

/**
 * A number per rule, as Neutron's standard attribute id: SQLite's rowid; on
 * PostgreSQL (no rowid) a stable number from the rule's id.
 */
function standardAttrId(db: NetDb) {
  return dialectOf(db) === 'postgres' ? sql<number>`('x' || substr(md5(id), 1, 7))::bit(28)::int` : sql<number>`rowid`;
}

function egressRules(projectId: string, groupId: string, at: string): SecurityGroupRuleRow[] {
  return (['IPv4', 'IPv6'] as const).map((ethertype) => ({
    id: uuid(),
    project_id: projectId,
    security_group_id: groupId,
    direction: 'egress',
    ethertype,
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    remote_address_group_id: null,
    description: null,
    created_at: at,
    updated_at: at,
    revision_number: 0,
  }));
}

/**
 * The project's `default` group, made on the project's first use with its two
 * egress rules and two ingress rules from the group itself (and handed to the
 * data plane, in the same transaction). Returns its id.
 */
export async function ensureDefaultGroup(op: Pick<Op, 'cloud' | 'db'>, projectId: string): Promise<string> {
  const db = op.db;
  const existing = await db
    .selectFrom('neutron_default_security_groups')
    .select('security_group_id')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  if (existing) return existing.security_group_id;
  const id = uuid();
  const at = now();
  await db
    .insertInto('neutron_security_groups')
    .values({ ...newStandard(id, projectId, 'default', 'Default security group', 1), stateful: 1 })
    .execute();
  await db
    .insertInto('neutron_default_security_groups')
    .values({ project_id: projectId, security_group_id: id })
    .execute();
  const ingress = egressRules(projectId, id, at).map((r) => ({
    ...r,
    id: uuid(),
    direction: 'ingress',
    remote_group_id: id,
  }));
  await db
    .insertInto('neutron_security_group_rules')
    .values([...egressRules(projectId, id, at), ...ingress])
    .execute();
  await sync(op, 'security_group', id);
  return id;
}

export async function visibleGroup(op: Op, id: string): Promise<SecurityGroupRow> {
  const sg = await op.db.selectFrom('neutron_security_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!sg || !owns(op.ctx, sg.project_id)) throw notFound.security_group(id);
  return sg;
}

/** Groups by id or by name in one project, as the caller sees them (for ports and Nova). */
export async function resolveGroups(db: NetDb, projectId: string, namesOrIds: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const key of namesOrIds) {
    const byId = await db
      .selectFrom('neutron_security_groups')
      .select('id')
      .where('id', '=', key)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    const hit =
      byId ??
      (await db
        .selectFrom('neutron_security_groups')
        .select('id')
        .where('name', '=', key)
        .where('project_id', '=', projectId)
        .executeTakeFirst());
    if (!hit) throw notFound.security_group(key);
    if (!out.includes(hit.id)) out.push(hit.id);
  }
  return out;
}

export const securityGroups: Resource = {
  member: 'security_group',
  collection: 'security-groups',
  attrs,
  table: 'neutron_security_groups',

  async list(op: Op, q: Query) {
    const project = oneValue(q, 'project_id') ?? oneValue(q, 'tenant_id') ?? op.ctx.projectId;
    if (project && owns(op.ctx, project))
      await op.db.transaction().execute((trx) => ensureDefaultGroup({ cloud: op.cloud, db: trx }, project));
    let query = op.db.selectFrom('neutron_security_groups').selectAll();
    if (!op.ctx.isAdmin) query = query.where('project_id', '=', op.ctx.projectId ?? '');
    query = pushDown(query, q, ['id', 'name']);
    return views(op.db, await query.orderBy('created_at').orderBy('id').execute());
  },

  async show(op, id) {
    return (await views(op.db, [await visibleGroup(op, id)]))[0];
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_security_group');
    const projectId = b.project_id as string;
    await ensureDefaultGroup(op, projectId);
    await checkQuota(op.db, 'security_group', projectId);
    await checkQuota(op.db, 'security_group_rule', projectId, 2);
    const id = uuid();
    await op.db
      .insertInto('neutron_security_groups')
      .values({ ...newStandard(id, projectId, b.name, b.description, 1), stateful: bit(b.stateful as boolean) })
      .execute();
    await op.db
      .insertInto('neutron_security_group_rules')
      .values(egressRules(projectId, id, now()))
      .execute();
    await sync(op, 'security_group', id);
    return id;
  },

  async update(op, id, b) {
    const sg = await visibleGroup(op, id);
    requireOwner(op.ctx, sg.project_id, 'update_security_group');
    if (sg.name === 'default' && 'name' in b && b.name !== 'default')
      throw new Conflict('Updating default security group not allowed.', 'SecurityGroupCannotUpdateDefault');
    const set: Partial<SecurityGroupRow> = bumped(sg);
    if ('name' in b) set.name = b.name as string;
    if ('description' in b) set.description = b.description as string;
    if ('stateful' in b) {
      const inUse = await op.db
        .selectFrom('neutron_port_security_groups')
        .select('port_id')
        .where('security_group_id', '=', id)
        .executeTakeFirst();
      if (inUse && bit(b.stateful as boolean) !== sg.stateful)
        throw new Conflict(`Security Group ${id} in use.`, 'SecurityGroupInUse');
      set.stateful = bit(b.stateful as boolean);
    }
    await op.db.updateTable('neutron_security_groups').set(set).where('id', '=', id).execute();
    await sync(op, 'security_group', id);
  },

  async remove(op, id) {
    const sg = await visibleGroup(op, id);
    requireOwner(op.ctx, sg.project_id, 'delete_security_group');
    const inUse = await op.db
      .selectFrom('neutron_port_security_groups')
      .select('port_id')
      .where('security_group_id', '=', id)
      .executeTakeFirst();
    if (inUse) throw new Conflict(`Security Group ${id} in use.`, 'SecurityGroupInUse');
    if (sg.name === 'default' && !op.ctx.isAdmin)
      throw new Conflict(
        'Insufficient rights for removing default security group.',
        'SecurityGroupCannotRemoveDefault',
      );
    await dropTags(op.db, [id]);
    // rules that name it as their remote group go with it, as in Neutron (foreign key cascade)
    const referring = await op.db
      .selectFrom('neutron_security_group_rules')
      .select('security_group_id')
      .distinct()
      .where('remote_group_id', '=', id)
      .where('security_group_id', '!=', id)
      .execute();
    await op.db.deleteFrom('neutron_security_group_rules').where('remote_group_id', '=', id).execute();
    for (const r of referring) await sync(op, 'security_group', r.security_group_id);
    await op.db.deleteFrom('neutron_security_groups').where('id', '=', id).execute();
    await sync(op, 'security_group', id);
  },
};
