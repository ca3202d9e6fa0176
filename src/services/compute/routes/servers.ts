import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { links, type NovaHandler, type NovaRequest, nextLink } from '../api.js';
import { createServers } from '../servers/create.js';
import { askerOf, recordAction } from '../servers/journal.js';
import { listInstances } from '../servers/list.js';
import { getServer, type Instance, updateInstance } from '../servers/model.js';
import { updateSchema } from '../servers/schemas.js';
import { briefView, loadExtras, serverView } from '../servers/view.js';
import { checkAction, TaskState } from '../states.js';
import { cdb } from '../store.js';
import { toBool, validateBody } from '../validation.js';

/** One server's full view. */
async function show(cloud: Cloud, req: NovaRequest, i: Instance, reply?: 'update') {
  const extras = await loadExtras(cloud, [i]);
  return { server: serverView(req, i, extras.get(i.uuid)!, { reply }) };
}

/** GET /servers/{id} */
export const showServer: NovaHandler = async (cloud, req) => show(cloud, req, await getServer(cloud, req));

/** POST /servers */
export const createServer: NovaHandler = async (cloud, req, reply) => {
  const created = await createServers(cloud, req);
  const body = req.body as { server: Record<string, unknown> };
  if (body.server.return_reservation_id !== undefined && toBool(body.server.return_reservation_id))
    return reply.code(202).send({ reservation_id: created.reservationId });
  const first = created.instances[0];
  const self = links(req, 'servers', first.uuid);
  reply.header('Location', self[0].href);
  return reply.code(202).send({
    server: {
      id: first.uuid,
      links: self,
      'OS-DCF:diskConfig': body.server['OS-DCF:diskConfig'] === 'AUTO' ? 'AUTO' : 'MANUAL',
      security_groups: created.securityGroups.map((name) => ({ name })),
      adminPass: created.adminPass,
    },
  });
};

/** PUT /servers/{id} */
export const updateServer: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  const i = await getServer(cloud, req);
  const body = validateBody(updateSchema(req.microversion), req.body).server as Record<string, unknown>;
  await updateInstance(db, i.uuid, {
    ...(body.name !== undefined ? { display_name: String(body.name) } : {}),
    ...(body.description !== undefined ? { display_description: body.description as string | null } : {}),
    ...(body.hostname !== undefined ? { hostname: String(body.hostname) } : {}),
    ...(body.accessIPv4 !== undefined ? { access_ip_v4: String(body.accessIPv4) } : {}),
    ...(body.accessIPv6 !== undefined ? { access_ip_v6: String(body.accessIPv6) } : {}),
    ...(body['OS-DCF:diskConfig'] !== undefined
      ? { sys: { ...i.sys, auto_disk_config: body['OS-DCF:diskConfig'] === 'AUTO' } }
      : {}),
  });
  return show(cloud, req, await getServer(cloud, req), 'update');
};

/** DELETE /servers/{id} */
export const deleteServer: NovaHandler = async (cloud, req, reply) => {
  const i = await getServer(cloud, req);
  checkAction(i, 'delete', req.auth.isAdmin);
  await deleteInstance(cloud, req, i);
  return reply.code(204).send();
};

/** /servers: create, list, detail, show, update, delete. */
export async function serverRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/servers', (req, reply) => createServer(cloud, req, reply));

  app.get('/servers', async (req) => {
    const { page, limit } = await listInstances(cloud, req);
    const next = nextLink(req, 'servers', page, limit, (i: Instance) => i.uuid);
    return { servers: page.map((i) => briefView(req, i)), ...(next ? { servers_links: next } : {}) };
  });

  app.get('/servers/detail', async (req) => {
    const { page, limit } = await listInstances(cloud, req);
    const extras = await loadExtras(cloud, page);
    const next = nextLink(req, 'servers/detail', page, limit, (i: Instance) => i.uuid);
    return {
      servers: page.map((i) => serverView(req, i, extras.get(i.uuid)!, { detail: true })),
      ...(next ? { servers_links: next } : {}),
    };
  });

  app.get('/servers/:id', (req, reply) => showServer(cloud, req, reply));

  app.put('/servers/:id', (req, reply) => updateServer(cloud, req, reply));

  app.delete('/servers/:id', (req, reply) => deleteServer(cloud, req, reply));
}

/** Marks the instance deleting and queues its removal; a second delete of one being deleted changes nothing. */
export async function deleteInstance(cloud: Cloud, req: NovaRequest, i: Instance): Promise<void> {
  if (i.task_state === TaskState.DELETING) return;
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await updateInstance(trx, i.uuid, { task_state: TaskState.DELETING });
      const actionId = await recordAction(trx, i.uuid, 'delete', askerOf(req));
      await cloud.tasks.enqueue('compute.delete', i.uuid, { actionId }, trx);
    });
}
