import type { Props, ResourceContext } from '../../orchestration/engine/plugin.js';
import * as neutron from '../internal.js';
import { adminStateUp, constrained, findId, neutronResource, prepare, subnetsOn, valueSpecs } from './common.js';

// OS::Neutron::Port: a port on a network, with fixed IPs and security groups
// (names or ids).

const MAPPED = ['network', 'fixed_ips', 'security_groups', 'no_fixed_ips', 'value_specs'];

async function apiBody(r: ResourceContext, props: Props, changed?: string[]) {
  const want = (k: string) => !changed || changed.includes(k);
  const plain = Object.fromEntries(Object.entries(props).filter(([k]) => !MAPPED.includes(k) && want(k)));
  const body: Record<string, unknown> = changed ? { ...plain } : prepare(r, plain);
  if (want('fixed_ips') || want('no_fixed_ips')) {
    if (props.no_fixed_ips) body.fixed_ips = [];
    else if (props.fixed_ips) {
      body.fixed_ips = await Promise.all(
        (props.fixed_ips as Props[]).map(async (ip) => {
          const out: Record<string, unknown> = {};
          const subnet = ip.subnet ?? ip.subnet_id;
          if (subnet) out.subnet_id = await findId(r.cloud, r.caller, 'subnet', subnet);
          if (ip.ip_address) out.ip_address = ip.ip_address;
          return out;
        }),
      );
    }
  }
  if (want('security_groups') && props.security_groups)
    body.security_groups = await Promise.all(
      (props.security_groups as string[]).map((g) => findId(r.cloud, r.caller, 'security_group', g)),
    );
  if (changed?.includes('value_specs')) Object.assign(body, props.value_specs);
  return body;
}

const base = neutronResource({
  type: 'OS::Neutron::Port',
  className: 'Port',
  description: 'A resource for managing Neutron ports.',
  kind: 'port',
  version: '2014.1',
  properties: {
    network: constrained('network', 'Network this port belongs to.', { required: true }),
    name: { type: 'string', description: 'A symbolic name for this port.', updateAllowed: true },
    value_specs: valueSpecs,
    admin_state_up: adminStateUp('port'),
    fixed_ips: {
      type: 'list',
      description: 'Desired IPs for this port.',
      updateAllowed: true,
      items: {
        type: 'map',
        entries: {
          subnet_id: {
            type: 'string',
            description: 'Subnet in which to allocate the IP address for this port (deprecated: use subnet).',
          },
          subnet: constrained('subnet', 'Subnet in which to allocate the IP address for this port.'),
          ip_address: { type: 'string', description: 'IP address desired in the subnet for this port.' },
        },
      },
    },
    no_fixed_ips: {
      type: 'boolean',
      description: 'Flag to disable all fixed IP addresses on the port.',
      default: false,
      updateAllowed: true,
    },
    security_groups: {
      type: 'list',
      description: 'Security group IDs or names to associate with this port.',
      updateAllowed: true,
    },
    device_id: { type: 'string', description: 'Device ID of this port.', updateAllowed: true },
    device_owner: { type: 'string', description: 'Name of the network owning the port.', updateAllowed: true },
    mac_address: { type: 'string', description: 'MAC address to give to this port.' },
    allowed_address_pairs: {
      type: 'list',
      description: 'Additional MAC/IP address pairs allowed to pass through the port.',
      updateAllowed: true,
      items: {
        type: 'map',
        entries: {
          mac_address: { type: 'string', description: 'MAC address to allow through this port.' },
          ip_address: { type: 'string', description: 'IP address to allow through this port.', required: true },
        },
      },
    },
    'binding:vnic_type': {
      type: 'string',
      description: 'The vnic type to be bound on the neutron port.',
      updateAllowed: true,
      constraints: [
        { kind: 'allowed_values', values: ['normal', 'direct', 'macvtap', 'direct-physical', 'baremetal'] },
      ],
    },
    port_security_enabled: {
      type: 'boolean',
      description: 'Flag to enable/disable port security on the port.',
      updateAllowed: true,
    },
    dns_name: { type: 'string', description: 'DNS name associated with the port.', updateAllowed: true },
  },
  attributes: {
    admin_state_up: { description: 'The administrative state of this port.', type: 'string' },
    device_id: { description: 'Unique identifier for the device.', type: 'string' },
    device_owner: { description: 'Name of the network owning the port.', type: 'string' },
    fixed_ips: { description: 'Fixed IP addresses.', type: 'list' },
    mac_address: { description: 'MAC address of the port.', type: 'string' },
    name: { description: 'Friendly name of the port.', type: 'string' },
    network_id: { description: 'Unique identifier for the network owning the port.', type: 'string' },
    security_groups: { description: 'A list of security groups for the port.', type: 'list' },
    status: { description: 'The status of the port.', type: 'string' },
    tenant_id: { description: 'Tenant owning the port.', type: 'string' },
    allowed_address_pairs: {
      description: 'Additional MAC/IP address pairs allowed to pass through a port.',
      type: 'list',
    },
    subnets: { description: 'Subnets of this network.', type: 'list' },
    port_security_enabled: { description: 'Port security enabled of the port.', type: 'boolean' },
    qos_policy_id: { description: 'The QoS policy ID attached to this port.', type: 'string' },
    dns_assignment: { description: 'The DNS assigned to this port.', type: 'map' },
    network: { description: 'The attributes of the network owning the port.', type: 'map' },
  },
  async body(r, props) {
    return { ...(await apiBody(r, props)), network_id: await findId(r.cloud, r.caller, 'network', props.network) };
  },
  updateBody: (r, props, changed) => apiBody(r, props, changed),
  implicitDeps(defn, others, resolve) {
    // a port waits for the subnets of its network (Heat's Port.add_dependencies)
    return subnetsOn([resolve((defn.properties as Props)?.network)], others, resolve);
  },
});

export const port = {
  ...base,
  async attribute(r: ResourceContext, name: string) {
    if ((name !== 'subnets' && name !== 'network') || !r.physicalId) return base.attribute!(r, name);
    const view = await neutron.showResource(r.cloud, r.caller, 'port', r.physicalId).catch(() => undefined);
    if (!view) return null;
    if (name === 'network') return neutron.showResource(r.cloud, r.caller, 'network', view.network_id as string);
    const ids = [...new Set((view.fixed_ips as { subnet_id: string }[]).map((i) => i.subnet_id))];
    return Promise.all(ids.map((id) => neutron.showResource(r.cloud, r.caller, 'subnet', id)));
  },
};
