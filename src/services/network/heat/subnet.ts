import type { Props } from '../../orchestration/engine/plugin.js';
import { constrained, findId, neutronResource, prepare, valueSpecs } from './common.js';

// OS::Neutron::Subnet: a subnet of a network (by name or id).

const pool = {
  type: 'list' as const,
  description: 'The start and end addresses for the allocation pools.',
  updateAllowed: true,
  items: {
    type: 'map' as const,
    entries: {
      start: { type: 'string' as const, description: 'Start address for the allocation pool.', required: true },
      end: { type: 'string' as const, description: 'End address for the allocation pool.', required: true },
    },
  },
};

const routes = {
  type: 'list' as const,
  description: 'A list of host route dictionaries for the subnet.',
  updateAllowed: true,
  items: {
    type: 'map' as const,
    entries: {
      destination: { type: 'string' as const, description: 'The destination for static route.', required: true },
      nexthop: { type: 'string' as const, description: 'The next hop for the destination.', required: true },
    },
  },
};

function apiFields(props: Props, changed?: string[]) {
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'dns_nameservers', 'enable_dhcp', 'allocation_pools', 'host_routes']) {
    if (changed && !changed.includes(k)) continue;
    if (props[k] !== null && props[k] !== undefined) out[k] = props[k];
  }
  // '' (or null, ~) means "no gateway"; leaving it out lets Neutron pick the first address
  if (!changed || changed.includes('gateway_ip')) {
    if (props.gateway_ip === '') out.gateway_ip = null;
    else if (props.gateway_ip !== null && props.gateway_ip !== undefined) out.gateway_ip = props.gateway_ip;
  }
  return out;
}

export const subnet = neutronResource({
  type: 'OS::Neutron::Subnet',
  className: 'Subnet',
  description: 'A resource for managing Neutron subnets.',
  kind: 'subnet',
  version: '2014.1',
  properties: {
    network: constrained('network', 'The ID of the attached network.', { required: true }),
    cidr: { type: 'string', description: 'The CIDR.' },
    value_specs: valueSpecs,
    name: { type: 'string', description: 'The name of the subnet.', updateAllowed: true },
    ip_version: {
      type: 'integer',
      description: 'The IP version, which is 4 or 6.',
      default: 4,
      constraints: [{ kind: 'allowed_values', values: [4, 6] }],
    },
    dns_nameservers: {
      type: 'list',
      description: 'A specified set of DNS name servers to be used.',
      default: [],
      updateAllowed: true,
    },
    gateway_ip: {
      type: 'string',
      description:
        'The gateway IP address. Set to any of [ null | ~ | "" ] to create/update a subnet without a gateway. If omitted when creation, neutron will assign the first free IP address within the subnet to the gateway automatically.',
      updateAllowed: true,
    },
    enable_dhcp: {
      type: 'boolean',
      description: 'Set to true if DHCP is enabled and false if DHCP is disabled.',
      default: true,
      updateAllowed: true,
    },
    allocation_pools: pool,
    tenant_id: { type: 'string', description: 'The ID of the tenant who owns the network.' },
    host_routes: routes,
    ipv6_ra_mode: {
      type: 'string',
      description: 'IPv6 RA (Router Advertisement) mode.',
      constraints: [{ kind: 'allowed_values', values: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'] }],
    },
    ipv6_address_mode: {
      type: 'string',
      description: 'IPv6 address mode.',
      constraints: [{ kind: 'allowed_values', values: ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'] }],
    },
  },
  attributes: {
    name: { description: 'Friendly name of the subnet.', type: 'string' },
    network_id: { description: 'Parent network of the subnet.', type: 'string' },
    tenant_id: { description: 'Tenant owning the subnet.', type: 'string' },
    allocation_pools: { description: 'Ip allocation pools and their ranges.', type: 'list' },
    gateway_ip: { description: "Ip of the subnet's gateway.", type: 'string' },
    host_routes: { description: 'Additional routes for this subnet.', type: 'list' },
    ip_version: { description: 'Ip version for the subnet.', type: 'string' },
    cidr: { description: 'CIDR block notation for this subnet.', type: 'string' },
    dns_nameservers: { description: 'List of dns nameservers.', type: 'list' },
    enable_dhcp: { description: "'true' if DHCP is enabled for this subnet; 'false' otherwise.", type: 'string' },
    segment_id: { description: 'The id of the segment this subnet is associated with.', type: 'string' },
  },
  async body(r, props) {
    const out: Record<string, unknown> = {
      ...prepare(r, { name: props.name, value_specs: props.value_specs }),
      ...apiFields(props),
      network_id: await findId(r.cloud, r.caller, 'network', props.network),
      ip_version: props.ip_version,
    };
    if (!out.name) out.name = r.physicalName();
    for (const k of ['cidr', 'ipv6_ra_mode', 'ipv6_address_mode']) if (props[k]) out[k] = props[k];
    if (props.tenant_id) out.project_id = props.tenant_id;
    return out;
  },
  async updateBody(_r, props, changed) {
    return { ...apiFields(props, changed), ...(changed.includes('value_specs') ? props.value_specs : {}) };
  },
});
