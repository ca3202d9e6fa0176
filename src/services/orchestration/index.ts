import { BadRequest } from '../../server/errors.js';
import { JSON_BODY_LIMIT } from '../../server/limits.js';
import { background } from '../../store/postgres.js';
import type { Service } from '../service.js';
import { registerEngine, settleOrphans } from './engine/task.js';
import { formatError } from './errors.js';
import { migrations } from './migrations.js';
import { registerResourceTypes } from './resources/index.js';
import { eventRoutes } from './routes/events.js';
import { infoRoutes } from './routes/info.js';
import { resourceRoutes } from './routes/resources.js';
import { softwareConfigRoutes } from './routes/software-configs.js';
import { stackPartRoutes } from './routes/stack-parts.js';
import { stackRoutes } from './routes/stacks.js';
import { versionRoutes } from './routes/versions.js';

registerResourceTypes();

export const orchestration: Service = {
  name: 'orchestration',
  path: '/heat-api',
  // Heat's max_json_body_size, and its words for a body past it
  bodyLimit: JSON_BODY_LIMIT,
  tooLarge: (limit, req) =>
    new BadRequest(
      `Request limit exceeded: JSON body size (${req.headers['content-length'] ?? 'more than ' + limit} bytes) exceeds maximum allowed size (${limit} bytes).`,
    ),
  catalog: [{ type: 'orchestration', name: 'heat', path: '/heat-api/v1/$(project_id)s' }],
  migrations,
  formatError,
  async register(app, cloud) {
    await versionRoutes(app);
    await infoRoutes(app, cloud);
    await stackRoutes(app, cloud);
    await stackPartRoutes(app, cloud);
    await resourceRoutes(app, cloud);
    await eventRoutes(app, cloud);
    await softwareConfigRoutes(app, cloud);
  },
  async bootstrap(cloud) {
    registerEngine(cloud);
    if (cloud.leadership.leading) await background(() => settleOrphans(cloud));
  },
  resume: settleOrphans,
};
