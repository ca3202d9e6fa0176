import { BadRequest, Conflict } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { isoSeconds, now } from '../../server/time.js';
import { type AttrMap, nullableStr, oneOf, str } from './attributes.js';
import { bumpRevision, type Op, pushDown, type Resource } from './common.js';
import { invalidInput, notFound } from './errors.js';
import { formatCidr, parseCidr } from './ip.js';
import { owns, requireOwner, requireWriter } from './policy.js';
import { PORT_PROTOCOLS, PROTOCOLS, protocolByName, V6_ONLY } from './protocols.js';
import type { Query, View } from './query.js';
import { checkQuota } from './quotas.js';
import { visibleGroup } from './security-groups.js';
import type { SecurityGroupRuleRow } from './store.js';
import { sync } from './sync.js';

const protocol = (v: unknown) => {
  if (v === null || v === 'any') return null;
  const supported = ['any', ...Object.keys(PROTOCOLS)];
  const refuse = () =>
    new BadRequest(
      `Security group rule protocol ${v} not supported. Only protocol values [${supported.map((p) => `'${p}'`).join(', ')}] and integer representations [0 to 255] are supported.`,
      'SecurityGroupRuleInvalidProtocol',
    );
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) {
    if (Number(v) > 255) throw refuse();
    return String(v);
  }
  if (typeof v === 'string' && v.toLowerCase() in PROTOCOLS) return v.toLowerCase();
  throw refuse();
};

const ethertype = (v: unknown) => {
  const t = typeof v === 'string' ? ['IPv4', 'IPv6'].find((e) => e.toLowerCase() === v.toLowerCase()) : undefined;
  if (!t)
    throw new BadRequest(
      `Security group rule for ethertype '${v}' not supported. Allowed values are ['IPv4', 'IPv6'].`,
      'SecurityGroupRuleInvalidEtherType',
    );
  return t;
};

const port = (v: unknown) => {
  if (v === null) return null;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new BadRequest(`Invalid value for port ${v}`, 'SecurityGroupInvalidPortValue');
  return n;
};

const prefix = (v: unknown) => {
  if (v === null || v === '') return null;
  const c = typeof v === 'string' ? parseCidr(v) : undefined;
  if (!c) throw new BadRequest(`Invalid CIDR ${v} given as IP prefix.`, 'InvalidCIDR');
  return v as string;
};

const attrs: AttrMap = {
  security_group_id: { post: true, check: str(36) },
  direction: { post: true, check: oneOf('ingress', 'egress') },
  ethertype: { post: true, default: 'IPv4', check: ethertype },
  protocol: { post: true, default: null, check: protocol },
  port_range_min: { post: true, default: null, check: port },
  port_range_max: { post: true, default: null, check: port },
  remote_ip_prefix: { post: true, default: null, check: prefix },
  // not checked as a UUID: Neutron looks it up and answers 404 SecurityGroupNotFound
  remote_group_id: { post: true, default: null, check: (v, a) => (v === null ? null : str(255)(v, a)) },
  remote_address_group_id: { post: true, default: null },
  description: { post: true, put: true, default: '', check: nullableStr(255) },
};

export function ruleView(r: SecurityGroupRuleRow): View {
  const c = r.remote_ip_prefix ? parseCidr(r.remote_ip_prefix) : undefined;
  return {
    id: r.id,
    tenant_id: r.project_id,
    security_group_id: r.security_group_id,
    ethertype: r.ethertype,
    direction: r.direction,
    protocol: r.protocol,
    port_range_min: r.port_range_min,
    port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix,
    remote_address_group_id: r.remote_address_group_id,
    normalized_cidr: c ? formatCidr(c) : null,
    remote_group_id: r.remote_group_id,
    description: r.description,
    created_at: isoSeconds(r.created_at),
    updated_at: isoSeconds(r.updated_at),
    revision_number: r.revision_number,
    project_id: r.project_id,
  };
}

/** Neutron's rule checks, in its order; returns the rule in canonical form. */
function canonical(b: Record<string, unknown>): Record<string, unknown> {
  const r = { ...b };
  if (r.ethertype === 'IPv6' && (r.protocol === 'icmp' || r.protocol === 'icmpv6')) r.protocol = 'ipv6-icmp';
  if (r.ethertype === 'IPv6' && r.protocol === '1') r.protocol = '58';
  if (r.port_range_min === 1 && r.port_range_max === 65535) r.port_range_min = r.port_range_max = null;
  const min = r.port_range_min as number | null;
  const max = r.port_range_max as number | null;
  if (min !== null || max !== null) {
    const proto = protocolByName(r.protocol as string | null);
    if (proto === undefined)
      throw new BadRequest(
        'Must also specify protocol if port range is given.',
        'SecurityGroupProtocolRequiredWithPorts',
      );
    if (PORT_PROTOCOLS.has(proto)) {
      if (min === 0 || max === 0) throw new BadRequest('Invalid value for port 0', 'SecurityGroupInvalidPortValue');
      if (min === null || max === null || min > max)
        throw new BadRequest(
          'For TCP/UDP protocols, port_range_min must be <= port_range_max',
          'SecurityGroupInvalidPortRange',
        );
    } else if (proto === 1 || proto === 58) {
      for (const [v, field, attr] of [
        [min, 'type', 'port_range_min'],
        [max, 'code', 'port_range_max'],
      ] as const)
        if (v !== null && v > 255)
          throw new BadRequest(
            `Invalid value for ICMP ${field} (${attr}) ${v}. It must be 0 to 255.`,
            'SecurityGroupInvalidIcmpValue',
          );
      if (min === null && max !== null)
        throw new BadRequest(
          `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`,
          'SecurityGroupMissingIcmpType',
        );
    } else
      throw new BadRequest(
        `Ports cannot be specified for protocol ${proto}. Ports are only supported for TCP, UDP, UDPLITE, SCTP, DCCP.`,
        'SecurityGroupInvalidProtocolForPort',
      );
  }
  if (r.remote_ip_prefix) {
    const c = parseCidr(r.remote_ip_prefix as string)!;
    if (!(r.remote_ip_prefix as string).includes('/')) r.remote_ip_prefix = `${r.remote_ip_prefix}/${c.prefix}`;
    if (r.ethertype !== `IPv${c.version}`)
      throw new BadRequest(
        `Conflicting value ethertype ${r.ethertype} for CIDR ${b.remote_ip_prefix}`,
        'SecurityGroupRuleParameterConflict',
      );
  }
  const proto = protocolByName(r.protocol as string | null);
  if (r.ethertype === 'IPv4' && proto !== undefined && V6_ONLY.has(proto))
    throw new BadRequest(
      `Invalid ethertype ${r.ethertype} for protocol ${r.protocol}.`,
      'SecurityGroupEthertypeConflictWithProtocol',
    );
  if ([r.remote_ip_prefix, r.remote_group_id, r.remote_address_group_id].filter((x) => x).length > 1)
    throw new BadRequest(
      'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
      'SecurityGroupMultipleRemoteEntites',
    );
  if (r.remote_address_group_id) throw invalidInput('Address groups are not supported.');
  return r;
}

/** Two rules are the same when they match the same traffic (protocol by name or number, any-address prefixes). */
function key(
  r: Pick<
    SecurityGroupRuleRow,
    | 'direction'
    | 'ethertype'
    | 'protocol'
    | 'port_range_min'
    | 'port_range_max'
    | 'remote_group_id'
    | 'remote_ip_prefix'
  >,
): string {
  const anyPrefix = r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0';
  return [
    r.direction,
    r.ethertype,
    r.port_range_max ?? '+',
    r.port_range_min ?? '+',
    protocolByName(r.protocol) ?? '+',
    r.remote_group_id ?? '+',
    anyPrefix ? '+' : r.remote_ip_prefix,
  ].join('_');
}

async function visibleRule(op: Op, id: string): Promise<SecurityGroupRuleRow> {
  const r = await op.db.selectFrom('neutron_security_group_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !owns(op.ctx, r.project_id)) throw notFound.security_group_rule(id);
  return r;
}

export const securityGroupRules: Resource = {
  member: 'security_group_rule',
  collection: 'security-group-rules',
  attrs,

  async list(op: Op, q: Query) {
    let query = op.db.selectFrom('neutron_security_group_rules').selectAll();
    if (!op.ctx.isAdmin) query = query.where('project_id', '=', op.ctx.projectId ?? '');
    query = pushDown(query, q, ['id', 'security_group_id', 'direction']);
    return (await query.orderBy('created_at').orderBy('id').execute()).map(ruleView);
  },

  async show(op, id) {
    return ruleView(await visibleRule(op, id));
  },

  async create(op, b) {
    requireWriter(op.ctx, 'create_security_group_rule');
    const sg = await visibleGroup(op, b.security_group_id as string);
    requireOwner(op.ctx, sg.project_id, 'create_security_group_rule');
    const r = canonical(b);
    if (r.remote_group_id) await visibleGroup(op, r.remote_group_id as string);
    const existing = await op.db
      .selectFrom('neutron_security_group_rules')
      .selectAll()
      .where('security_group_id', '=', sg.id)
      .execute();
    const k = key(r as unknown as SecurityGroupRuleRow);
    const dup = existing.find((e) => key(e) === k);
    if (dup) throw new Conflict(`Security group rule already exists. Rule id is ${dup.id}.`, 'SecurityGroupRuleExists');
    await checkQuota(op.db, 'security_group_rule', sg.project_id);
    const id = uuid();
    const at = now();
    await op.db
      .insertInto('neutron_security_group_rules')
      .values({
        id,
        project_id: sg.project_id,
        security_group_id: sg.id,
        direction: r.direction as string,
        ethertype: r.ethertype as string,
        protocol: r.protocol as string | null,
        port_range_min: r.port_range_min as number | null,
        port_range_max: r.port_range_max as number | null,
        remote_ip_prefix: r.remote_ip_prefix as string | null,
        remote_group_id: r.remote_group_id as string | null,
        remote_address_group_id: null,
        description: (r.description as string | null) ?? '',
        created_at: at,
        updated_at: at,
        revision_number: 0,
      })
      .execute();
    await bumpRevision(op.db, 'neutron_security_groups', sg.id);
    await sync(op, 'security_group', sg.id);
    return id;
  },

  async update(op, id, b) {
    const r = await visibleRule(op, id);
    requireOwner(op.ctx, r.project_id, 'update_security_group_rule');
    await op.db
      .updateTable('neutron_security_group_rules')
      .set({ description: b.description as string, updated_at: now(), revision_number: r.revision_number + 1 })
      .where('id', '=', id)
      .execute();
  },

  async remove(op, id) {
    const r = await visibleRule(op, id);
    requireOwner(op.ctx, r.project_id, 'delete_security_group_rule');
    await op.db.deleteFrom('neutron_security_group_rules').where('id', '=', id).execute();
    await sync(op, 'security_group', r.security_group_id);
  },
};
