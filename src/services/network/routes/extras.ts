import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { readOp, writeOp } from '../common.js';
import { notFound, policyRefused } from '../errors.js';
import { poolSize } from '../ipam.js';
import { listResponse, type Query, selectFields, type View } from '../query.js';
import { addRouterInterface, changeExtraRoutes, removeRouterInterface } from '../router-interfaces.js';
import { routers } from '../routers.js';
import type { NetDb, NetworkRow } from '../store.js';

/** Router actions, availability zones and network IP availability. */
export async function extraRoutes(app: FastifyInstance, cloud: Cloud) {
  for (const action of ['add_router_interface', 'remove_router_interface'] as const)
    app.put(`/v2.0/routers/:id/${action}`, async (req) => {
      const { id } = req.params as { id: string };
      return writeOp(cloud, req.auth, (op) =>
        action === 'add_router_interface'
          ? addRouterInterface(op, id, req.body)
          : removeRouterInterface(op, id, req.body),
      );
    });

  for (const action of ['add_extraroutes', 'remove_extraroutes'] as const)
    app.put(`/v2.0/routers/:id/${action}`, async (req) => {
      const { id } = req.params as { id: string };
      await writeOp(cloud, req.auth, (op) => changeExtraRoutes(op, id, req.body, action === 'add_extraroutes'));
      return { router: await routers.show(readOp(cloud, req.auth), id) };
    });

  // One zone, "nova", serving networks and routers (what DevStack's agents report).
  app.get('/v2.0/availability_zones', async (req) =>
    listResponse(req, 'availability_zones', [
      { name: 'nova', resource: 'network', state: 'available' },
      { name: 'nova', resource: 'router', state: 'available' },
    ]),
  );

  app.get('/v2.0/network-ip-availabilities', async (req) => {
    if (!req.auth.isAdmin) throw policyRefused('rule:get_network_ip_availability');
    const nets = await readOp(cloud, req.auth)
      .db.selectFrom('neutron_networks')
      .selectAll()
      .orderBy('created_at')
      .execute();
    return listResponse(req, 'network-ip-availabilities', await availability(readOp(cloud, req.auth).db, nets));
  });

  app.get('/v2.0/network-ip-availabilities/:id', async (req) => {
    if (!req.auth.isAdmin) throw policyRefused('rule:get_network_ip_availability');
    const { id } = req.params as { id: string };
    const db = readOp(cloud, req.auth).db;
    const net = await db.selectFrom('neutron_networks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!net) throw notFound.network(id);
    return { network_ip_availability: selectFields((await availability(db, [net]))[0], req.query as Query) };
  });
}

async function availability(db: NetDb, nets: NetworkRow[]): Promise<View[]> {
  const subnets = await db.selectFrom('neutron_subnets').selectAll().orderBy('created_at').execute();
  const used = await db
    .selectFrom('neutron_ip_allocations')
    .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('subnet_id')
    .execute();
  const usedBy = new Map(used.map((u) => [u.subnet_id, Number(u.n)]));
  return nets.map((n) => {
    const mine = subnets
      .filter((s) => s.network_id === n.id)
      .map((s) => ({
        subnet_id: s.id,
        subnet_name: s.name,
        cidr: s.cidr,
        ip_version: s.ip_version,
        total_ips: Number(poolSize(JSON.parse(s.allocation_pools), s.ip_version)),
        used_ips: usedBy.get(s.id) ?? 0,
      }));
    return {
      network_id: n.id,
      network_name: n.name,
      tenant_id: n.project_id,
      project_id: n.project_id,
      total_ips: mine.reduce((a, s) => a + s.total_ips, 0),
      used_ips: mine.reduce((a, s) => a + s.used_ips, 0),
      subnet_ip_availability: mine,
    };
  });
}
