import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { volumeMicroversion } from '../microversion.js';
import { backupRoutes } from './backups.js';
import { metadataRoutes } from './metadata.js';
import { miscRoutes } from './misc.js';
import { quotaRoutes } from './quotas.js';
import { snapshotRoutes } from './snapshots.js';
import { typeRoutes } from './types.js';
import { v3RootRoute, versionRoutes } from './versions.js';
import { volumeActionRoutes } from './volume-actions.js';
import { volumeRoutes } from './volumes.js';

const API = [
  backupRoutes,
  volumeRoutes,
  volumeActionRoutes,
  metadataRoutes,
  snapshotRoutes,
  typeRoutes,
  quotaRoutes,
  miscRoutes,
];

/**
 * /volume (versions), /volume/v3 (its version document) and the API under
 * /volume/v3/{project_id} as DevStack's catalog names it, and also without
 * the project (3.67) where it then means the token's project.
 */
export async function volumeApi(app: FastifyInstance, cloud: Cloud) {
  await versionRoutes(app);
  await app.register(
    async (v3) => {
      v3.addHook('onRequest', volumeMicroversion);
      await v3RootRoute(v3);
      for (const prefix of ['/:project_id', '']) {
        await v3.register(
          async (scope) => {
            for (const routes of API) await routes(scope, cloud);
          },
          { prefix },
        );
      }
    },
    { prefix: '/v3' },
  );
}
