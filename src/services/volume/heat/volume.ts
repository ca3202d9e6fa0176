import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { ApiError } from '../../../server/errors.js';
import { findImage } from '../../image/heat/find.js';
import { type ResourceContext, ResourceError, type ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { createVolume, deleteVolume, getVolume, type VolumeInfo } from '../internal.js';

// OS::Cinder::Volume: a volume (blank, or from an image, a snapshot or
// another volume), waited for until available; deleted and waited for.

/** Errors as cinderclient names them, with Cinder's message. */
function cinderError(e: unknown) {
  if (!(e instanceof ApiError) || e.status >= 500) return e;
  const name = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 413: 'OverLimit' }[e.status];
  return new ResourceError(name ?? 'ClientException', `${e.message} (HTTP ${e.status})`);
}

/** cinder.volume: the value is a volume of the caller's project. */
export async function volumeConstraint(value: unknown, ctx: { cloud: Cloud; caller: AuthContext }) {
  const v = await getVolume(ctx.cloud, String(value), ctx.caller.isAdmin ? undefined : ctx.caller.projectId);
  return v ? undefined : `The Volume (${value}) could not be found.`;
}

/**
 * Polls a volume until `done` holds; a volume gone or in an error status
 * (error, error_deleting, error_detaching...) before that fails the
 * resource as Heat reports it.
 */
export async function pollVolume(
  r: ResourceContext,
  id: string,
  done: (v: VolumeInfo | undefined) => boolean,
): Promise<void> {
  for (;;) {
    const v = await getVolume(r.cloud, id);
    if (done(v)) return;
    if (!v || v.status.startsWith('error'))
      throw new ResourceError('ResourceInError', `Went to status ${v?.status ?? 'deleted'} due to "Unknown"`);
    await r.sleep(50);
  }
}

export const volume: ResourcePlugin = {
  type: 'OS::Cinder::Volume',
  className: 'CinderVolume',
  description: 'A resource that implements Cinder volumes.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    size: { type: 'integer', description: 'The size of the volume in GB.', constraints: [{ kind: 'range', min: 1 }] },
    snapshot_id: { type: 'string', description: 'If specified, the snapshot to create the volume from.' },
    backup_id: { type: 'string', description: 'If specified, the backup to create the volume from.' },
    name: { type: 'string', description: 'A name used to distinguish the volume.' },
    description: { type: 'string', description: 'A description of the volume.' },
    volume_type: {
      type: 'string',
      description: 'If specified, the type of volume to use, mapping to a specific backend.',
    },
    metadata: { type: 'map', description: 'Key/value pairs to associate with the volume.', default: {} },
    image: {
      type: 'string',
      description: 'If specified, the name or ID of the image to create the volume from.',
      constraints: [{ kind: 'custom_constraint', name: 'glance.image' }],
    },
    source_volid: {
      type: 'string',
      description: 'If specified, the volume to use as source.',
      constraints: [{ kind: 'custom_constraint', name: 'cinder.volume' }],
    },
    availability_zone: { type: 'string', description: 'The availability zone in which the volume will be created.' },
  },
  attributes: {
    availability_zone: { description: 'The availability zone in which the volume is located.', type: 'string' },
    size: { description: 'The size of the volume in GB.', type: 'string' },
    display_name: { description: 'Name of the volume.', type: 'string' },
    status: { description: 'The current status of the volume.', type: 'string' },
    bootable: { description: 'Boolean indicating if the volume can be booted or not.', type: 'string' },
    attachments: { description: 'The list of attachments of the volume.', type: 'string' },
    attachments_list: { description: 'The list of attachments of the volume.', type: 'list' },
    multiattach: {
      description: 'Boolean indicating whether allow the volume to be attached more than once.',
      type: 'boolean',
    },
  },
  async create(r) {
    const p = r.props;
    const imageId = p.image ? (await findImage(r.cloud, r.caller, p.image)).id : undefined;
    try {
      const v = await createVolume(r.cloud, {
        auth: r.caller,
        size: p.size ?? undefined,
        name: p.name ?? r.physicalName(),
        description: p.description ?? undefined,
        volumeType: p.volume_type ?? undefined,
        availabilityZone: p.availability_zone ?? undefined,
        metadata: p.metadata ?? {},
        snapshotId: p.snapshot_id ?? undefined,
        sourceVolumeId: p.source_volid ?? undefined,
        imageId,
        backupId: p.backup_id ?? undefined,
      });
      await r.setPhysicalId(v.id);
    } catch (e) {
      throw cinderError(e);
    }
    await pollVolume(r, r.physicalId!, (v) => v?.status === 'available');
  },
  async delete(r) {
    if (!r.physicalId) return;
    await deleteVolume(r.cloud, r.physicalId, r.caller).catch((e) => {
      if (!(e instanceof ApiError && e.status === 404)) throw cinderError(e);
    });
    await pollVolume(r, r.physicalId, (v) => !v);
  },
  async check(r) {
    if (!r.physicalId || !(await getVolume(r.cloud, r.physicalId)))
      throw new ResourceError('NotFound', `Volume ${r.physicalId} could not be found. (HTTP 404)`);
  },
  async attribute(r, name) {
    if (!r.physicalId) return null;
    const v = await getVolume(r.cloud, r.physicalId);
    if (!v) return null;
    const attachments = v.attachments.map((a) => ({ id: a.attachmentId, server_id: a.serverId, device: a.device }));
    const values: Record<string, unknown> = {
      availability_zone: v.availabilityZone,
      size: v.size,
      display_name: v.name,
      status: v.status,
      bootable: v.bootable,
      attachments: JSON.stringify(attachments),
      attachments_list: attachments,
      multiattach: v.multiattach,
    };
    if (name === 'show') return { id: v.id, name: v.name, ...values, attachments };
    return name in values ? values[name] : undefined;
  },
};
