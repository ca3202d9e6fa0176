import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { fromJson, toJson } from '../../store/json.js';
import { parseCreate } from './attributes.js';
import { serviceContext } from './bootstrap.js';
import { type Op, type Resource, readOp, writeOp } from './common.js';
import { badRequest, conflict, policyRefused } from './errors.js';
import { networks } from './networks.js';
import { addRouterInterface, removeRouterInterface } from './router-interfaces.js';
import { routers } from './routers.js';
import { subnets } from './subnets.js';

// Neutron's auto-allocated-topology ("get me a network"): on first ask, a
// project gets a network with a subnet from each default subnet pool,
// uplinked by a router to the default external network; later asks answer
// the same network. The record lives in neutron_meta under the project.

interface Topology {
  network_id: string;
  router_id: string;
}

const key = (projectId: string) => `auto_allocated_topology:${projectId}`;

function failure(reason: string) {
  return conflict('AutoAllocationFailure', `Deployment error: ${reason}.`);
}

/** The project's topology, if it was made and its network still exists. */
async function existing(op: Op, projectId: string): Promise<Topology | undefined> {
  const row = await op.db
    .selectFrom('neutron_meta')
    .select('value')
    .where('key', '=', key(projectId))
    .executeTakeFirst();
  const t = fromJson<Topology | undefined>(row?.value, undefined);
  if (!t) return undefined;
  const net = await op.db.selectFrom('neutron_networks').select('id').where('id', '=', t.network_id).executeTakeFirst();
  return net ? t : undefined;
}

async function defaultExternalNetwork(op: Op): Promise<string> {
  const net = await op.db
    .selectFrom('neutron_networks')
    .select('id')
    .where('external', '=', 1)
    .where('is_default', '=', 1)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!net) throw failure('No default router:external network');
  return net.id;
}

async function defaultPools(op: Op): Promise<{ id: string; ip_version: number }[]> {
  const pools = [];
  for (const v of [4, 6]) {
    const p = await op.db
      .selectFrom('neutron_subnetpools')
      .select(['id', 'ip_version'])
      .where('is_default', '=', 1)
      .where('ip_version', '=', v)
      .executeTakeFirst();
    if (p) pools.push(p);
  }
  return pools;
}

const make = (op: Op, r: Resource, projectId: string, body: Record<string, unknown>) =>
  r.create(op, parseCreate(op.ctx, { ...body, project_id: projectId }, r.attrs));

/** Makes the topology in one transaction: all of it, or nothing when a step fails. */
async function build(cloud: Cloud, projectId: string): Promise<string> {
  return writeOp(cloud, serviceContext(projectId), async (op) => {
    const found = await existing(op, projectId);
    if (found) return found.network_id;
    const external = await defaultExternalNetwork(op);
    const pools = await defaultPools(op);
    if (pools.length === 0) throw failure('No default subnetpools defined');
    const network = await make(op, networks, projectId, { name: 'auto_allocated_network', shared: false });
    const router = await make(op, routers, projectId, {
      name: 'auto_allocated_router',
      external_gateway_info: { network_id: external },
    });
    for (const p of pools) {
      const subnet = await make(op, subnets, projectId, {
        name: `auto_allocated_subnet_v${p.ip_version}`,
        network_id: network,
        ip_version: p.ip_version,
        subnetpool_id: p.id,
      }).catch(() => {
        throw failure('Unable to provide tenant private network');
      });
      await addRouterInterface(op, router, { subnet_id: subnet }).catch(() => {
        throw failure('Unable to provide external connectivity');
      });
    }
    const value = toJson({ network_id: network, router_id: router } satisfies Topology);
    await op.db.deleteFrom('neutron_meta').where('key', '=', key(projectId)).execute();
    await op.db
      .insertInto('neutron_meta')
      .values({ key: key(projectId), value })
      .execute();
    return network;
  });
}

/** The project a request names: 'None' is the caller's own; another project's is for admins only. */
function projectOf(ctx: AuthContext, id: string): string {
  const project = id === 'None' ? (ctx.projectId ?? '') : id;
  if (!ctx.isAdmin && project !== ctx.projectId) throw policyRefused('get_auto_allocated_topology');
  return project;
}

/** Whether a topology could be made now (Neutron's dry run); throws its 409 when not. */
export async function checkAutoAllocation(cloud: Cloud): Promise<void> {
  const op = readOp(cloud, serviceContext());
  await defaultExternalNetwork(op);
  if ((await defaultPools(op)).length === 0) throw failure('No default subnetpools defined');
}

/** The project's auto-allocated network, made on first ask (what Nova asks for `networks: auto`). */
export async function autoAllocatedNetwork(cloud: Cloud, projectId: string): Promise<string> {
  const found = await existing(readOp(cloud, serviceContext(projectId)), projectId);
  return found?.network_id ?? build(cloud, projectId);
}

export async function autoAllocateRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v2.0/auto-allocated-topology/:project', async (req) => {
    const project = projectOf(req.auth, (req.params as { project: string }).project);
    const raw = (req.query as { fields?: string | string[] }).fields;
    const fields = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (fields.includes('dry-run')) {
      await checkAutoAllocation(cloud);
      return { auto_allocated_topology: { id: 'dry-run=pass', tenant_id: project } };
    }
    if (fields.length) throw badRequest('auto_allocate', 'Unrecognized field');
    return { auto_allocated_topology: { id: await autoAllocatedNetwork(cloud, project), tenant_id: project } };
  });

  app.delete('/v2.0/auto-allocated-topology/:project', async (req, reply) => {
    const project = projectOf(req.auth, (req.params as { project: string }).project);
    await writeOp(cloud, serviceContext(project), async (op) => {
      const t = await existing(op, project);
      await op.db.deleteFrom('neutron_meta').where('key', '=', key(project)).execute();
      if (!t) return;
      const subnetIds = await op.db
        .selectFrom('neutron_subnets')
        .select('id')
        .where('network_id', '=', t.network_id)
        .execute();
      const router = await op.db
        .selectFrom('neutron_routers')
        .select('id')
        .where('id', '=', t.router_id)
        .executeTakeFirst();
      if (router) {
        for (const s of subnetIds)
          await removeRouterInterface(op, t.router_id, { subnet_id: s.id }).catch(() => undefined);
        await routers.remove(op, t.router_id);
      }
      await networks.remove(op, t.network_id);
    });
    return reply.code(204).send();
  });
}
