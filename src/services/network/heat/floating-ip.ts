import type { Props, ResourcePlugin } from '../../orchestration/engine/plugin.js';
import * as neutron from '../internal.js';
import { constrained, findId, neutronCall, neutronResource, prepare, valueSpecs } from './common.js';

// OS::Neutron::FloatingIP (an address on an external network, maybe on a
// port) and OS::Neutron::FloatingIPAssociation (puts one on a port).

export const floatingIp = neutronResource({
  type: 'OS::Neutron::FloatingIP',
  className: 'FloatingIP',
  description: 'A resource for managing Neutron floating ips.',
  kind: 'floatingip',
  version: '2014.1',
  properties: {
    floating_network: constrained('network', 'Network to allocate floating IP from.', { required: true }),
    value_specs: valueSpecs,
    port_id: constrained(
      'port',
      'ID of an existing port with at least one IP address to associate with this floating IP.',
      {
        updateAllowed: true,
      },
    ),
    fixed_ip_address: {
      type: 'string',
      description: 'IP address to use if the port has multiple addresses.',
      updateAllowed: true,
    },
    floating_ip_address: { type: 'string', description: 'IP address of the floating IP.' },
    floating_subnet: constrained('subnet', 'Subnet to allocate floating IP from.'),
    dns_name: { type: 'string', description: 'DNS name associated with floating ip.' },
    dns_domain: { type: 'string', description: 'DNS domain associated with floating ip.' },
  },
  attributes: {
    router_id: { description: 'ID of the router used as gateway, set when associated with a port.', type: 'string' },
    tenant_id: { description: 'The tenant owning this floating IP.', type: 'string' },
    floating_network_id: { description: 'ID of the network in which this IP is allocated.', type: 'string' },
    fixed_ip_address: { description: 'IP address of the associated port, if specified.', type: 'string' },
    floating_ip_address: { description: 'The allocated address of this IP.', type: 'string' },
    port_id: { description: 'ID of the port associated with this IP.', type: 'string' },
  },
  async body(r, props) {
    const body = prepare(r, { value_specs: props.value_specs }, false);
    body.floating_network_id = await findId(r.cloud, r.caller, 'network', props.floating_network);
    if (props.port_id) body.port_id = await findId(r.cloud, r.caller, 'port', props.port_id);
    if (props.floating_subnet) body.subnet_id = await findId(r.cloud, r.caller, 'subnet', props.floating_subnet);
    for (const k of ['fixed_ip_address', 'floating_ip_address', 'dns_name', 'dns_domain'])
      if (props[k]) body[k] = props[k];
    return body;
  },
  async updateBody(r, props) {
    return {
      port_id: props.port_id ? await findId(r.cloud, r.caller, 'port', props.port_id) : null,
      ...(props.fixed_ip_address ? { fixed_ip_address: props.fixed_ip_address } : {}),
    };
  },
  implicitDeps(defn, others, resolve) {
    // as Heat: wait for the routers that reach the floating network and the
    // router interfaces on the port's subnets
    const props = (defn.properties ?? {}) as Props;
    const external = resolve(props.floating_network);
    const port = others.find((o) => o.name === resolve(props.port_id) && o.type === 'OS::Neutron::Port');
    const portProps = (port?.properties ?? {}) as Props;
    const subnets = new Set(
      ((resolve(portProps.fixed_ips) as Props[] | null) ?? []).map((ip) => ip?.subnet ?? ip?.subnet_id),
    );
    const portNet = resolve(portProps.network);
    return others
      .filter((o) => {
        const p = (o.properties ?? {}) as Props;
        if (o.type === 'OS::Neutron::Router')
          return (resolve(p.external_gateway_info) as Props | null)?.network === external;
        if (o.type !== 'OS::Neutron::RouterInterface' || !port) return false;
        const subnet = resolve(p.subnet);
        const subnetDefn = others.find((s) => s.name === subnet && s.type === 'OS::Neutron::Subnet');
        return subnets.has(subnet) || (!!subnetDefn && resolve((subnetDefn.properties as Props)?.network) === portNet);
      })
      .map((o) => o.name);
  },
});

export const floatingIpAssociation: ResourcePlugin = {
  type: 'OS::Neutron::FloatingIPAssociation',
  className: 'FloatingIPAssociation',
  description: 'A resource for associating floating ips and ports.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    floatingip_id: {
      type: 'string',
      description: 'ID of the floating IP to associate.',
      required: true,
      updateAllowed: true,
    },
    port_id: constrained(
      'port',
      'ID of an existing port with at least one IP address to associate with this floating IP.',
      {
        required: true,
        updateAllowed: true,
      },
    ),
    fixed_ip_address: {
      type: 'string',
      description: 'IP address to use if the port has multiple addresses.',
      updateAllowed: true,
    },
  },
  attributes: {},
  async create(r) {
    const port = await findId(r.cloud, r.caller, 'port', r.props.port_id);
    const fip = await neutronCall(() =>
      neutron.associateFloatingIp(
        r.cloud,
        r.caller,
        r.props.floatingip_id,
        port,
        r.props.fixed_ip_address ?? undefined,
      ),
    );
    await r.setPhysicalId(`${fip.id}:${port}`);
  },
  async update(r, before) {
    if (before.floatingip_id !== r.props.floatingip_id)
      await neutronCall(() => neutron.associateFloatingIp(r.cloud, r.caller, before.floatingip_id, null)).catch(
        () => undefined,
      );
    await floatingIpAssociation.create(r);
  },
  async delete(r) {
    if (!r.physicalId) return;
    const [fip] = r.physicalId.split(':');
    await neutronCall(() => neutron.associateFloatingIp(r.cloud, r.caller, fip, null)).catch(() => undefined);
  },
};
