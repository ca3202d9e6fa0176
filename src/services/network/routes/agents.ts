import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest } from '../../../server/errors.js';
import {
  agentsOf,
  agentView,
  bind,
  boundTo,
  DHCP,
  deleteAgent,
  getAgent,
  L3,
  listAgents,
  unbind,
  updateAgent,
} from '../agents.js';
import { bool as boolCheck, nullableStr } from '../attributes.js';
import { readOp } from '../common.js';
import { policyRefused } from '../errors.js';
import { networks } from '../networks.js';
import { listResponse, type Query, selectFields } from '../query.js';
import { routers } from '../routers.js';
import { inTransaction } from '../store.js';

/** /v2.0/agents and the DHCP and L3 schedulers (admin only; others see no agents), /v2.0/service-providers. */
export async function agentRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = () => readOp(cloud, { isAdmin: true } as never).db;
  const admin = (req: { auth: { isAdmin: boolean } }, rule: string) => {
    if (!req.auth.isAdmin) throw policyRefused(`rule:${rule}`);
  };

  app.get('/v2.0/agents', async (req) =>
    listResponse(req, 'agents', req.auth.isAdmin ? (await listAgents(db())).map(agentView) : []),
  );

  app.get('/v2.0/agents/:id', async (req) => {
    const { id } = req.params as { id: string };
    // an agent is invisible to non-admins: 404 as for a missing one
    const a = await getAgent(db(), req.auth.isAdmin ? id : '');
    return { agent: selectFields(agentView(a), req.query as Query) };
  });

  app.put('/v2.0/agents/:id', async (req) => {
    const { id } = req.params as { id: string };
    admin(req, 'update_agent');
    const body = (req.body as { agent?: Record<string, unknown> } | undefined)?.agent;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new BadRequest("Unable to find 'agent' in request body");
    const extra = Object.keys(body).filter((k) => k !== 'admin_state_up' && k !== 'description');
    if (extra.length) throw new BadRequest(`Cannot update read-only attribute ${extra[0]}`);
    await updateAgent(db(), id, {
      ...('admin_state_up' in body ? { admin_state_up: boolCheck(body.admin_state_up, 'admin_state_up') ? 1 : 0 } : {}),
      ...('description' in body
        ? { description: nullableStr(255)(body.description, 'description') as string | null }
        : {}),
    });
    return { agent: agentView(await getAgent(db(), id)) };
  });

  app.delete('/v2.0/agents/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    admin(req, 'delete_agent');
    await deleteAgent(db(), id);
    return reply.code(204).send();
  });

  const schedulers = [
    { type: DHCP, path: 'dhcp-networks', key: 'network_id', resource: networks, hostedBy: 'networks/:rid/dhcp-agents' },
    { type: L3, path: 'l3-routers', key: 'router_id', resource: routers, hostedBy: 'routers/:rid/l3-agents' },
  ];
  for (const s of schedulers) {
    app.get(`/v2.0/agents/:id/${s.path}`, async (req) => {
      const { id } = req.params as { id: string };
      admin(req, `get_${s.path}`);
      await getAgent(db(), id);
      const op = readOp(cloud, req.auth);
      const views = [];
      for (const rid of await boundTo(db(), id)) views.push(await s.resource.show(op, rid).catch(() => undefined));
      return { [s.resource.collection]: views.filter(Boolean) };
    });
    app.post(`/v2.0/agents/:id/${s.path}`, async (req, reply) => {
      const { id } = req.params as { id: string };
      admin(req, `create_${s.path}`);
      const rid = (req.body as Record<string, unknown> | undefined)?.[s.key];
      if (typeof rid !== 'string') throw new BadRequest(`Unable to find '${s.key}' in request body`);
      await s.resource.show(readOp(cloud, req.auth), rid);
      await inTransaction(cloud, (trx) => bind(trx, id, rid, s.type));
      return reply.code(201).send();
    });
    app.delete(`/v2.0/agents/:id/${s.path}/:rid`, async (req, reply) => {
      const { id, rid } = req.params as { id: string; rid: string };
      admin(req, `delete_${s.path}`);
      await inTransaction(cloud, (trx) => unbind(trx, id, rid, s.type));
      return reply.code(204).send();
    });
    app.get(`/v2.0/${s.hostedBy}`, async (req) => {
      const { rid } = req.params as { rid: string };
      admin(req, `get_${s.hostedBy.split('/')[2]}`);
      await s.resource.show(readOp(cloud, req.auth), rid);
      return { agents: (await agentsOf(db(), rid)).map(agentView) };
    });
  }

  // service-type: no advanced services are configured beyond the built-in router
  app.get('/v2.0/service-providers', async (req) => listResponse(req, 'service-providers', []));
}
