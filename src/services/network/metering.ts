import type { Kysely } from 'kysely';
import { NotFound } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { type AttrMap, bool as boolCheck, nullableStr, oneOf, str } from './attributes.js';
import { type Op, oneValue, type Resource } from './common.js';
import { badRequest, invalidAttr, policyRefused } from './errors.js';
import { formatCidr, parseCidr } from './ip.js';
import type { Query, View } from './query.js';
import { bit, bool, type NetDb, type NetworkTables } from './store.js';
import { sync } from './sync.js';

// Metering labels and their rules (admin only): traffic a project's routers
// count. A change reaches the data plane as a sync of those routers.

export interface MeteringLabelRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  shared: number;
}

export interface MeteringRuleRow {
  id: string;
  project_id: string;
  metering_label_id: string;
  direction: string;
  remote_ip_prefix: string | null;
  source_ip_prefix: string | null;
  destination_ip_prefix: string | null;
  excluded: number;
}

type MeteringTables = NetworkTables & {
  neutron_metering_labels: MeteringLabelRow;
  neutron_metering_label_rules: MeteringRuleRow;
};
export const mdb = (db: NetDb) => db as unknown as Kysely<MeteringTables>;

const cidr = (v: unknown, attr: string) => {
  if (v === null) return null;
  const c = typeof v === 'string' ? parseCidr(v) : undefined;
  if (!c) throw invalidAttr(attr, `'${v}' is not a valid IP subnet`);
  return formatCidr(c);
};

function adminOnly(op: Op, rule: string): void {
  if (!op.ctx.isAdmin) throw policyRefused(`rule:${rule}`);
}

async function label(op: Op, id: string): Promise<MeteringLabelRow> {
  const l = op.ctx.isAdmin
    ? await mdb(op.db).selectFrom('neutron_metering_labels').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!l) throw new NotFound(`Metering label ${id} does not exist`, 'MeteringLabelNotFound');
  return l;
}

async function syncProjectRouters(op: Op, projectId: string): Promise<void> {
  const routers = await op.db.selectFrom('neutron_routers').select('id').where('project_id', '=', projectId).execute();
  for (const r of routers) await sync(op, 'router', r.id);
}

const labelView = (l: MeteringLabelRow): View => ({
  id: l.id,
  name: l.name,
  description: l.description,
  shared: bool(l.shared),
  tenant_id: l.project_id,
  project_id: l.project_id,
});

const ruleView = (r: MeteringRuleRow): View => ({
  id: r.id,
  metering_label_id: r.metering_label_id,
  direction: r.direction,
  remote_ip_prefix: r.remote_ip_prefix,
  source_ip_prefix: r.source_ip_prefix,
  destination_ip_prefix: r.destination_ip_prefix,
  excluded: bool(r.excluded),
  tenant_id: r.project_id,
  project_id: r.project_id,
});

export const meteringLabels: Resource = {
  member: 'metering_label',
  collection: 'metering/metering-labels',
  attrs: {
    name: { post: true, default: '', check: str(255) },
    description: { post: true, default: '', check: str(1024) },
    shared: { post: true, default: false, check: boolCheck },
  } satisfies AttrMap,

  async list(op: Op, q: Query) {
    if (!op.ctx.isAdmin) return [];
    let query = mdb(op.db).selectFrom('neutron_metering_labels').selectAll();
    const name = oneValue(q, 'name');
    if (name !== undefined) query = query.where('name', '=', name);
    return (await query.orderBy('id').execute()).map(labelView);
  },
  async show(op, id) {
    return labelView(await label(op, id));
  },
  async create(op, b) {
    adminOnly(op, 'create_metering_label');
    const id = uuid();
    await mdb(op.db)
      .insertInto('neutron_metering_labels')
      .values({
        id,
        project_id: b.project_id as string,
        name: b.name as string,
        description: b.description as string,
        shared: bit(b.shared as boolean),
      })
      .execute();
    return id;
  },
  async update() {
    throw badRequest('metering_label', 'metering labels cannot be updated');
  },
  async remove(op, id) {
    const l = await label(op, id);
    await mdb(op.db).deleteFrom('neutron_metering_label_rules').where('metering_label_id', '=', id).execute();
    await mdb(op.db).deleteFrom('neutron_metering_labels').where('id', '=', id).execute();
    await syncProjectRouters(op, l.project_id);
  },
};

export const meteringRules: Resource = {
  member: 'metering_label_rule',
  collection: 'metering/metering-label-rules',
  attrs: {
    metering_label_id: { post: true, check: str(36) },
    direction: { post: true, default: 'ingress', check: oneOf('ingress', 'egress') },
    remote_ip_prefix: { post: true, default: null, check: cidr },
    source_ip_prefix: { post: true, default: null, check: cidr },
    destination_ip_prefix: { post: true, default: null, check: cidr },
    excluded: { post: true, put: true, default: false, check: boolCheck },
    description: { post: true, default: '', check: nullableStr(255) },
  } satisfies AttrMap,

  async list(op: Op, q: Query) {
    if (!op.ctx.isAdmin) return [];
    let query = mdb(op.db).selectFrom('neutron_metering_label_rules').selectAll();
    const l = oneValue(q, 'metering_label_id');
    if (l !== undefined) query = query.where('metering_label_id', '=', l);
    return (await query.orderBy('id').execute()).map(ruleView);
  },
  async show(op, id) {
    const r = op.ctx.isAdmin
      ? await mdb(op.db).selectFrom('neutron_metering_label_rules').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!r) throw new NotFound(`Metering label rule ${id} does not exist`, 'MeteringLabelRuleNotFound');
    return ruleView(r);
  },
  async create(op, b) {
    adminOnly(op, 'create_metering_label_rule');
    const l = await label(op, b.metering_label_id as string);
    const id = uuid();
    await mdb(op.db)
      .insertInto('neutron_metering_label_rules')
      .values({
        id,
        project_id: l.project_id,
        metering_label_id: l.id,
        direction: b.direction as string,
        remote_ip_prefix: b.remote_ip_prefix as string | null,
        source_ip_prefix: b.source_ip_prefix as string | null,
        destination_ip_prefix: b.destination_ip_prefix as string | null,
        excluded: bit(b.excluded as boolean),
      })
      .execute();
    await syncProjectRouters(op, l.project_id);
    return id;
  },
  async update(op, id, b) {
    adminOnly(op, 'update_metering_label_rule');
    const r = await this.show(op, id);
    await mdb(op.db)
      .updateTable('neutron_metering_label_rules')
      .set({ excluded: bit(b.excluded as boolean) })
      .where('id', '=', id)
      .execute();
    await syncProjectRouters(op, r.project_id as string);
  },
  async remove(op, id) {
    adminOnly(op, 'delete_metering_label_rule');
    const r = await this.show(op, id);
    await mdb(op.db).deleteFrom('neutron_metering_label_rules').where('id', '=', id).execute();
    await syncProjectRouters(op, r.project_id as string);
  },
};
