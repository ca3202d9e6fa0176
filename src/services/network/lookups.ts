// Finding networks, security groups and floating IPs by name or id as a
// caller sees them, and Nova's floating IP association.

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { type Op, readOp, writeOp } from './common.js';
import { notFound } from './errors.js';
import { associate, findFloatingIp as findFip, floatingIps } from './floating-ips.js';
import { networks } from './networks.js';
import { owns } from './policy.js';
import type { View } from './query.js';
import { securityGroups } from './security-groups.js';

/** A security group by id or name as `op`'s caller sees it. */
export async function findSecurityGroupIn(op: Op, nameOrId: string): Promise<View | undefined> {
  const rows = await op.db
    .selectFrom('neutron_security_groups')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', nameOrId), eb('name', '=', nameOrId)]))
    .execute();
  const mine = rows.filter((r) => owns(op.ctx, r.project_id));
  // a name matches in the caller's project first (admins see every project's `default`)
  const hit = mine.find((r) => r.id === nameOrId) ?? mine.find((r) => r.project_id === op.ctx.projectId) ?? mine[0];
  return hit ? securityGroups.show(op, hit.id) : undefined;
}

/** A network by id or name as the caller sees it (API view), or undefined. */
export async function findNetwork(cloud: Cloud, ctx: AuthContext, nameOrId: string): Promise<View | undefined> {
  const op = readOp(cloud, ctx);
  const byId = await networks.show(op, nameOrId).catch(() => undefined);
  if (byId) return byId;
  return (await networks.list(op, { name: nameOrId }))[0];
}

/**
 * The networks a project may boot on without naming one, as Nova's
 * _get_available_networks lists them: the project's own unshared networks
 * and every shared one (Nova refuses an external one later, when attaching).
 */
export async function availableNetworks(cloud: Cloud, ctx: AuthContext): Promise<View[]> {
  const all = await networks.list(readOp(cloud, ctx), {});
  return all.filter((n) => n.shared === true || (n.project_id === ctx.projectId && n.shared === false));
}

/** A security group by id or name as the caller sees it (API view), or undefined. */
export async function findSecurityGroup(cloud: Cloud, ctx: AuthContext, nameOrId: string): Promise<View | undefined> {
  return findSecurityGroupIn(readOp(cloud, ctx), nameOrId);
}

/** A floating IP by id or address as the caller sees it (API view), or undefined. */
export async function findFloatingIp(cloud: Cloud, ctx: AuthContext, idOrAddress: string): Promise<View | undefined> {
  const op = readOp(cloud, ctx);
  const f = await findFip(op, idOrAddress);
  return f ? floatingIps.show(op, f.id) : undefined;
}

/**
 * Points a floating IP (id or address) at a port (Nova's `server add floating
 * ip`), with Neutron's rules: the port's IPv4 address (`fixedIp` when it has
 * several) must reach the floating IP's network through a router, else 404
 * ExternalGatewayForFloatingIPNotFound. Null `portId` disassociates.
 */
export async function associateFloatingIp(
  cloud: Cloud,
  ctx: AuthContext,
  idOrAddress: string,
  portId: string | null,
  fixedIp?: string,
): Promise<View> {
  const id = await writeOp(cloud, ctx, async (op) => {
    const f = await findFip(op, idOrAddress);
    if (!f) throw notFound.floatingip(idOrAddress);
    await associate(op, f, portId, fixedIp ?? null);
    return f.id;
  });
  return floatingIps.show(readOp(cloud, ctx), id);
}
