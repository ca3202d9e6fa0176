import type { Props, ResourceContext } from '../../orchestration/engine/plugin.js';
import { adminStateUp, constrained, findId, neutronResource, prepare, valueSpecs } from './common.js';

// OS::Neutron::Router: a router, with its gateway to an external network.

async function gateway(r: ResourceContext, info: Props | null) {
  if (!info) return undefined;
  const out: Record<string, unknown> = { network_id: await findId(r.cloud, r.caller, 'network', info.network) };
  if (info.enable_snat !== null && info.enable_snat !== undefined) out.enable_snat = info.enable_snat;
  if (info.external_fixed_ips)
    out.external_fixed_ips = await Promise.all(
      (info.external_fixed_ips as Props[]).map(async (ip) => ({
        ...(ip.subnet ? { subnet_id: await findId(r.cloud, r.caller, 'subnet', ip.subnet) } : {}),
        ...(ip.ip_address ? { ip_address: ip.ip_address } : {}),
      })),
    );
  return out;
}

export const router = neutronResource({
  type: 'OS::Neutron::Router',
  className: 'Router',
  description: 'A resource that implements Neutron router.',
  kind: 'router',
  version: '2014.1',
  properties: {
    name: { type: 'string', description: 'The name of the router.', updateAllowed: true },
    external_gateway_info: {
      type: 'map',
      description: 'External network gateway configuration for a router.',
      updateAllowed: true,
      entries: {
        network: constrained('network', 'ID or name of the external network for the gateway.', { required: true }),
        enable_snat: { type: 'boolean', description: 'Enables Source NAT on the router gateway.', updateAllowed: true },
        external_fixed_ips: {
          type: 'list',
          description: 'External fixed IP addresses for the gateway.',
          updateAllowed: true,
          items: {
            type: 'map',
            entries: {
              ip_address: { type: 'string', description: 'External fixed IP address.' },
              subnet: constrained('subnet', 'Subnet of external fixed IP address.'),
            },
          },
        },
      },
    },
    value_specs: valueSpecs,
    admin_state_up: adminStateUp('router'),
    distributed: { type: 'boolean', description: 'Indicates whether or not to create a distributed router.' },
    ha: { type: 'boolean', description: 'Indicates whether or not to create a highly available router.' },
    availability_zone_hints: { type: 'list', description: 'Availability zone candidates for the router.' },
  },
  attributes: {
    status: { description: 'The status of the router.', type: 'string' },
    external_gateway_info: { description: 'Gateway network for the router.', type: 'map' },
    name: { description: 'Friendly name of the router.', type: 'string' },
    admin_state_up: { description: 'Administrative state of the router.', type: 'string' },
    tenant_id: { description: 'Tenant owning the router.', type: 'string' },
  },
  async body(r, props) {
    const { external_gateway_info, ...rest } = props;
    const body = prepare(r, rest);
    const gw = await gateway(r, external_gateway_info);
    if (gw) body.external_gateway_info = gw;
    return body;
  },
  async updateBody(r, props, changed) {
    const body: Record<string, unknown> = {};
    for (const k of ['name', 'admin_state_up'])
      if (changed.includes(k)) body[k] = props[k] ?? (k === 'name' ? r.physicalName() : true);
    if (changed.includes('external_gateway_info'))
      body.external_gateway_info = (await gateway(r, props.external_gateway_info)) ?? {};
    if (changed.includes('value_specs')) Object.assign(body, props.value_specs);
    return body;
  },
});
