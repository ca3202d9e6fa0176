import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import type { NovaRequest } from '../api.js';
import {
  allocateFloatingIp,
  listFloatingIpPools,
  listFloatingIps,
  type ProxyFloatingIp,
  releaseFloatingIp,
  showFloatingIp,
} from '../neutron.js';

// The os-floating-ips and os-floating-ip-pools proxies of Nova 2.1–2.35:
// Neutron's floating IPs of the project, and its external networks, in Nova's
// shape. (addFloatingIp/removeFloatingIp are server actions.)

function proxyOnly(req: NovaRequest): void {
  if (req.microversion.atLeast('2.36')) throw new NotFound('The resource could not be found.');
}

const view = (f: ProxyFloatingIp) => ({
  id: f.id,
  ip: f.ip,
  pool: f.pool,
  fixed_ip: f.fixed_ip,
  instance_id: f.instance_id,
});

export async function floatingIpProxyRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/os-floating-ip-pools', async (req) => {
    proxyOnly(req);
    return { floating_ip_pools: await listFloatingIpPools(cloud, req.auth) };
  });
  app.get('/os-floating-ips', async (req) => {
    proxyOnly(req);
    return { floating_ips: (await listFloatingIps(cloud, req.auth)).map(view) };
  });
  app.get('/os-floating-ips/:id', async (req) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    if (!isUuid(id)) throw new NotFound(`Floating IP not found for ID ${id}`);
    return { floating_ip: view(await showFloatingIp(cloud, req.auth, id)) };
  });
  app.post('/os-floating-ips', async (req) => {
    proxyOnly(req);
    const pool = (req.body as { pool?: unknown } | undefined)?.pool;
    if (pool !== undefined && pool !== null && typeof pool !== 'string')
      throw new BadRequest('Invalid input for field/attribute pool.');
    return { floating_ip: view(await allocateFloatingIp(cloud, req.auth, (pool as string | null) ?? undefined)) };
  });
  app.delete('/os-floating-ips/:id', async (req, reply) => {
    proxyOnly(req);
    const { id } = req.params as { id: string };
    if (!isUuid(id)) throw new NotFound(`Floating IP not found for ID ${id}`);
    await releaseFloatingIp(cloud, req.auth, id);
    return reply.code(202).send();
  });
}
