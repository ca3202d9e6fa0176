import { adminStateUp, neutronResource, prepare, valueSpecs } from './common.js';

// OS::Neutron::Net: a network.
export const net = neutronResource({
  type: 'OS::Neutron::Net',
  className: 'Net',
  description: 'A resource for managing Neutron net.',
  kind: 'network',
  version: '2014.1',
  properties: {
    name: {
      type: 'string',
      description: 'A string specifying a symbolic name for the network, which is not required to be unique.',
      updateAllowed: true,
    },
    value_specs: valueSpecs,
    admin_state_up: adminStateUp('network'),
    tenant_id: {
      type: 'string',
      description:
        'The ID of the tenant which will own the network. Only administrative users can set the tenant identifier.',
    },
    shared: {
      type: 'boolean',
      description: 'Whether this network should be shared across all tenants.',
      default: false,
      updateAllowed: true,
    },
    port_security_enabled: {
      type: 'boolean',
      description: 'Flag to enable/disable port security on the network.',
      updateAllowed: true,
    },
    dns_domain: { type: 'string', description: 'DNS domain associated with this network.', updateAllowed: true },
    availability_zone_hints: { type: 'list', description: 'Availability zone candidates for the network.' },
  },
  attributes: {
    status: { description: 'The status of the network.', type: 'string' },
    name: { description: 'The name of the network.', type: 'string' },
    subnets: { description: 'Subnets of this network.', type: 'list' },
    admin_state_up: { description: 'The administrative status of the network.', type: 'string' },
    tenant_id: { description: 'The tenant owning this network.', type: 'string' },
    port_security_enabled: { description: 'Port security enabled of the network.', type: 'boolean' },
    mtu: { description: 'The maximum transmission unit size(in bytes) for the network.', type: 'integer' },
    qos_policy_id: { description: 'The QoS policy ID attached to this network.', type: 'string' },
    l2_adjacency: { description: 'A boolean value for L2 adjacency.', type: 'boolean' },
    segments: { description: 'The segments of this network.', type: 'list' },
  },
  async body(r, props) {
    const { tenant_id, ...rest } = props;
    return prepare(r, { ...rest, project_id: tenant_id });
  },
  async updateBody(r, props, changed) {
    const body = prepare(r, props);
    return Object.fromEntries(
      Object.entries(body).filter(([k]) => changed.includes(k) || changed.includes('value_specs')),
    );
  },
});
