// Security groups of Nova's servers: Nova's `security_groups` of a server
// and `server add/remove security group`, which apply to all its ports.

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, NotFound } from '../../server/errors.js';
import { readOp, writeOp } from './common.js';
import { notFound } from './errors.js';
import { findSecurityGroupIn } from './lookups.js';
import { groupsOf } from './port-views.js';
import { type PortInfo, serverContext, serverPortInfos, serverPortRows } from './server-ports.js';
import { sync } from './sync.js';

/** The security groups on each server's ports (Nova's `security_groups`: unique names). */
export async function serverSecurityGroups(
  cloud: Cloud,
  serverIds: string[],
  infos?: PortInfo[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const op = readOp(cloud, serverContext);
  infos ??= await serverPortInfos(cloud, serverIds);
  const ids = [...new Set(infos.flatMap((i) => i.security_group_ids))];
  const groups = ids.length
    ? await op.db.selectFrom('neutron_security_groups').select(['id', 'name']).where('id', 'in', ids).execute()
    : [];
  const out = new Map<string, { id: string; name: string }[]>(serverIds.map((id) => [id, []]));
  for (const p of infos) {
    const list = out.get(p.device_id)!;
    for (const g of p.security_group_ids)
      if (!list.some((x) => x.id === g)) list.push(groups.find((x) => x.id === g) ?? { id: g, name: g });
  }
  return out;
}

async function changeServerGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string, add: boolean) {
  await writeOp(cloud, ctx, async (op) => {
    const group = await findSecurityGroupIn(op, nameOrId);
    if (!group) throw notFound.security_group(nameOrId);
    const rows = await serverPortRows(op, [serverId]);
    if (!rows.length) throw new BadRequest(`Server ${serverId} has no ports to apply a security group to.`);
    const current = await groupsOf(
      op.db,
      rows.map((r) => r.id),
    );
    if (!add && !rows.some((r) => current.get(r.id)?.includes(group.id as string)))
      throw new NotFound(
        `Security group ${nameOrId} not associated with the instance ${serverId}`,
        'SecurityGroupNotExistsForInstance',
      );
    for (const p of rows) {
      if (!p.port_security_enabled) continue;
      const has = current.get(p.id) ?? [];
      if (add && !has.includes(group.id as string))
        await op.db
          .insertInto('neutron_port_security_groups')
          .values({ port_id: p.id, security_group_id: group.id as string })
          .execute();
      if (!add)
        await op.db
          .deleteFrom('neutron_port_security_groups')
          .where('port_id', '=', p.id)
          .where('security_group_id', '=', group.id as string)
          .execute();
      await op.db
        .updateTable('neutron_ports')
        .set({ revision_number: p.revision_number + 1 })
        .where('id', '=', p.id)
        .execute();
      await sync(op, 'port', p.id);
    }
  });
}

/** `server add security group`: the group (name or id, as the caller sees it) on every port of the server. */
export function addServerSecurityGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string) {
  return changeServerGroup(cloud, ctx, serverId, nameOrId, true);
}

/** `server remove security group`; 404 SecurityGroupNotExistsForInstance when no port has it. */
export function removeServerSecurityGroup(cloud: Cloud, ctx: AuthContext, serverId: string, nameOrId: string) {
  return changeServerGroup(cloud, ctx, serverId, nameOrId, false);
}
