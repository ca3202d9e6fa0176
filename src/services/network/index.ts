import { networkDriver } from '../../drivers/network/index.js';
import { background } from '../../store/postgres.js';
import type { Service } from '../service.js';
import { ensureAgents } from './agents.js';
import { autoAllocateRoutes } from './auto-allocate.js';
import { seedNetworks, serviceContext } from './bootstrap.js';
import { syncAllDhcpPorts } from './dhcp-ports.js';
import { formatError } from './errors.js';
import { floatingIps } from './floating-ips.js';
import { meteringLabels, meteringRules } from './metering.js';
import { migrations } from './migrations.js';
import { networks } from './networks.js';
import { ports } from './ports.js';
import { routers } from './routers.js';
import { agentRoutes } from './routes/agents.js';
import { crudRoutes } from './routes/crud.js';
import { extraRoutes } from './routes/extras.js';
import { quotaRoutes } from './routes/quotas.js';
import { tagRoutes } from './routes/tags.js';
import { versionRoutes } from './routes/versions.js';
import { securityGroupRules } from './security-group-rules.js';
import { securityGroups } from './security-groups.js';
import { segmentRoutes } from './segments.js';
import { inTransaction } from './store.js';
import { subnetPools } from './subnet-pools.js';
import { subnets } from './subnets.js';
import { reconcileDataPlane, registerSync } from './sync.js';

const TAGGABLE = [networks, subnets, ports, routers, floatingIps, securityGroups, subnetPools];

export const network: Service = {
  name: 'network',
  path: '/networking',
  catalog: [{ type: 'network', name: 'neutron', path: '/networking' }],
  migrations,
  formatError,
  async register(app, cloud) {
    registerSync(cloud);
    await versionRoutes(app);
    for (const r of [...TAGGABLE, securityGroupRules, meteringLabels, meteringRules]) crudRoutes(app, cloud, r);
    for (const r of TAGGABLE) tagRoutes(app, cloud, r);
    await quotaRoutes(app, cloud);
    await extraRoutes(app, cloud);
    await agentRoutes(app, cloud);
    await autoAllocateRoutes(app, cloud);
    await segmentRoutes(app, cloud);
  },
  async bootstrap(cloud) {
    await ensureAgents(cloud);
    await seedNetworks(cloud);
    // the data plane at start: DHCP ports as the subnets say, then every resource handed to the driver
    await inTransaction(cloud, (trx) => syncAllDhcpPorts({ cloud, db: trx, ctx: serviceContext() }));
    if (!cloud.leadership.leading) return;
    // on a host still being prepared the data plane is built once it is ready; the API answers meanwhile
    if (cloud.hostReady)
      void cloud.hostReady
        .then(() => background(() => reconcileDataPlane(cloud)))
        .catch((err) => cloud.log.error({ err }, 'network data plane not built: the host setup failed'));
    else await background(() => reconcileDataPlane(cloud));
  },
  async resume(cloud) {
    await (cloud.hostReady ?? Promise.resolve()).then(() => reconcileDataPlane(cloud));
  },
  async close(cloud) {
    await networkDriver(cloud).close?.();
  },
};
