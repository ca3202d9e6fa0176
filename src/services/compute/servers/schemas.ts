import type { Microversion } from '../../../server/microversion.js';
import { type Schema, types } from '../validation.js';

// Server request schemas per microversion (nova/api/openstack/compute/schemas/servers.py).

export const tag: Schema = { type: 'string', pattern: '^[^,/]*$', minLength: 1, maxLength: 60 };
const ipAddress: Schema = { type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] };
const diskConfig: Schema = { type: 'string', enum: ['AUTO', 'MANUAL'] };
const personality: Schema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { path: { type: 'string' }, contents: { type: 'string', format: 'base64' } },
    additionalProperties: false,
  },
};
const userData: Schema = { type: 'string', format: 'base64', maxLength: 65535 };

const bdmV2: Schema = {
  type: 'object',
  properties: {
    virtual_name: { type: 'string', maxLength: 255 },
    volume_id: types.uuid,
    snapshot_id: types.uuid,
    volume_size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 2147483647 },
    device_name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' },
    delete_on_termination: types.boolean,
    no_device: {},
    connection_info: { type: 'string' },
    source_type: { type: 'string', enum: ['volume', 'image', 'snapshot', 'blank'] },
    uuid: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' },
    image_id: types.uuid,
    destination_type: { type: 'string', enum: ['local', 'volume'] },
    guest_format: { type: 'string', maxLength: 255 },
    device_type: { type: 'string', maxLength: 255 },
    disk_bus: { type: 'string', maxLength: 255 },
    boot_index: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' },
    tag,
    volume_type: { type: ['string', 'null'], minLength: 0, maxLength: 255 },
  },
  additionalProperties: false,
};

const hints: Schema = {
  type: 'object',
  properties: {
    group: { oneOf: [{ type: 'array', items: types.uuid }, types.uuid] },
    different_host: { oneOf: [types.uuid, { type: 'array', items: types.uuid }] },
    same_host: { type: ['string', 'array'], items: types.uuid },
  },
  additionalProperties: true,
};

export function createSchema(mv: Microversion): Schema {
  const networkItem: Schema = {
    type: 'object',
    properties: {
      fixed_ip: ipAddress,
      port: { type: ['string', 'null'], format: 'uuid' },
      uuid: mv.atLeast('2.37') ? types.uuid : { type: 'string' },
      ...(mv.atLeast('2.32') ? { tag } : {}),
    },
    additionalProperties: false,
  };
  const networks: Schema = mv.atLeast('2.37')
    ? {
        oneOf: [
          { type: 'array', items: networkItem },
          { type: 'string', enum: ['none', 'auto'] },
        ],
      }
    : { type: 'array', items: networkItem };
  const props: Record<string, Schema> = {
    name: types.name,
    imageRef: {
      oneOf: [
        { type: 'string', format: 'uuid' },
        { type: 'string', maxLength: 0 },
      ],
    },
    flavorRef: { type: ['string', 'integer'], minLength: 1 },
    adminPass: { type: 'string' },
    metadata: types.metadata,
    networks,
    'OS-DCF:diskConfig': diskConfig,
    accessIPv4: { type: 'string', format: 'ipv4' },
    accessIPv6: { type: 'string', format: 'ipv6' },
    availability_zone: types.name,
    block_device_mapping: { type: 'array', items: bdmV2 },
    block_device_mapping_v2: { type: 'array', items: bdmV2 },
    config_drive: types.boolean,
    key_name: types.name,
    min_count: types.positiveInteger,
    max_count: types.positiveInteger,
    return_reservation_id: types.boolean,
    security_groups: {
      type: 'array',
      items: { type: 'object', properties: { name: types.name }, additionalProperties: false },
    },
    user_data: userData,
  };
  if (!mv.atLeast('2.57')) props.personality = personality;
  if (mv.atLeast('2.19')) props.description = types.description;
  if (mv.atLeast('2.52')) props.tags = { type: 'array', items: tag, maxItems: 50 };
  if (mv.atLeast('2.63')) props.trusted_image_certificates = { type: ['array', 'null'], items: { type: 'string' } };
  if (mv.atLeast('2.74')) {
    const fqdn: Schema = { type: 'string', pattern: '^[a-zA-Z0-9-._]*$', minLength: 1, maxLength: 255 };
    props.host = fqdn;
    props.hypervisor_hostname = fqdn;
  }
  if (mv.atLeast('2.90')) props.hostname = hostname;
  return {
    type: 'object',
    properties: {
      server: {
        type: 'object',
        properties: props,
        required: mv.atLeast('2.37') ? ['name', 'flavorRef', 'networks'] : ['name', 'flavorRef'],
        additionalProperties: false,
      },
      'os:scheduler_hints': hints,
      'OS-SCH-HNT:scheduler_hints': hints,
    },
    required: ['server'],
    additionalProperties: false,
  };
}

export function updateSchema(mv: Microversion): Schema {
  return {
    type: 'object',
    properties: {
      server: {
        type: 'object',
        properties: {
          name: types.name,
          'OS-DCF:diskConfig': diskConfig,
          accessIPv4: { type: 'string', format: 'ipv4' },
          accessIPv6: { type: 'string', format: 'ipv6' },
          ...(mv.atLeast('2.19') ? { description: types.description } : {}),
          ...(mv.atLeast('2.90') ? { hostname } : {}),
        },
        additionalProperties: false,
      },
    },
    required: ['server'],
    additionalProperties: false,
  };
}

/** 2.90: a hostname the user picks (RFC 952 letters, digits and inner hyphens). */
const hostname: Schema = {
  type: 'string',
  minLength: 2,
  maxLength: 63,
  pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$',
};

export function rebuildSchema(mv: Microversion): Schema {
  const props: Record<string, Schema> = {
    name: types.name,
    imageRef: types.uuid,
    adminPass: { type: 'string' },
    metadata: types.metadata,
    preserve_ephemeral: types.boolean,
    'OS-DCF:diskConfig': diskConfig,
    accessIPv4: { type: 'string', format: 'ipv4' },
    accessIPv6: { type: 'string', format: 'ipv6' },
  };
  if (!mv.atLeast('2.57')) props.personality = personality;
  if (mv.atLeast('2.19')) props.description = types.description;
  if (mv.atLeast('2.54'))
    props.key_name = { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] };
  if (mv.atLeast('2.57')) props.user_data = { ...userData, type: ['string', 'null'] };
  if (mv.atLeast('2.63')) props.trusted_image_certificates = { type: ['array', 'null'], items: { type: 'string' } };
  if (mv.atLeast('2.90')) props.hostname = hostname;
  return {
    type: 'object',
    properties: {
      rebuild: { type: 'object', properties: props, required: ['imageRef'], additionalProperties: false },
    },
    required: ['rebuild'],
    additionalProperties: false,
  };
}
