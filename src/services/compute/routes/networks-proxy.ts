import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, NotFound } from '../../../server/errors.js';
import type { NovaRequest } from '../api.js';
import { visibleNetworks } from '../neutron.js';

// The os-networks proxy of Nova 2.1–2.35: Neutron's networks by id and
// label, every nova-network field null (as Nova shows them with Neutron);
// os-tenant-networks, the same list in three fields.

const FIELDS = ['cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'netmask_v6'];
const ADMIN_FIELDS = [
  'created_at',
  'updated_at',
  'deleted_at',
  'deleted',
  'injected',
  'bridge',
  'vlan',
  'vpn_public_address',
  'vpn_public_port',
  'vpn_private_address',
  'dhcp_start',
  'project_id',
  'host',
  'bridge_interface',
  'multi_host',
  'priority',
  'rxtx_base',
  'mtu',
  'dhcp_server',
  'enable_dhcp',
  'share_address',
];

function view(req: NovaRequest, n: { id: string; name: string }) {
  const out: Record<string, unknown> = { id: n.id, label: n.name };
  for (const f of [...FIELDS, ...(req.auth.isAdmin ? ADMIN_FIELDS : [])]) out[f] = null;
  return out;
}

export async function networkProxyRoutes(app: FastifyInstance, cloud: Cloud) {
  const proxyOnly = (req: NovaRequest) => {
    if (req.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
  };
  app.get('/os-networks', async (req) => {
    proxyOnly(req);
    return { networks: (await visibleNetworks(cloud, req.auth)).map((n) => view(req, n)) };
  });
  app.get('/os-networks/:id', async (req) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    const n = (await visibleNetworks(cloud, req.auth)).find((x) => x.id === id);
    if (!n) throw new NotFound('Network not found');
    return { network: view(req, n) };
  });

  // os-tenant-networks: the same networks, in nova-network's three fields
  // (Nova prints the missing cidr as the string "None"); create and delete
  // are gone (410) at every version.
  const tenantView = (n: { id: string; name: string }) => ({ id: n.id, cidr: 'None', label: n.name });
  app.get('/os-tenant-networks', async (req) => {
    proxyOnly(req);
    return { networks: (await visibleNetworks(cloud, req.auth)).map(tenantView) };
  });
  app.get('/os-tenant-networks/:id', async (req) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    const n = (await visibleNetworks(cloud, req.auth)).find((x) => x.id === id);
    if (!n) throw new NotFound('Network not found');
    return { network: tenantView(n) };
  });
  for (const route of ['/os-tenant-networks', '/os-tenant-networks/:id'])
    app.route({
      method: route.endsWith(':id') ? 'DELETE' : 'POST',
      url: route,
      handler: async () => {
        throw new ApiError(410, 'This resource is no longer available. No forwarding address is given.');
      },
    });
}
