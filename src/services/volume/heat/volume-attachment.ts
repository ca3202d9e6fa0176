import { isGone, novaCall } from '../../compute/heat/nova.js';
import * as compute from '../../compute/internal.js';
import type { Props, ResourceContext, ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { pollVolume } from './volume.js';

// OS::Cinder::VolumeAttachment: a volume attached to a server, through
// Nova's os-volume_attachments (as Heat does it), waited for until Cinder
// shows it in-use; detached and waited for until it is free again.

async function attach(r: ResourceContext, p: Props): Promise<void> {
  const attachment = await novaCall(
    compute.attachVolume(r.cloud, r.caller, p.instance_uuid, {
      volumeId: p.volume_id,
      ...(p.mountpoint ? { device: p.mountpoint } : {}),
    }),
  );
  await r.setPhysicalId(attachment.id);
  await r.setData({ server: p.instance_uuid, volume: p.volume_id });
  await pollVolume(
    r,
    p.volume_id,
    (v) =>
      v?.status === 'in-use' && v.attachments.some((a) => a.serverId === p.instance_uuid && a.status === 'attached'),
  );
}

async function detach(r: ResourceContext, server: string, volume: string): Promise<void> {
  await novaCall(compute.detachVolume(r.cloud, r.caller, server, volume)).catch((e) => {
    if (!isGone(e)) throw e;
  });
  await pollVolume(r, volume, (v) => !v?.attachments.some((a) => a.serverId === server));
}

export const volumeAttachment: ResourcePlugin = {
  type: 'OS::Cinder::VolumeAttachment',
  className: 'CinderVolumeAttachment',
  description: 'Resource for associating volume to instance.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    instance_uuid: {
      type: 'string',
      description: 'The ID of the server to which the volume attaches.',
      required: true,
      updateAllowed: true,
    },
    volume_id: {
      type: 'string',
      description: 'The ID of the volume to be attached.',
      required: true,
      updateAllowed: true,
      constraints: [{ kind: 'custom_constraint', name: 'cinder.volume' }],
    },
    mountpoint: {
      type: 'string',
      description: 'The location where the volume is exposed on the instance.',
      updateAllowed: true,
    },
  },
  attributes: {},
  create: (r) => attach(r, r.props),
  async update(r, before) {
    await detach(r, before.instance_uuid, before.volume_id);
    await attach(r, r.props);
  },
  async delete(r) {
    if (!r.physicalId) return;
    await detach(r, r.data.server ?? r.props.instance_uuid, r.data.volume ?? r.props.volume_id);
  },
};
