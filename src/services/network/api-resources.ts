// Any Neutron resource by the body its API takes and the view its API
// returns, as a caller (Heat's OS::Neutron::* and Nova's proxies).

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';
import { parseCreate, parseUpdate } from './attributes.js';
import { type Resource, readOp, writeOp } from './common.js';
import { floatingIps } from './floating-ips.js';
import { networks } from './networks.js';
import { ports } from './ports.js';
import type { View } from './query.js';
import { addRouterInterface, removeRouterInterface } from './router-interfaces.js';
import { routers } from './routers.js';
import { securityGroupRules } from './security-group-rules.js';
import { securityGroups } from './security-groups.js';
import { subnets } from './subnets.js';

const RESOURCES: Record<string, Resource> = {
  network: networks,
  subnet: subnets,
  port: ports,
  router: routers,
  floatingip: floatingIps,
  security_group: securityGroups,
  security_group_rule: securityGroupRules,
};

export type ResourceType = keyof typeof RESOURCES;

function resource(type: string): Resource {
  const r = RESOURCES[type];
  if (!r) throw new BadRequest(`Unknown network resource type ${type}`);
  return r;
}

/** POST /v2.0/<type>s with `body` (the inner object), as the caller; returns the view. */
export async function createResource(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  body: Record<string, unknown>,
) {
  const r = resource(type);
  const id = await writeOp(cloud, ctx, (op) => r.create(op, parseCreate(ctx, body, r.attrs)));
  return r.show(readOp(cloud, ctx), id);
}

/** GET /v2.0/<type>s as the caller: what it may see, filtered on single values (`{status: 'ACTIVE'}`). */
export async function listResources(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  filters: Record<string, string> = {},
): Promise<View[]> {
  const views = await resource(type).list(readOp(cloud, ctx), {});
  const keys = Object.keys(filters);
  return views.filter((v) => keys.every((k) => String(v[k]) === filters[k]));
}

export async function showResource(cloud: Cloud, ctx: AuthContext, type: ResourceType, id: string) {
  return resource(type).show(readOp(cloud, ctx), id);
}

export async function updateResource(
  cloud: Cloud,
  ctx: AuthContext,
  type: ResourceType,
  id: string,
  body: Record<string, unknown>,
) {
  const r = resource(type);
  const checked = parseUpdate(ctx, { [r.member]: body }, r.member, r.attrs);
  await writeOp(cloud, ctx, (op) => r.update(op, id, checked));
  return r.show(readOp(cloud, ctx), id);
}

export async function deleteResource(cloud: Cloud, ctx: AuthContext, type: ResourceType, id: string) {
  await writeOp(cloud, ctx, (op) => resource(type).remove(op, id));
}

/** PUT /v2.0/routers/{id}/add_router_interface with {subnet_id} or {port_id}. */
export function addInterface(
  cloud: Cloud,
  ctx: AuthContext,
  routerId: string,
  body: { subnet_id?: string; port_id?: string },
) {
  return writeOp(cloud, ctx, (op) => addRouterInterface(op, routerId, body));
}

export function removeInterface(
  cloud: Cloud,
  ctx: AuthContext,
  routerId: string,
  body: { subnet_id?: string; port_id?: string },
) {
  return writeOp(cloud, ctx, (op) => removeRouterInterface(op, routerId, body));
}
