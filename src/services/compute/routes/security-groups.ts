import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, BadRequest, Forbidden, NotFound } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import { createResource, deleteResource, listResources, showResource, updateResource } from '../../network/internal.js';
import { type NovaRequest, pagination, qparam } from '../api.js';
import { serverGroupsOf } from '../neutron.js';
import { getServer } from '../servers/model.js';
import { type Schema, validateBody } from '../validation.js';

// The security group proxy of Nova 2.1–2.35 (/os-security-groups,
// /os-security-group-rules, /servers/{id}/os-security-groups): Neutron's
// groups in Nova's shape, ingress rules only. Gone from 2.36.

type View = Record<string, any>;

const groupBody: Schema = {
  type: 'object',
  properties: {
    security_group: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 0, maxLength: 255 },
        description: { type: 'string', minLength: 0, maxLength: 255 },
      },
      required: ['name', 'description'],
    },
  },
  required: ['security_group'],
};

const ruleBody: Schema = {
  type: 'object',
  properties: {
    security_group_rule: {
      type: 'object',
      properties: {
        group_id: { type: ['string', 'null'], format: 'uuid' },
        parent_group_id: { type: 'string', format: 'uuid' },
      },
      required: ['parent_group_id'],
    },
  },
  required: ['security_group_rule'],
};

function proxyOnly(req: NovaRequest): void {
  if (req.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
}

function validId(id: string): string {
  if (!isUuid(id)) throw new BadRequest('Security group id should be uuid');
  return id;
}

/** Neutron's refusals in Nova's terms: a missing group is a 404, anything else it refuses a 400. */
function reword(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e.status === 404) return new NotFound(e.message);
  if (e.status === 409 || e.status === 400) return new BadRequest(e.message);
  if (e.status === 413 || e.type === 'OverQuota') return new Forbidden(e.message);
  return e;
}

function ruleView(r: View, names: Map<string, { name: string; tenant_id: string }>) {
  const proto = r.protocol as string | null;
  let from = r.port_range_min as number | null;
  let to = r.port_range_max as number | null;
  if (proto && from === null && to === null) {
    const tcpUdp = ['tcp', 'udp'].includes(proto.toLowerCase());
    from = tcpUdp ? 1 : -1;
    to = tcpUdp ? 65535 : -1;
  }
  const group = r.remote_group_id ? names.get(r.remote_group_id) : undefined;
  return {
    id: r.id,
    parent_group_id: r.security_group_id,
    ip_protocol: proto,
    from_port: from,
    to_port: to,
    group: group ?? {},
    ip_range: r.remote_group_id ? {} : { cidr: r.remote_ip_prefix ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0') },
  };
}

function groupView(g: View, names: Map<string, { name: string; tenant_id: string }>) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    tenant_id: g.project_id,
    rules: ((g.security_group_rules ?? []) as View[])
      .filter((r) => r.direction === 'ingress')
      .filter((r) => !r.remote_group_id || names.has(r.remote_group_id))
      .map((r) => ruleView(r, names)),
  };
}

function namesOf(groups: View[]) {
  return new Map(groups.map((g) => [g.id as string, { name: g.name as string, tenant_id: g.project_id as string }]));
}

/** Nova's checks of a new rule (security_group_api._new_ingress_rule), before Neutron sees it. */
function ingressRule(b: View): View | undefined {
  let from = b.from_port ?? null;
  let to = b.to_port ?? null;
  const proto: string | null = b.ip_protocol ?? null;
  const out: View = {};
  if (b.group_id) {
    out.remote_group_id = b.group_id;
    const p = (proto ?? '').toUpperCase();
    if (p === 'ICMP' && from === null && to === null) [from, to] = [-1, -1];
    else if ((p === 'TCP' || p === 'UDP') && from === null && to === null) [from, to] = [1, 65535];
  } else {
    const cidr = b.cidr ?? '0.0.0.0/0';
    if (typeof cidr !== 'string' || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr))
      throw new BadRequest(`${cidr} is not a valid IP network.`);
    const [net, len] = cidr.split('/');
    if (net !== '0.0.0.0' && net !== '::' && len === '0')
      throw new BadRequest(`Bad prefix for network in cidr ${cidr}`);
    out.remote_ip_prefix = cidr;
  }
  if (proto && from !== null && to !== null) {
    const p = String(proto).toUpperCase();
    if (!/^-?\d+$/.test(String(from)) || !/^-?\d+$/.test(String(to)))
      throw new BadRequest(
        p === 'ICMP'
          ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
          : 'Invalid input received: To and From ports must be integers',
      );
    from = Number(from);
    to = Number(to);
    if (!['TCP', 'UDP', 'ICMP'].includes(p)) throw new BadRequest(`Invalid IP protocol ${proto}.`);
    if ((p === 'TCP' || p === 'UDP') && from > to)
      throw new BadRequest(`Invalid port range ${from}:${to}. Former value cannot be greater than the later`);
    if ((p === 'TCP' || p === 'UDP') && (from < 1 || to > 65535))
      throw new BadRequest(`Invalid port range ${from}:${to}. Valid ${p} ports should be between 1-65535`);
    if (p === 'ICMP' && (from < -1 || from > 255 || to < -1 || to > 255))
      throw new BadRequest(`Invalid port range ${from}:${to}. For ICMP, the type:code must be valid`);
    out.protocol = String(proto).toLowerCase();
    if (p === 'ICMP') {
      if (from !== -1) out.port_range_min = from;
      if (to !== -1) out.port_range_max = to;
    } else {
      out.port_range_min = from;
      out.port_range_max = to;
    }
  } else if (!b.group_id) {
    return undefined;
  }
  return out;
}

export async function securityGroupProxyRoutes(app: FastifyInstance, cloud: Cloud) {
  const list = async (req: NovaRequest, all: boolean) => {
    const groups = await listResources(cloud, req.auth, 'security_group');
    return all ? groups : groups.filter((g) => g.project_id === req.auth.projectId);
  };
  const show = async (req: NovaRequest, id: string) =>
    (await showResource(cloud, req.auth, 'security_group', validId(id)).catch((e) => {
      throw reword(e);
    })) as View;

  app.get('/os-security-groups', async (req) => {
    proxyOnly(req);
    const all = req.auth.isAdmin && qparam(req, 'all_tenants') !== undefined;
    const groups = await list(req, all);
    const { limit, offset } = pagination(req);
    const names = namesOf(await list(req, true));
    const out = groups
      .map((g) => groupView(g, names))
      .sort((a, b) => a.tenant_id.localeCompare(b.tenant_id) || a.name.localeCompare(b.name));
    return { security_groups: out.slice(offset, offset + limit) };
  });

  app.get('/os-security-groups/:id', async (req) => {
    proxyOnly(req);
    const g = await show(req, (req.params as { id: string }).id);
    return { security_group: groupView(g, namesOf(await list(req, true))) };
  });

  app.post('/os-security-groups', async (req) => {
    proxyOnly(req);
    const body = validateBody(groupBody, req.body).security_group;
    const g = (await createResource(cloud, req.auth, 'security_group', {
      name: body.name,
      description: body.description,
    }).catch((e) => {
      throw reword(e);
    })) as View;
    return { security_group: groupView(g, namesOf([g])) };
  });

  app.put('/os-security-groups/:id', async (req) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    await show(req, id);
    const body = validateBody(groupBody, req.body).security_group;
    const g = (await updateResource(cloud, req.auth, 'security_group', id, {
      name: body.name,
      description: body.description,
    }).catch((e) => {
      throw reword(e);
    })) as View;
    return { security_group: groupView(g, namesOf(await list(req, true))) };
  });

  app.delete('/os-security-groups/:id', async (req, reply) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    await show(req, id);
    await deleteResource(cloud, req.auth, 'security_group', id).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });

  app.post('/os-security-group-rules', async (req) => {
    proxyOnly(req);
    const b = validateBody(ruleBody, req.body).security_group_rule as View;
    const parent = await show(req, b.parent_group_id);
    if (b.group_id) await show(req, b.group_id);
    const rule = ingressRule(b);
    if (!rule) throw new BadRequest('Not enough parameters to build a valid rule.');
    const exists = ((parent.security_group_rules ?? []) as View[]).some(
      (r) =>
        r.direction === 'ingress' &&
        (r.protocol ?? null) === (rule.protocol ?? null) &&
        (r.port_range_min ?? null) === (rule.port_range_min ?? null) &&
        (r.port_range_max ?? null) === (rule.port_range_max ?? null) &&
        (r.remote_group_id ?? null) === (rule.remote_group_id ?? null) &&
        (r.remote_ip_prefix ?? null) === (rule.remote_ip_prefix ?? null),
    );
    if (exists) throw new BadRequest(`This rule already exists in group ${b.parent_group_id}`);
    const ethertype = String(rule.remote_ip_prefix ?? '').includes(':') ? 'IPv6' : 'IPv4';
    const created = (await createResource(cloud, req.auth, 'security_group_rule', {
      security_group_id: parent.id,
      direction: 'ingress',
      ethertype,
      ...rule,
    }).catch((e) => {
      throw reword(e);
    })) as View;
    return { security_group_rule: ruleView(created, namesOf(await list(req, true))) };
  });

  app.delete('/os-security-group-rules/:id', async (req, reply) => {
    proxyOnly(req);
    const id = validId((req.params as { id: string }).id);
    await showResource(cloud, req.auth, 'security_group_rule', id).catch((e) => {
      throw reword(e);
    });
    await deleteResource(cloud, req.auth, 'security_group_rule', id).catch((e) => {
      throw reword(e);
    });
    return reply.code(202).send();
  });

  app.get('/servers/:id/os-security-groups', async (req) => {
    const i = await getServer(cloud, req);
    const ids = (await serverGroupsOf(cloud, i.uuid)).map((g) => g.id);
    const groups: View[] = [];
    for (const id of ids) groups.push(await show(req, id).catch(() => ({}) as View));
    const names = namesOf(await list(req, true));
    const out = groups.filter((g) => g.id).map((g) => groupView(g, names));
    return {
      security_groups: out.sort((a, b) => a.tenant_id.localeCompare(b.tenant_id) || a.name.localeCompare(b.name)),
    };
  });
}
