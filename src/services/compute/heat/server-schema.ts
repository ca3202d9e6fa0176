import type { AttributeSchema, PropertySchema } from '../../orchestration/engine/plugin.js';

// OS::Nova::Server's properties and attributes, as Heat describes them.

export const constrained = (
  name: string,
  description: string,
  extra: Partial<PropertySchema> = {},
): PropertySchema => ({
  type: 'string',
  description,
  constraints: [{ kind: 'custom_constraint', name }],
  ...extra,
});

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

export const serverProperties: Record<string, PropertySchema> = {
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
};

export const serverAttributes: Record<string, AttributeSchema> = {
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
};
