import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound, NotImplemented } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import {
  completeAttachment,
  connectionInfo,
  removeAttachment,
  reserveAttachment,
  setVolumeStatus,
} from '../attachments.js';
import { invalidInput, invalidVolume } from '../errors.js';
import { authorize, type Caller, callerOf } from '../policy.js';
import { checkQuota } from '../quotas.js';
import { revertToSnapshot } from '../snapshots.js';
import { allowedFrom, checkTransition } from '../states.js';
import { type VolumeRow, type VolumeTrx, vdb } from '../store.js';
import { getType, typeNames } from '../types.js';
import { uploadToImage } from '../upload.js';
import { invalidField, metadataDict, optString, optUuid, parseBool } from '../validate.js';
import { deleteVolume, imageMetadataOf, putDict, visibleVolume } from '../volumes.js';

type Obj = Record<string, unknown>;

/** What one action handler gets: the caller, the volume id, the action's body and the request. */
interface ActionCtx {
  cloud: Cloud;
  caller: Caller;
  id: string;
  args: Obj;
  req: FastifyRequest;
  reply: FastifyReply;
}

type Handler = (c: ActionCtx) => Promise<unknown>;

/** Runs fn on the volume (visible to the caller) inside one transaction. */
function onVolume<T>(c: ActionCtx, fn: (trx: VolumeTrx, v: VolumeRow) => Promise<T>): Promise<T> {
  return vdb(c.cloud)
    .transaction()
    .execute(async (trx) => fn(trx, await visibleVolume(trx, c.caller, c.id)));
}

export const VOLUME_STATUSES = [
  'creating',
  'available',
  'deleting',
  'error',
  'error_deleting',
  'error_managing',
  'managing',
  'attaching',
  'in-use',
  'detaching',
  'maintenance',
  'restoring-backup',
  'error_restoring',
  'reserved',
  'awaiting-transfer',
  'backing-up',
  'error_backing-up',
  'error_extending',
  'downloading',
  'uploading',
  'retyping',
  'extending',
];

/** Cinder's volume actions (volume_actions.py, admin_actions.py, volumes.py revert), by body key. */
export const ACTIONS: Record<string, { rule: 'member' | 'admin'; status: number; run: Handler }> = {
  'os-extend': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const raw = c.args.new_size;
        if (raw === undefined) throw invalidField('os-extend', c.args, "'new_size' is a required property");
        const newSize =
          typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
        if (!Number.isInteger(newSize) || newSize < 1)
          throw invalidField('new_size', raw, `${JSON.stringify(raw)} is not of type 'integer', 'string'`);
        if (newSize <= v.size)
          throw invalidInput(
            `New size for extend must be greater than current size. (current: ${v.size}, extended: ${newSize}).`,
          );
        const inUse = c.req.microversion.atLeast('3.42');
        const allowed = allowedFrom('extend', v, { inUse });
        if (!allowed.includes(v.status))
          throw invalidVolume(
            `Volume ${v.id} status must be '{'status': '${v.status === 'in-use' ? 'available' : allowed.join("', '")}'}' to extend, currently ${v.status}.`,
          );
        const typeName = (await typeNames(trx, [v.volume_type_id])).get(v.volume_type_id);
        await checkQuota(trx, v.project_id, { resource: 'volumes', typeName, count: 0, gigabytes: newSize - v.size });
        await trx
          .updateTable('volumes')
          .set({ status: 'extending', previous_status: v.status, updated_at: now() })
          .where('id', '=', v.id)
          .execute();
        await c.cloud.tasks.enqueue('volume.extend', v.id, { newSize }, trx);
      }),
  },
  'os-set_bootable': {
    rule: 'member',
    status: 200,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        if (c.args.bootable === undefined)
          throw invalidField('os-set_bootable', c.args, "'bootable' is a required property");
        const bootable = parseBool(c.args.bootable, 'bootable');
        await trx
          .updateTable('volumes')
          .set({ bootable: bootable ? 1 : 0, updated_at: now() })
          .where('id', '=', v.id)
          .execute();
      }),
  },
  'os-update_readonly_flag': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        if (c.args.readonly === undefined)
          throw invalidField('os-update_readonly_flag', c.args, "'readonly' is a required property");
        const readonly = parseBool(c.args.readonly, 'readonly');
        if (v.status === 'maintenance') throw invalidVolume('The volume cannot be updated during maintenance.');
        await putDict(trx, 'volume_admin_metadata', v.id, { readonly: readonly ? 'True' : 'False' });
      }),
  },
  'os-reserve': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const allowed = allowedFrom('reserve', v);
        if (!allowed.includes(v.status))
          throw invalidVolume(
            `Volume status must be ${allowed.join(' or ')} to reserve, but the status is ${v.status}.`,
          );
        await setVolumeStatus(trx, v.id, 'attaching');
      }),
  },
  'os-unreserve': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        if (v.status !== 'attaching') return;
        const attached = await trx
          .selectFrom('volume_attachments')
          .select('id')
          .where('volume_id', '=', v.id)
          .where('attach_status', '=', 'attached')
          .executeTakeFirst();
        await setVolumeStatus(trx, v.id, attached ? 'in-use' : 'available');
      }),
  },
  'os-attach': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const mountpoint = optString(c.args, 'mountpoint');
        if (!mountpoint) throw invalidField('os-attach', c.args, "'mountpoint' is a required property");
        const instanceUuid = optUuid(c.args, 'instance_uuid') ?? null;
        const hostName = optString(c.args, 'host_name') ?? null;
        if (!instanceUuid && !hostName)
          throw invalidField(
            'os-attach',
            c.args,
            `${JSON.stringify(c.args)} is not valid under any of the given schemas`,
          );
        if (v.status === 'maintenance') throw invalidVolume('The volume cannot be attached in maintenance mode.');
        const ok =
          ['available', 'attaching', 'reserved'].includes(v.status) || (v.multiattach === 1 && v.status === 'in-use');
        if (!ok)
          throw new BadRequest(
            `Error attaching volume - InvalidVolume: Invalid volume: Volume ${v.id} status must be available or attaching to attach, but current status is: ${v.status}.`,
          );
        const a = await reserveAttachment(
          trx,
          { ...v, status: v.status === 'attaching' ? 'available' : v.status },
          { instanceUuid, mode: optString(c.args, 'mode') ?? 'rw' },
        );
        await completeAttachment(trx, v, a, { mountpoint, hostName, mode: optString(c.args, 'mode') ?? 'rw' });
      }),
  },
  'os-detach': {
    rule: 'member',
    status: 202,
    run: (c) => detach(c, optString(c.args ?? {}, 'attachment_id') ?? undefined),
  },
  'os-force_detach': {
    rule: 'admin',
    status: 202,
    run: (c) => detach(c, optString(c.args ?? {}, 'attachment_id') ?? undefined),
  },
  'os-begin_detaching': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        checkTransition('begin_detaching', v);
        await setVolumeStatus(trx, v.id, 'detaching');
      }),
  },
  'os-roll_detaching': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        if (v.status === 'detaching') await setVolumeStatus(trx, v.id, 'in-use');
      }),
  },
  'os-initialize_connection': {
    rule: 'member',
    status: 200,
    run: (c) =>
      onVolume(c, async (_trx, v) => {
        if (!c.args || typeof c.args.connector !== 'object' || c.args.connector === null)
          throw invalidField('os-initialize_connection', c.args, "'connector' is a required property");
        if (v.status === 'maintenance')
          throw invalidVolume('The volume connection cannot be initialized in maintenance mode.');
        return { connection_info: connectionInfo(c.cloud, v.id, 'rw', c.args.connector as Record<string, unknown>) };
      }),
  },
  'os-terminate_connection': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async () => {
        if (!c.args || c.args.connector === undefined)
          throw invalidField('os-terminate_connection', c.args, "'connector' is a required property");
      }),
  },
  'os-reset_status': {
    rule: 'admin',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const status = optString(c.args, 'status')?.toLowerCase();
        const attachStatus = optString(c.args, 'attach_status')?.toLowerCase();
        const migration = optString(c.args, 'migration_status')?.toLowerCase();
        if (!status && !attachStatus && !migration)
          throw invalidInput("Must specify 'status', 'attach_status' or 'migration_status' for update.");
        if (status && !VOLUME_STATUSES.includes(status))
          throw invalidField(
            'os-reset_status/status',
            status,
            `Volume status must be one of ${VOLUME_STATUSES.join(', ')}`,
          );
        if (status === 'deleting') throw new BadRequest(`Cannot reset-state to ${status}`);
        const attachments = await trx
          .selectFrom('volume_attachments')
          .select('id')
          .where('volume_id', '=', v.id)
          .execute();
        if (status === 'in-use' && attachments.length === 0)
          throw new BadRequest('Cannot reset-state to in-use because volume does not have any attachments.');
        const set: Record<string, unknown> = { updated_at: now() };
        if (status) set.status = status;
        if (migration) set.migration_status = migration === 'none' ? null : migration;
        await trx.updateTable('volumes').set(set).where('id', '=', v.id).execute();
        if (attachStatus === 'detached')
          await trx.deleteFrom('volume_attachments').where('volume_id', '=', v.id).execute();
      }),
  },
  'os-force_delete': {
    rule: 'admin',
    status: 202,
    run: (c) => deleteVolume(c.cloud, c.caller, c.id, { force: true }),
  },
  revert: {
    rule: 'member',
    status: 202,
    run: async (c) => {
      if (!c.req.microversion.atLeast('3.40')) throw new BadRequest('There is no such action: revert');
      const snapshotId = optString(c.args, 'snapshot_id');
      if (!snapshotId) throw invalidField('revert', c.args, "'snapshot_id' is a required property");
      await revertToSnapshot(c.cloud, c.caller, c.id, snapshotId);
    },
  },
  'os-retype': {
    rule: 'member',
    status: 202,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const newType = optString(c.args, 'new_type');
        if (!newType) throw invalidField('os-retype', c.args, "'new_type' is a required property");
        const policy = optString(c.args, 'migration_policy') ?? 'never';
        if (policy !== 'never' && policy !== 'on-demand') throw invalidInput(`Invalid migration_policy: ${policy}`);
        const t = await getType(trx, newType).catch(() => {
          throw invalidInput(`Invalid volume_type passed: ${newType}.`);
        });
        if (t.id === v.volume_type_id || !['available', 'in-use'].includes(v.status))
          throw invalidVolume(
            `Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, but current status is: ${v.status}.`,
          );
        await checkQuota(trx, v.project_id, { resource: 'volumes', typeName: t.name, count: 1, gigabytes: v.size });
        // every type lives on the one backend: retyping moves no data
        await trx
          .updateTable('volumes')
          .set({ volume_type_id: t.id, updated_at: now() })
          .where('id', '=', v.id)
          .execute();
        await trx.updateTable('volume_snapshots').set({ volume_type_id: t.id }).where('volume_id', '=', v.id).execute();
      }),
  },
  'os-set_image_metadata': {
    rule: 'member',
    status: 200,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const md = metadataDict(c.args?.metadata, 'metadata');
        await putDict(trx, 'volume_image_metadata', v.id, md);
        return { metadata: await imageMetadataOf(trx, v.id) };
      }),
  },
  'os-unset_image_metadata': {
    rule: 'member',
    status: 200,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        const key = optString(c.args, 'key');
        if (!key) throw invalidField('os-unset_image_metadata', c.args, "'key' is a required property");
        const res = await trx
          .deleteFrom('volume_image_metadata')
          .where('volume_id', '=', v.id)
          .where('key', '=', key)
          .executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw new NotFound(`Glance metadata for volume ${v.id} cannot be found.`);
      }),
  },
  'os-show_image_metadata': {
    rule: 'member',
    status: 200,
    run: (c) =>
      onVolume(c, async (trx, v) => {
        return { metadata: await imageMetadataOf(trx, v.id) };
      }),
  },
  'os-volume_upload_image': {
    rule: 'member',
    status: 202,
    run: async (c) => {
      const imageName = optString(c.args, 'image_name');
      if (!imageName) throw invalidField('os-volume_upload_image', c.args, "'image_name' is a required property");
      const v31 = c.req.microversion.atLeast('3.1');
      const visibility = v31 ? (optString(c.args, 'visibility') ?? 'private') : undefined;
      if (visibility && !['public', 'private', 'shared', 'community'].includes(visibility))
        throw invalidField(
          'visibility',
          visibility,
          `'${visibility}' is not one of ['public', 'private', 'shared', 'community']`,
        );
      if (visibility === 'public') authorize(c.caller, 'admin', 'volume_extension:volume_actions:upload_public');
      const out = await uploadToImage(c.cloud, c.caller, c.id, {
        imageName,
        diskFormat: optString(c.args, 'disk_format') ?? 'raw',
        containerFormat: optString(c.args, 'container_format') ?? 'bare',
        visibility: visibility as 'private' | undefined,
        protected: v31
          ? c.args.protected === undefined
            ? false
            : parseBool(c.args.protected, 'protected')
          : undefined,
      });
      return { 'os-volume_upload_image': out };
    },
  },
  'os-reimage': {
    rule: 'member',
    status: 202,
    run: async () => {
      throw new NotImplemented('pocketstack does not re-image volumes (os-reimage, 3.68) yet.');
    },
  },
  'os-migrate_volume': {
    rule: 'admin',
    status: 202,
    run: async () => {
      throw new NotImplemented('pocketstack has one storage backend: there is nowhere to migrate a volume to.');
    },
  },
};

async function detach(c: ActionCtx, attachmentId: string | undefined): Promise<void> {
  await onVolume(c, async (trx, v) => {
    if (v.status === 'maintenance') throw invalidVolume('The volume cannot be detached in maintenance mode.');
    const all = await trx.selectFrom('volume_attachments').selectAll().where('volume_id', '=', v.id).execute();
    let target = attachmentId ? all.find((a) => a.id === attachmentId) : undefined;
    if (!attachmentId) {
      if (all.length > 1)
        throw new BadRequest(
          'Error detaching volume - InvalidVolume: Invalid volume: Detach volume failed: More than one attachment, but no attachment_id provided.',
        );
      target = all[0];
    }
    if (!target) {
      // Cinder's manager: no attachment and none named means "not attached": it is made available
      if (!attachmentId) {
        await setVolumeStatus(trx, v.id, 'available');
        return;
      }
      throw new BadRequest(
        `Error detaching volume - VolumeAttachmentNotFound: Volume attachment could not be found with filter: attachment_id = ${attachmentId ?? 'None'}, volume_id = ${v.id}.`,
      );
    }
    await removeAttachment(trx, v, target.id);
  });
}

/** POST /volumes/{id}/action: one action per body, dispatched by its key. */
export async function volumeActionRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/volumes/:id/action', async (req, reply) => {
    const caller = callerOf(req);
    const body = req.body as Obj | undefined;
    const name = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    // own keys only: a body named `__proto__` or `constructor` is no action
    const action = name && Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!name || !action) throw new BadRequest(`There is no such action: ${name ?? 'None'}`);
    authorize(caller, action.rule, `volume_extension:volume_actions:${name.replace(/^os-/, '')}`);
    const raw = body![name];
    const args = (raw && typeof raw === 'object' ? raw : {}) as Obj;
    const out = await action.run({ cloud, caller, id: (req.params as { id: string }).id, args, req, reply });
    reply.code(action.status);
    return out ?? '';
  });
}
