import type { Cloud } from '../../../../cloud.js';
import { links, type NovaReply, type NovaRequest } from '../../api.js';
import { getImageAs, startSnapshot } from '../../glance.js';
import type { Instance } from '../../servers/model.js';
import { checkAction, TaskState } from '../../states.js';
import { strictObject, types, validateBody, wrapped } from '../../validation.js';
import { type ActionHandler, startOperation } from './operation.js';

// Actions that make an image of a server's disk: createImage and
// createBackup (Nova's servers.py, create_backup.py); shelve makes one too.

/** What a snapshot keeps of its base image so that it boots the same way (Nova inherits the AMI's kernel and ramdisk). */
const BOOT_PROPERTIES = ['kernel_id', 'ramdisk_id', 'os_command_line'];

/** Starts the Glance image a snapshot of the server's disk fills (queued until the operation uploads it). */
export async function snapshotImage(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  name: string,
  properties: Record<string, unknown>,
) {
  const base = i.image_ref ? await getImageAs(cloud, req.auth, i.image_ref).catch(() => undefined) : undefined;
  const inherited = Object.fromEntries(
    BOOT_PROPERTIES.filter((k) => base?.properties[k] !== undefined).map((k) => [k, base?.properties[k]]),
  );
  return startSnapshot(cloud, req.auth, {
    name,
    min_disk: i.flavorInfo.root_gb,
    min_ram: 0,
    properties: { ...inherited, ...properties },
  });
}

/** The answer of createImage and createBackup: the image id in the body from 2.45, in Location before. */
function imageReply(req: NovaRequest, reply: NovaReply, imageId: string) {
  if (req.microversion.atLeast('2.45')) return reply.code(202).send({ image_id: imageId });
  reply.header('Location', `${links(req, 'images', imageId)[0].href}`);
  return reply.code(202).send();
}

export const IMAGE_ACTIONS: Record<string, ActionHandler> = {
  async createImage(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped('createImage', strictObject({ name: types.name, metadata: types.metadata }, ['name'])),
      body,
    );
    checkAction(i, 'createImage', req.auth.isAdmin, 'createImage');
    // Nova lets the request's metadata override its own properties
    const image = await snapshotImage(cloud, req, i, b.createImage.name.trim(), {
      image_type: 'snapshot',
      instance_uuid: i.uuid,
      base_image_ref: i.image_ref,
      user_id: req.auth.userId,
      ...(b.createImage.metadata ?? {}),
    });
    await startOperation(cloud, req, i, {
      rule: 'createImage',
      apiName: 'createImage',
      action: 'createImage',
      task: TaskState.IMAGE_SNAPSHOT,
      op: 'createImage',
      args: { imageId: image.id },
    });
    return imageReply(req, reply, image.id);
  },

  async createBackup(cloud, req, reply, i, body) {
    const b = validateBody(
      wrapped(
        'createBackup',
        strictObject(
          {
            name: types.name,
            backup_type: { type: 'string' },
            rotation: types.nonNegativeInteger,
            metadata: types.metadata,
          },
          ['name', 'backup_type', 'rotation'],
        ),
      ),
      body,
    ).createBackup;
    checkAction(i, 'createBackup', req.auth.isAdmin, 'createBackup');
    const image = await snapshotImage(cloud, req, i, b.name, {
      ...(b.metadata ?? {}),
      image_type: 'backup',
      backup_type: b.backup_type,
      instance_uuid: i.uuid,
      base_image_ref: i.image_ref,
      user_id: req.auth.userId,
    });
    await startOperation(cloud, req, i, {
      rule: 'createBackup',
      apiName: 'createBackup',
      action: 'createBackup',
      task: TaskState.IMAGE_BACKUP,
      op: 'createImage',
      args: { imageId: image.id, backupType: b.backup_type, rotation: Number(b.rotation) },
    });
    return imageReply(req, reply, image.id);
  },
};
