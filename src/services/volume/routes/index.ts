import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { volumeMicroversion } from '../microversion.js';
import { attachmentRoutes } from './attachments.js';
import { backendRoutes } from './backend.js';
import { backupRoutes } from './backups.js';
import { encryptionRoutes } from './encryption.js';
import { groupSnapshotRoutes } from './group-snapshots.js';
import { groupTypeRoutes } from './group-types.js';
import { groupRoutes } from './groups.js';
import { messageRoutes } from './messages.js';
import { metadataRoutes } from './metadata.js';
import { miscRoutes } from './misc.js';
import { qosRoutes } from './qos.js';
import { quotaRoutes } from './quotas.js';
import { snapshotRoutes } from './snapshots.js';
import { transferRoutes } from './transfers.js';
import { typeRoutes } from './types.js';
import { unservedRoutes } from './unserved.js';
import { v3RootRoute, versionRoutes } from './versions.js';
import { volumeActionRoutes } from './volume-actions.js';
import { volumeRoutes } from './volumes.js';

const API = [
  attachmentRoutes,
  backupRoutes,
  backendRoutes,
  volumeRoutes,
  volumeActionRoutes,
  metadataRoutes,
  messageRoutes,
  snapshotRoutes,
  typeRoutes,
  groupTypeRoutes,
  groupRoutes,
  groupSnapshotRoutes,
  encryptionRoutes,
  transferRoutes,
  qosRoutes,
  quotaRoutes,
  miscRoutes,
  unservedRoutes,
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
      // Cinder's router has no route for a collection with a trailing slash
      // (GET /volumes/ is a missing volume, not the list)
      v3.addHook('onRequest', async (req) => {
        const path = req.originalUrl.split('?')[0];
        if (path.endsWith('/') && !/\/v3\/?$/.test(path)) throw new NotFound('The resource could not be found.');
      });
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
