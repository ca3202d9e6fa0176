import { depthMessage, jsonTooDeep } from '../../server/depth.js';
import { BadRequest, NotFound } from '../../server/errors.js';
import type { Service } from '../service.js';
import { bootstrapImages } from './bootstrap.js';
import { formatError } from './errors.js';
import { imageTaskMigrations } from './image-tasks.js';
import { metadefMigrations } from './metadefs/migrations.js';
import { metadefRoutes } from './metadefs/routes.js';
import { migrations } from './migrations.js';
import { PATCH_TYPES } from './patch.js';
import { recoverImageFiles } from './recover.js';
import { dataRoutes } from './routes/data.js';
import { imageRoutes } from './routes/images.js';
import { infoRoutes } from './routes/info.js';
import { memberRoutes } from './routes/members.js';
import { schemaRoutes } from './routes/schemas.js';
import { unservedRoutes } from './routes/unserved.js';
import { versionRoutes } from './routes/versions.js';

/** Glance v2 at /image. */
export const image: Service = {
  name: 'image',
  path: '/image',
  catalog: [{ type: 'image', name: 'glance', path: '/image' }],
  migrations: { ...migrations, ...metadefMigrations, ...imageTaskMigrations },
  formatError,
  async register(app, cloud) {
    // Glance's routes are exact: "/v2/images/" is not "/v2/images"
    app.addHook('onRequest', async (req) => {
      const path = req.originalUrl.split('?')[0];
      if (path.length > '/image/'.length && path.endsWith('/') && !/^\/image\/?$/.test(path))
        throw new NotFound('The resource could not be found.');
    });
    app.addContentTypeParser(Object.keys(PATCH_TYPES), { parseAs: 'string' }, (_req, body, done) => {
      const text = body as string;
      if (text.trim() === '') return done(null, undefined);
      if (jsonTooDeep(text)) return done(new BadRequest(depthMessage()), undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new BadRequest('Malformed JSON in request body.'), undefined);
      }
    });
    await versionRoutes(app);
    await schemaRoutes(app);
    await infoRoutes(app, cloud);
    await imageRoutes(app, cloud);
    await dataRoutes(app, cloud);
    await memberRoutes(app, cloud);
    await metadefRoutes(app, cloud);
    await unservedRoutes(app);
  },
  bootstrap: bootstrapImages,
  async resume(cloud) {
    await recoverImageFiles(cloud);
  },
};
