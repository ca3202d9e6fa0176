import { ApiError } from '../../../server/errors.js';
import { ResourceError, type ResourcePlugin } from '../../orchestration/engine/plugin.js';
import { createImage, deleteImage, getImage, importImage } from '../internal.js';

// OS::Glance::WebImage: an image Glance fetches from a URL (web-download
// import). A URL this host cannot reach fails the import, and so the
// resource, as Heat reports a Glance image that went back to queued.

const DISK = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const CONTAINER = ['ami', 'ari', 'aki', 'bare', 'ova', 'ovf', 'docker', 'compressed'];

const glanceError = (e: unknown) =>
  e instanceof ApiError ? new ResourceError(e.status === 404 ? 'HTTPNotFound' : `HTTP${e.type}`, e.message) : e;

export const webImage: ResourcePlugin = {
  type: 'OS::Glance::WebImage',
  className: 'GlanceWebImage',
  description: 'A resource managing images in Glance using web-download import.',
  supportStatus: { status: 'SUPPORTED', version: '12.0.0' },
  properties: {
    name: {
      type: 'string',
      description: 'Name for the image. The name of an image is not unique to a Image Service node.',
    },
    id: { type: 'string', description: 'The image ID. Glance will generate a UUID if not specified.' },
    location: { type: 'string', description: 'URL where the data for this image already resides.', required: true },
    disk_format: {
      type: 'string',
      description: 'Disk format of image.',
      required: true,
      constraints: [{ kind: 'allowed_values', values: DISK }],
    },
    container_format: {
      type: 'string',
      description: 'Container format of image.',
      required: true,
      constraints: [{ kind: 'allowed_values', values: CONTAINER }],
    },
    min_disk: {
      type: 'integer',
      description: 'Amount of disk space (in GB) required to boot image.',
      default: 0,
      constraints: [{ kind: 'range', min: 0 }],
    },
    min_ram: {
      type: 'integer',
      description: 'Amount of ram (in MB) required to boot image.',
      default: 0,
      constraints: [{ kind: 'range', min: 0 }],
    },
    visibility: {
      type: 'string',
      description: 'Scope of image accessibility.',
      default: 'private',
      constraints: [{ kind: 'allowed_values', values: ['public', 'private', 'community', 'shared'] }],
    },
    protected: { type: 'boolean', description: 'Whether the image can be deleted.', default: false },
    tags: { type: 'list', description: 'List of image tags.', default: [] },
    architecture: { type: 'string', description: 'Operating system architecture.' },
    os_distro: { type: 'string', description: 'The common name of the operating system distribution in lowercase.' },
    os_version: { type: 'string', description: 'Operating system version as specified by the distributor.' },
    kernel_id: { type: 'string', description: 'ID of image stored in Glance that should be used as the kernel.' },
    ramdisk_id: { type: 'string', description: 'ID of image stored in Glance that should be used as the ramdisk.' },
    extra_properties: { type: 'map', description: 'Arbitrary properties to associate with the image.', default: {} },
  },
  attributes: {},
  async create(r) {
    const p = r.props;
    const properties: Record<string, unknown> = { ...(p.extra_properties ?? {}) };
    for (const k of ['architecture', 'os_distro', 'os_version', 'kernel_id', 'ramdisk_id'])
      if (p[k]) properties[k] = p[k];
    try {
      const image = await createImage(r.cloud, r.caller, {
        id: p.id ?? undefined,
        name: p.name ?? r.physicalName(),
        disk_format: p.disk_format,
        container_format: p.container_format,
        min_disk: p.min_disk,
        min_ram: p.min_ram,
        visibility: p.visibility,
        protected: p.protected,
        tags: p.tags,
        properties,
      });
      await r.setPhysicalId(image.id);
      await importImage(r.cloud, r.caller, image.id, { method: { name: 'web-download', uri: p.location } });
    } catch (e) {
      throw glanceError(e);
    }
    for (;;) {
      const image = await getImage(r.cloud, r.caller, r.physicalId!);
      if (image.status === 'active') return;
      if (image.status === 'queued' && image.properties.os_glance_failed_import)
        throw new ResourceError(
          'ResourceInError',
          `Went to status queued due to "web-download of ${p.location} failed"`,
        );
      if (image.status === 'killed' || image.status === 'deleted')
        throw new ResourceError('ResourceInError', `Went to status ${image.status} due to "Unknown"`);
      await r.sleep(200);
    }
  },
  async delete(r) {
    if (!r.physicalId) return;
    await deleteImage(r.cloud, r.caller, r.physicalId).catch((e) => {
      if (!(e instanceof ApiError && e.status === 404)) throw glanceError(e);
    });
  },
  async attribute(r, name) {
    if (name !== 'show' || !r.physicalId) return undefined;
    return getImage(r.cloud, r.caller, r.physicalId).catch(() => null);
  },
};
