import type { Service } from '../service.js';
import { seedIdentity } from './bootstrap.js';
import { ensureServiceCatalog } from './catalog.js';
import { formatError } from './errors.js';
import { migrations } from './migrations.js';
import { authRoutes } from './routes/auth.js';
import { projectRoutes } from './routes/projects.js';
import { versionRoutes } from './routes/versions.js';

export const identity: Service = {
  name: 'identity',
  path: '/identity',
  catalog: [{ type: 'identity', name: 'keystone', path: '/identity' }],
  migrations,
  formatError,
  async register(app, cloud) {
    await versionRoutes(app);
    await authRoutes(app, cloud);
    await projectRoutes(app, cloud);
  },
  bootstrap: seedIdentity,
  onListen: ensureServiceCatalog,
};
