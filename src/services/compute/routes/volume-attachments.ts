import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound, NotImplemented } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import type { NovaHandler, NovaRequest } from '../api.js';
import { complete, novaVolume, release, reserve, visibleProject } from '../cinder.js';
import { nextDevice } from '../servers/block-devices.js';
import { askerOf, recordAction } from '../servers/journal.js';
import { getServer, type Instance } from '../servers/model.js';
import { tag } from '../servers/schemas.js';
import { checkAction, VmState } from '../states.js';
import { type BdmRow, cdb } from '../store.js';
import { type Schema, toBool, types, validateBody } from '../validation.js';

// /servers/{id}/os-volume_attachments: attach and detach volumes of the
// volume service. The API reserves the volume and records the mapping with
// its device at once (Nova answers with the device); the attach itself
// (the driver, then Cinder's attachment complete) is a queued operation.

function createSchema(req: NovaRequest): Schema {
  return {
    type: 'object',
    properties: {
      volumeAttachment: {
        type: 'object',
        properties: {
          volumeId: types.uuid,
          device: { type: ['string', 'null'], pattern: '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$' },
          ...(req.microversion.atLeast('2.49') ? { tag } : {}),
          ...(req.microversion.atLeast('2.79') ? { delete_on_termination: types.boolean } : {}),
        },
        required: ['volumeId'],
        additionalProperties: false,
      },
    },
    required: ['volumeAttachment'],
    additionalProperties: false,
  };
}

/** PUT before 2.85 (a swap): only the volume to swap to. */
const swapSchema: Schema = {
  type: 'object',
  properties: {
    volumeAttachment: {
      type: 'object',
      properties: { volumeId: types.uuid },
      required: ['volumeId'],
      additionalProperties: false,
    },
  },
  required: ['volumeAttachment'],
  additionalProperties: false,
};

/** PUT at 2.85: the attachment as shown, with volumeId naming the volume it should be. */
const updateSchema: Schema = {
  type: 'object',
  properties: {
    volumeAttachment: {
      type: 'object',
      properties: {
        volumeId: types.uuid,
        device: { type: ['string', 'null'] },
        id: types.uuid,
        serverId: types.uuid,
        tag,
        delete_on_termination: types.boolean,
      },
      required: ['volumeId'],
      additionalProperties: false,
    },
  },
  required: ['volumeAttachment'],
  additionalProperties: false,
};

function view(req: NovaRequest, b: BdmRow) {
  // 2.89 drops `id` (it repeats volumeId) and shows the attachment and mapping ids
  const v289 = req.microversion.atLeast('2.89');
  const out: Record<string, unknown> = v289 ? {} : { id: b.volume_id };
  Object.assign(out, { volumeId: b.volume_id, serverId: b.instance_uuid });
  if (b.device_name) out.device = b.device_name;
  if (req.microversion.atLeast('2.70')) out.tag = b.tag;
  if (req.microversion.atLeast('2.79')) out.delete_on_termination = b.delete_on_termination === 1;
  if (v289) Object.assign(out, { attachment_id: b.attachment_id, bdm_uuid: b.uuid });
  return out;
}

async function mappingOf(cloud: Cloud, i: Instance, volumeId: string) {
  const b = await cdb(cloud)
    .selectFrom('nova_bdms')
    .selectAll()
    .where('instance_uuid', '=', i.uuid)
    .where('volume_id', '=', volumeId)
    .executeTakeFirst();
  if (!b) throw new NotFound(`Instance ${i.uuid} is not attached to volume ${volumeId}`);
  return b;
}

/** POST /servers/{id}/os-volume_attachments */
export const attachVolume: NovaHandler = async (cloud, req) => {
  const db = cdb(cloud);
  const i = await getServer(cloud, req);
  const body = validateBody(createSchema(req), req.body).volumeAttachment;
  checkAction(i, 'attach_volume', req.auth.isAdmin);
  const volume = await novaVolume(cloud, body.volumeId, visibleProject(req.auth));
  const already = await db
    .selectFrom('nova_bdms')
    .select('id')
    .where('instance_uuid', '=', i.uuid)
    .where('volume_id', '=', volume.id)
    .executeTakeFirst();
  if (already) throw new BadRequest(`Invalid volume: volume ${volume.id} already attached`);
  const attachmentId = await reserve(cloud, volume.id, i.uuid);
  const deleteOnTermination = body.delete_on_termination !== undefined && toBool(body.delete_on_termination);
  // A shelved-offloaded server has no guest: Nova completes the attachment at
  // once (the volume is in-use) and leaves the device to the unshelve.
  const offloaded = i.vm_state === VmState.SHELVED_OFFLOADED;
  let row: BdmRow;
  try {
    row = await db.transaction().execute(async (trx) => {
      const device = offloaded ? null : await nextDevice(trx, i.uuid);
      const values = {
        uuid: uuid(),
        instance_uuid: i.uuid,
        source_type: 'volume',
        destination_type: 'volume',
        volume_id: volume.id,
        image_id: null,
        snapshot_id: null,
        device_name: device,
        boot_index: null,
        volume_size: volume.size,
        volume_type: null,
        delete_on_termination: deleteOnTermination ? 1 : 0,
        tag: body.tag ?? null,
        attachment_id: attachmentId,
        created_at: now(),
      };
      const res = await trx.insertInto('nova_bdms').values(values).returning('id').executeTakeFirstOrThrow();
      const bdm = { ...values, id: Number(res.id) } as BdmRow;
      const actionId = await recordAction(trx, i.uuid, 'attach_volume', askerOf(req));
      if (!offloaded)
        await cloud.tasks.enqueue(
          'compute.action',
          i.uuid,
          { op: 'attachVolume', actionId, args: { bdmId: bdm.id } },
          trx,
        );
      return bdm;
    });
    if (offloaded) await complete(cloud, attachmentId, null, null);
  } catch (e) {
    await db.deleteFrom('nova_bdms').where('attachment_id', '=', attachmentId).execute();
    await release(cloud, attachmentId);
    throw e;
  }
  return {
    volumeAttachment: {
      id: volume.id,
      serverId: i.uuid,
      volumeId: volume.id,
      device: row.device_name,
      ...(req.microversion.atLeast('2.70') ? { tag: row.tag } : {}),
      ...(req.microversion.atLeast('2.79') ? { delete_on_termination: deleteOnTermination } : {}),
    },
  };
};

/** DELETE /servers/{id}/os-volume_attachments/{volumeId} */
export const detachVolume: NovaHandler = async (cloud, req, reply) => {
  const db = cdb(cloud);
  const i = await getServer(cloud, req);
  const { volumeId } = req.params as { volumeId: string };
  await novaVolume(cloud, volumeId);
  const b = await mappingOf(cloud, i, volumeId);
  if (b.boot_index === 0) throw new BadRequest('Cannot detach a root device volume');
  checkAction(i, 'detach_volume', req.auth.isAdmin);
  if (i.vm_state === VmState.SHELVED_OFFLOADED) {
    // no guest to detach from: the attachment ends at once, as in Nova
    if (b.attachment_id) await release(cloud, b.attachment_id);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('nova_bdms').where('id', '=', b.id).execute();
      await recordAction(trx, i.uuid, 'detach_volume', askerOf(req));
    });
    return reply.code(202).send();
  }
  await db.transaction().execute(async (trx) => {
    const actionId = await recordAction(trx, i.uuid, 'detach_volume', askerOf(req));
    await cloud.tasks.enqueue('compute.action', i.uuid, { op: 'detachVolume', actionId, args: { bdmId: b.id } }, trx);
  });
  return reply.code(202).send();
};

export async function volumeAttachmentRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = cdb(cloud);

  app.get('/servers/:id/os-volume_attachments', async (req) => {
    const i = await getServer(cloud, req);
    const rows = await db
      .selectFrom('nova_bdms')
      .selectAll()
      .where('instance_uuid', '=', i.uuid)
      .where('volume_id', 'is not', null)
      .orderBy('id')
      .execute();
    return { volumeAttachments: rows.map((b) => view(req, b)) };
  });

  app.get('/servers/:id/os-volume_attachments/:volumeId', async (req) => {
    const i = await getServer(cloud, req);
    return { volumeAttachment: view(req, await mappingOf(cloud, i, (req.params as { volumeId: string }).volumeId)) };
  });

  app.post('/servers/:id/os-volume_attachments', (req, reply) => attachVolume(cloud, req, reply));

  app.put('/servers/:id/os-volume_attachments/:volumeId', async (req, reply) => {
    const i = await getServer(cloud, req);
    const { volumeId } = req.params as { volumeId: string };
    const b = await mappingOf(cloud, i, volumeId);
    if (req.microversion.atLeast('2.85')) {
      const att = validateBody(updateSchema, req.body).volumeAttachment;
      if (att.volumeId === volumeId) {
        // 2.85: the same volume: only delete_on_termination may change
        for (const [k, now] of [
          ['id', volumeId],
          ['serverId', i.uuid],
          ['device', b.device_name],
          ['tag', b.tag],
        ] as const)
          if (k in att && att[k] !== now) throw new BadRequest(`The ${k} property is not mutable`);
        if (att.delete_on_termination !== undefined)
          await cdb(cloud)
            .updateTable('nova_bdms')
            .set({ delete_on_termination: toBool(att.delete_on_termination) ? 1 : 0 })
            .where('id', '=', b.id)
            .execute();
        return reply.code(202).send();
      }
    }
    const next = validateBody(swapSchema, req.body).volumeAttachment.volumeId as string;
    // a new volume that does not exist is a bad request here, not a missing resource
    await novaVolume(cloud, next, visibleProject(req.auth)).catch((e) => {
      throw e instanceof NotFound ? new BadRequest(e.message) : e;
    });
    throw new NotImplemented('pocketstack does not swap volumes of a server yet.');
  });

  app.delete('/servers/:id/os-volume_attachments/:volumeId', (req, reply) => detachVolume(cloud, req, reply));
}
