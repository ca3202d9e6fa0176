import { isUuid } from '../../../server/ids.js';
import { findImage } from '../../image/heat/find.js';
import { findId, subnetsOn } from '../../network/heat/common.js';
import * as neutron from '../../network/internal.js';
import {
  type PropertySchema,
  type Props,
  type ResourceContext,
  ResourceError,
  type ResourcePlugin,
} from '../../orchestration/engine/plugin.js';
import { configText } from '../../orchestration/software-configs.js';
import { pyDumps } from '../../orchestration/template/pyjson.js';
import { findFlavor, NovaError, nova } from './nova.js';
import { serverAttribute, waitFor, waitGone } from './server-state.js';

// OS::Nova::Server: a server booted from an image or volumes, on networks or
// ports, with user data and metadata. A rename, metadata, a new flavor
// (resize) or image (rebuild) change it in place; other changes replace it.

const constrained = (name: string, description: string, extra: Partial<PropertySchema> = {}): PropertySchema => ({
  type: 'string',
  description,
  constraints: [{ kind: 'custom_constraint', name }],
  ...extra,
});

async function flavorId(r: ResourceContext, nameOrId: string): Promise<string> {
  const f = await findFlavor(r.cloud, r.caller, nameOrId);
  if (!f) throw new ResourceError('NotFound', `The Flavor (${nameOrId}) could not be found.`);
  return f.id;
}

/** user_data as Nova takes it (base64): a software config's text when it names one (RAW, SOFTWARE_CONFIG). */
async function userData(r: ResourceContext, p: Props): Promise<string | undefined> {
  let text: string = p.user_data ?? '';
  if (p.user_data_format !== 'HEAT_CFNTOOLS' && isUuid(text))
    text = (await configText(r.cloud, r.stack.project_id, text)) ?? text;
  return text ? Buffer.from(text).toString('base64') : undefined;
}

async function nics(r: ResourceContext, networks: Props[] | null) {
  if (!networks?.length) return 'auto';
  return Promise.all(
    networks.map(async (n) => {
      if (n.port) return { port: await findId(r.cloud, r.caller, 'port', n.port) };
      const net = n.network ?? n.uuid;
      if (!net)
        throw new ResourceError(
          'StackValidationFailed',
          'One of the properties "network", "port" should be set for the specified network of server.',
        );
      return { uuid: await findId(r.cloud, r.caller, 'network', net), ...(n.fixed_ip ? { fixed_ip: n.fixed_ip } : {}) };
    }),
  );
}

function metadata(meta: Props | null): Record<string, string> {
  return Object.fromEntries(Object.entries(meta ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : pyDumps(v)]));
}

async function bdmV2(r: ResourceContext, list: Props[] | null) {
  if (!list?.length) return undefined;
  return Promise.all(
    list.map(async (d) => {
      const out: Record<string, unknown> = { boot_index: d.boot_index ?? (d.image || d.volume_id ? 0 : -1) };
      if (d.volume_id) Object.assign(out, { source_type: 'volume', uuid: d.volume_id, destination_type: 'volume' });
      else if (d.snapshot_id)
        Object.assign(out, { source_type: 'snapshot', uuid: d.snapshot_id, destination_type: 'volume' });
      else if (d.image) {
        const image = (await findImage(r.cloud, r.caller, d.image)).id;
        Object.assign(out, { source_type: 'image', uuid: image, destination_type: d.volume_size ? 'volume' : 'local' });
      } else if (d.swap_size)
        Object.assign(out, {
          source_type: 'blank',
          destination_type: 'local',
          guest_format: 'swap',
          volume_size: d.swap_size,
        });
      else if (d.ephemeral_size)
        Object.assign(out, { source_type: 'blank', destination_type: 'local', volume_size: d.ephemeral_size });
      for (const k of ['volume_size', 'device_name', 'disk_bus', 'device_type', 'delete_on_termination'])
        if (d[k] !== null && d[k] !== undefined && out[k] === undefined) out[k] = d[k];
      return out;
    }),
  );
}

const network: PropertySchema = {
  type: 'map',
  entries: {
    uuid: { type: 'string', description: 'ID of network to create a port on (deprecated: use network).' },
    network: constrained('neutron.network', 'Name or ID of network to create a port on.'),
    fixed_ip: {
      type: 'string',
      description: 'Fixed IP address to specify for the port created on the requested network.',
    },
    port: constrained('neutron.port', 'ID of an existing port to associate with this server.'),
    subnet: constrained('neutron.subnet', 'Subnet in which to allocate the IP address for port.'),
    floating_ip: { type: 'string', description: 'ID of the floating IP to associate.' },
    tag: { type: 'string', description: 'Port tag.' },
  },
};

const bdm: PropertySchema = {
  type: 'map',
  entries: {
    device_name: {
      type: 'string',
      description: 'A device name where the volume will be attached in the system at /dev/device_name.',
    },
    volume_id: constrained('cinder.volume', 'The volume_id can be boot or non-boot device to the server.'),
    image: constrained('glance.image', 'The ID or name of the image to create a volume from.'),
    snapshot_id: { type: 'string', description: 'The ID of the snapshot to create a volume from.' },
    swap_size: { type: 'integer', description: 'The size of the swap, in MB.' },
    ephemeral_size: { type: 'integer', description: 'The size of the local ephemeral block device, in GB.' },
    ephemeral_format: { type: 'string', description: 'The format of the local ephemeral block device.' },
    disk_bus: { type: 'string', description: 'Bus of the device.' },
    device_type: { type: 'string', description: 'Device type.' },
    volume_size: { type: 'integer', description: 'Size of the block device in GB.' },
    boot_index: { type: 'integer', description: 'Integer used for ordering the boot disks.' },
    delete_on_termination: {
      type: 'boolean',
      description: 'Indicate whether the volume should be deleted when the server is terminated.',
    },
  },
};

export const server: ResourcePlugin = {
  type: 'OS::Nova::Server',
  className: 'Server',
  description: 'A resource for managing Nova instances.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    name: { type: 'string', description: 'Server name.', updateAllowed: true },
    image: constrained('glance.image', 'The ID or name of the image to boot with.', { updateAllowed: true }),
    block_device_mapping_v2: { type: 'list', description: 'Block device mappings v2 for this server.', items: bdm },
    flavor: constrained('nova.flavor', 'The ID or name of the flavor to boot onto.', {
      required: true,
      updateAllowed: true,
    }),
    flavor_update_policy: {
      type: 'string',
      description:
        'Policy on how to apply a flavor update; either by requesting a server resize or by replacing the entire server.',
      default: 'RESIZE',
      updateAllowed: true,
      constraints: [{ kind: 'allowed_values', values: ['RESIZE', 'REPLACE'] }],
    },
    image_update_policy: {
      type: 'string',
      description:
        'Policy on how to apply an image-id update; either by requesting a server rebuild or by replacing the entire server.',
      default: 'REBUILD',
      updateAllowed: true,
      constraints: [{ kind: 'allowed_values', values: ['REBUILD', 'REPLACE', 'REBUILD_PRESERVE_EPHEMERAL'] }],
    },
    key_name: constrained('nova.keypair', 'Name of keypair to inject into the server.'),
    availability_zone: { type: 'string', description: 'Name of the availability zone for server placement.' },
    security_groups: { type: 'list', description: 'List of security group names or IDs.', default: [] },
    networks: {
      type: 'list',
      description:
        'An ordered list of nics to be added to this server, with information about connected networks, fixed ips, port etc.',
      items: network,
    },
    scheduler_hints: {
      type: 'map',
      description: 'Arbitrary key-value pairs specified by the client to help boot a server.',
    },
    metadata: {
      type: 'map',
      description: 'Arbitrary key/value metadata to store for this server.',
      updateAllowed: true,
    },
    user_data_format: {
      type: 'string',
      description: 'How the user_data should be formatted for the server.',
      default: 'HEAT_CFNTOOLS',
      constraints: [{ kind: 'allowed_values', values: ['HEAT_CFNTOOLS', 'RAW', 'SOFTWARE_CONFIG'] }],
    },
    software_config_transport: {
      type: 'string',
      description: 'How the server should receive the metadata required for software configuration.',
      default: 'POLL_SERVER_CFN',
      constraints: [
        { kind: 'allowed_values', values: ['POLL_SERVER_CFN', 'POLL_SERVER_HEAT', 'POLL_TEMP_URL', 'ZAQAR_MESSAGE'] },
      ],
    },
    user_data: { type: 'string', description: 'User data script to be executed by cloud-init.', default: '' },
    config_drive: { type: 'boolean', description: 'If True, enable config drive on the server.' },
    diskConfig: {
      type: 'string',
      description: 'Control how the disk is partitioned when the server is created.',
      constraints: [{ kind: 'allowed_values', values: ['AUTO', 'MANUAL'] }],
    },
    admin_pass: { type: 'string', description: 'The administrator password for the server.' },
    reservation_id: { type: 'string', description: 'A UUID for the set of servers being requested.' },
    tags: { type: 'list', description: 'Server tags.' },
  },
  attributes: {
    addresses: { description: 'A dict of all network addresses with corresponding port_id and subnets.', type: 'map' },
    networks: {
      description:
        'A dict of assigned network addresses of the form: {"public": [ip1, ip2...], "private": [ip3, ip4], "public_uuid": [ip1, ip2...], "private_uuid": [ip3, ip4]}.',
      type: 'map',
    },
    first_address: {
      description: 'Convenience attribute to fetch the first assigned network address.',
      type: 'string',
    },
    instance_name: { description: 'AWS compatible instance name.', type: 'string' },
    accessIPv4: { description: 'The manually assigned alternative public IPv4 address of the server.', type: 'string' },
    accessIPv6: { description: 'The manually assigned alternative public IPv6 address of the server.', type: 'string' },
    console_urls: { description: "URLs of server's consoles.", type: 'map' },
    name: { description: 'Name of the server.', type: 'string' },
    os_collect_config: {
      description: "The os-collect-config configuration for the server's local agent.",
      type: 'map',
    },
    tags: { description: 'Tags from the server.', type: 'list' },
  },
  hiddenProperties: ['admin_pass'],
  implicitDeps(defn, others, resolve) {
    // a server waits for the subnets of the networks it is on (Heat's Server.add_dependencies)
    const nets = ((resolve((defn.properties as Props)?.networks) as Props[] | null) ?? []).map(
      (n) => n?.network ?? n?.uuid,
    );
    return subnetsOn(nets, others, resolve);
  },
  async create(r) {
    const p = r.props;
    const body: Record<string, unknown> = {
      name: p.name ?? r.physicalName(),
      flavorRef: await flavorId(r, p.flavor),
      networks: await nics(r, p.networks),
      metadata: metadata(p.metadata),
    };
    if (p.image) body.imageRef = (await findImage(r.cloud, r.caller, p.image)).id;
    const bdms = await bdmV2(r, p.block_device_mapping_v2);
    if (bdms) body.block_device_mapping_v2 = bdms;
    if (p.key_name) body.key_name = p.key_name;
    if (p.availability_zone) body.availability_zone = p.availability_zone;
    if (p.security_groups?.length) body.security_groups = p.security_groups.map((name: string) => ({ name }));
    const ud = await userData(r, p);
    if (ud) body.user_data = ud;
    if (p.config_drive !== null) body.config_drive = p.config_drive;
    if (p.diskConfig) body['OS-DCF:diskConfig'] = p.diskConfig;
    if (p.admin_pass) body.adminPass = p.admin_pass;
    if (p.tags?.length) body.tags = p.tags;
    const hints = p.scheduler_hints ? { 'os:scheduler_hints': p.scheduler_hints } : {};
    const created = await nova(r.cloud, r.caller, 'POST', '/servers', { server: body, ...hints });
    await r.setPhysicalId(created.server.id);
    await waitFor(r, ['ACTIVE']);
    for (const n of (p.networks ?? []) as Props[]) {
      if (!n.floating_ip) continue;
      const ports = await neutron.serverPorts(r.cloud, r.physicalId!);
      const port = n.port ? await findId(r.cloud, r.caller, 'port', n.port) : ports[0]?.id;
      if (port) await neutron.associateFloatingIp(r.cloud, r.caller, n.floating_ip, port);
    }
  },
  needsReplace(changed, after) {
    return (
      (changed.includes('flavor') && after.flavor_update_policy === 'REPLACE') ||
      (changed.includes('image') && after.image_update_policy === 'REPLACE')
    );
  },
  async update(r, _before, changed) {
    const id = r.physicalId!;
    if (changed.includes('name'))
      await nova(r.cloud, r.caller, 'PUT', `/servers/${id}`, { server: { name: r.props.name ?? r.physicalName() } });
    if (changed.includes('metadata'))
      await nova(r.cloud, r.caller, 'PUT', `/servers/${id}/metadata`, { metadata: metadata(r.props.metadata) });
    if (changed.includes('flavor')) {
      await nova(r.cloud, r.caller, 'POST', `/servers/${id}/action`, {
        resize: { flavorRef: await flavorId(r, r.props.flavor) },
      });
      await waitFor(r, ['VERIFY_RESIZE']);
      await nova(r.cloud, r.caller, 'POST', `/servers/${id}/action`, { confirmResize: null });
      await waitFor(r, ['ACTIVE']);
    }
    if (changed.includes('image')) {
      const imageRef = (await findImage(r.cloud, r.caller, r.props.image)).id;
      await nova(r.cloud, r.caller, 'POST', `/servers/${id}/action`, { rebuild: { imageRef } });
      await waitFor(r, ['ACTIVE']);
    }
  },
  async delete(r) {
    if (!r.physicalId) return;
    await nova(r.cloud, r.caller, 'DELETE', `/servers/${r.physicalId}`).catch((e) => {
      if (!(e instanceof NovaError && e.status === 404)) throw e;
    });
    await waitGone(r);
  },
  async suspend(r) {
    await nova(r.cloud, r.caller, 'POST', `/servers/${r.physicalId}/action`, { suspend: null });
    await waitFor(r, ['SUSPENDED']);
  },
  async resume(r) {
    await nova(r.cloud, r.caller, 'POST', `/servers/${r.physicalId}/action`, { resume: null });
    await waitFor(r, ['ACTIVE']);
  },
  async check(r) {
    const s = (await nova(r.cloud, r.caller, 'GET', `/servers/${r.physicalId}`)).server;
    if (s.status !== 'ACTIVE') throw new ResourceError('Error', `'status': expected '['ACTIVE']', got '${s.status}'`);
  },
  async snapshotDelete(r) {
    if (!r.physicalId) return;
    await nova(r.cloud, r.caller, 'POST', `/servers/${r.physicalId}/action`, {
      createImage: { name: `${r.physicalName()}-snapshot` },
    });
  },
  attribute: serverAttribute,
};
