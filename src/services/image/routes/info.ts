import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { Forbidden } from '../../../server/errors.js';
import { quotaUsage } from '../quota.js';
import { STORE_ID } from '../views.js';
import { rejectOtherMethods } from './reject.js';

/** The interoperable import methods this Glance takes (POST /v2/images/{id}/import). */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'];

/** Discovery: /v2/info/import, /v2/info/stores(/detail), /v2/info/usage. */
export async function infoRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v2/info/import', async () => ({
    'import-methods': { description: 'Import methods available.', type: 'array', value: IMPORT_METHODS },
  }));
  rejectOtherMethods(app, '/v2/info/import', ['GET']);
  app.get('/v2/info/stores', async () => ({ stores: [{ id: STORE_ID, default: 'true' }] }));
  rejectOtherMethods(app, '/v2/info/stores', ['GET']);
  app.get('/v2/info/stores/detail', async (req) => {
    if (!req.auth.isAdmin) throw new Forbidden('You are not authorized to complete stores_info_detail action.');
    return {
      stores: [
        {
          id: STORE_ID,
          type: 'file',
          default: true,
          properties: { data_dir: `${cloud.config.dataDir}/images`, chunk_size: 65536, thin_provisioning: false },
        },
      ],
    };
  });
  app.get('/v2/info/usage', async (req) => ({
    usage: req.auth.projectId ? await quotaUsage(cloud, req.auth.projectId) : {},
  }));
}
