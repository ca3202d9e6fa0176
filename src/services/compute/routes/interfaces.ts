import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import type { NovaRequest } from '../api.js';
import { computeDriver } from '../driver.js';
import { attachPort, detachPort, instancePorts, networkMtu } from '../neutron.js';
import { serviceContext } from '../servers/guest.js';
import { askerOf, recordAction } from '../servers/journal.js';
import { getServer } from '../servers/model.js';
import { tag } from '../servers/schemas.js';
import { checkAction } from '../states.js';
import { cdb } from '../store.js';
import { type Schema, validateBody } from '../validation.js';

// /servers/{id}/os-interface: the server's ports, and attaching and
// detaching them while it runs (through the network service and the driver).

function createSchema(req: NovaRequest): Schema {
  return {
    type: 'object',
    properties: {
      interfaceAttachment: {
        type: 'object',
        properties: {
          net_id: { type: 'string', format: 'uuid' },
          port_id: { type: 'string', format: 'uuid' },
          fixed_ips: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: {
              type: 'object',
              properties: { ip_address: { type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } },
              required: ['ip_address'],
              additionalProperties: false,
            },
          },
          ...(req.microversion.atLeast('2.49') ? { tag } : {}),
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  };
}

export async function interfaceRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);
  const tags = async (uuid: string) =>
    new Map(
      (
        await db
          .selectFrom('nova_instance_ports')
          .select(['port_id', 'tag'])
          .where('instance_uuid', '=', uuid)
          .execute()
      ).map((r) => [r.port_id, r.tag]),
    );
  const view = (
    req: NovaRequest,
    p: Awaited<ReturnType<typeof instancePorts>>[number],
    t: Map<string, string | null>,
  ) => ({
    net_id: p.network_id,
    port_id: p.id,
    mac_addr: p.mac_address,
    port_state: p.status,
    fixed_ips: p.fixed_ips,
    ...(req.microversion.atLeast('2.70') ? { tag: t.get(p.id) ?? null } : {}),
  });

  app.get('/servers/:id/os-interface', async (req) => {
    const i = await getServer(cloud, req);
    const t = await tags(i.uuid);
    return { interfaceAttachments: (await instancePorts(cloud, i.uuid)).map((p) => view(req, p, t)) };
  });

  app.get('/servers/:id/os-interface/:port', async (req) => {
    const i = await getServer(cloud, req);
    const { port } = req.params as { port: string };
    const p = (await instancePorts(cloud, i.uuid)).find((x) => x.id === port);
    if (!p) throw new NotFound(`Instance ${i.uuid} does not have a port with id ${port}`);
    return { interfaceAttachment: view(req, p, await tags(i.uuid)) };
  });

  app.post('/servers/:id/os-interface', async (req) => {
    const i = await getServer(cloud, req);
    const a = (validateBody(createSchema(req), req.body ?? {}).interfaceAttachment ?? {}) as Record<string, any>;
    if (a.net_id && a.port_id) throw new BadRequest('Must not input both network_id and port_id');
    const fixedIp = a.fixed_ips?.[0]?.ip_address;
    if (fixedIp && !a.net_id) throw new BadRequest('Must input network_id when request IP address');
    checkAction(i, 'attach_interface', req.auth.isAdmin);
    const made = await attachPort(cloud, req.auth, i, { networkId: a.net_id, portId: a.port_id, fixedIp });
    const port = (await instancePorts(cloud, i.uuid)).find((p) => p.id === made.port_id)!;
    try {
      await computeDriver(cloud).attachInterface(i.uuid, {
        port_id: port.id,
        network_id: port.network_id,
        mac_address: port.mac_address,
        fixed_ips: port.fixed_ips,
        mtu: await networkMtu(cloud, i.project_id, port.network_id),
      });
    } catch (e) {
      await detachPort(cloud, serviceContext(i), port.id, made.created);
      throw e;
    }
    const position = (
      await db.selectFrom('nova_instance_ports').select('port_id').where('instance_uuid', '=', i.uuid).execute()
    ).length;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('nova_instance_ports')
        .values({
          instance_uuid: i.uuid,
          port_id: port.id,
          network_id: port.network_id,
          created_by_nova: made.created ? 1 : 0,
          tag: a.tag ?? null,
          position,
        })
        .execute();
      await recordAction(trx, i.uuid, 'attach_interface', askerOf(req));
    });
    return { interfaceAttachment: view(req, port, await tags(i.uuid)) };
  });

  app.delete('/servers/:id/os-interface/:port', async (req, reply) => {
    const i = await getServer(cloud, req);
    const { port } = req.params as { port: string };
    if (!(await instancePorts(cloud, i.uuid)).some((p) => p.id === port))
      throw new NotFound(`Port id ${port} could not be found.`);
    checkAction(i, 'detach_interface', req.auth.isAdmin);
    await computeDriver(cloud).detachInterface(i.uuid, port);
    const row = await db
      .selectFrom('nova_instance_ports')
      .select('created_by_nova')
      .where('instance_uuid', '=', i.uuid)
      .where('port_id', '=', port)
      .executeTakeFirst();
    await detachPort(cloud, serviceContext(i), port, row?.created_by_nova === 1);
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('nova_instance_ports')
        .where('instance_uuid', '=', i.uuid)
        .where('port_id', '=', port)
        .execute();
      await recordAction(trx, i.uuid, 'detach_interface', askerOf(req));
    });
    return reply.code(202).send();
  });
}
