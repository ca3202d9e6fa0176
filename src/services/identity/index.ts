import { OSLO_BODY_LIMIT, osloTooLarge } from '../../server/limits.js';
import type { Service } from '../service.js';
import { prepareSeed, seedIdentity } from './bootstrap.js';
import { ensureServiceCatalog } from './catalog.js';
import { formatError } from './errors.js';
import { migrations } from './migrations.js';
import { applicationCredentialRoutes } from './routes/application-credentials.js';
import { authRoutes } from './routes/auth.js';
import { credentialRoutes } from './routes/credentials.js';
import { domainConfigRoutes } from './routes/domain-configs.js';
import { domainRoutes } from './routes/domains.js';
import { endpointFilterRoutes } from './routes/endpoint-filter.js';
import { endpointRoutes } from './routes/endpoints.js';
import { grantRoutes } from './routes/grants.js';
import { groupRoutes } from './routes/groups.js';
import { limitRoutes } from './routes/limits.js';
import { oauth1Routes } from './routes/oauth1.js';
import { policyRoutes } from './routes/policies.js';
import { projectTagRoutes } from './routes/project-tags.js';
import { projectRoutes } from './routes/projects.js';
import { regionRoutes } from './routes/regions.js';
import { roleAssignmentRoutes } from './routes/role-assignments.js';
import { roleRoutes } from './routes/roles.js';
import { serviceRoutes } from './routes/services.js';
import { trustRoutes } from './routes/trusts.js';
import { userRoutes } from './routes/users.js';
import { versionRoutes } from './routes/versions.js';

export const identity: Service = {
  name: 'identity',
  path: '/identity',
  // oslo.middleware's sizelimit, first of Keystone's middleware: the token request is as bounded as any
  bodyLimit: OSLO_BODY_LIMIT,
  sizeLimitFirst: true,
  tooLarge: osloTooLarge,
  headLikeGet: true,
  catalog: [{ type: 'identity', name: 'keystone', path: '/identity' }],
  migrations,
  formatError,
  async register(app, cloud) {
    await prepareSeed(cloud);
    for (const routes of [
      versionRoutes,
      authRoutes,
      domainConfigRoutes,
      domainRoutes,
      projectRoutes,
      projectTagRoutes,
      userRoutes,
      groupRoutes,
      roleRoutes,
      grantRoutes,
      roleAssignmentRoutes,
      regionRoutes,
      serviceRoutes,
      endpointRoutes,
      credentialRoutes,
      applicationCredentialRoutes,
      trustRoutes,
      policyRoutes,
      oauth1Routes,
      endpointFilterRoutes,
      limitRoutes,
    ])
      await routes(app, cloud);
  },
  bootstrap: seedIdentity,
  onListen: ensureServiceCatalog,
};
